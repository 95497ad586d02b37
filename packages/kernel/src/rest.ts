import {
  DeliverRequest as DeliverRequestSchema,
  ErrorCode,
  PROTOCOL_VERSION,
  PidSchema,
  WispError,
  homeOf,
  isHostVerb,
  isPid,
  makePid,
  parseRequest,
  parseSignal,
  signalNumbers,
  toWireError,
  type CreateRequest,
  type DeliverRequest,
  type KillRequest,
  type ProcessImage,
  type TimerImage,
  type ProcInfo,
  type Signal,
  type SpawnRequest,
  type SyscallRequest,
  type WireError,
} from '@wisp/protocol';
import { CONSOLE_FDS, SYSCALL, placeOf, resolveArgs, withMemory, type PageFault, type ProcInput, type SyscallName, type SyscallSpec } from '@wisp/proc';
import type { Answer, Caller, Continuation, SpawnDups } from './caller.js';
import type { KernelContext } from './context.js';
import type { FsOp } from './effects.js';
import { Fifo } from './fifo.js';
import type { HomeRecord } from './homeTable.js';
import { createPcb, logicOf, type ExecutableAction, type Pcb, type ProcTimer } from './pcb.js';
import { checkArgs, isReservedEventType } from './syscallArgs.js';
import type { KernelPort } from './migration/kernelPort.js';
import { backingFileOf } from './migration/migrator.js';
import { CRASH_EXIT_CODE } from './processes.js';
import { participants } from './migration/participants.js';
import { LEASE_RENEW_MS, MIGD_WAIT_MS, grantLost, grantRequest, grantedHost, type Grant } from './placement.js';

/** A wait has no natural bound; this is the longest a forwarded wait is allowed to take. */
const WAIT_TIMEOUT_MS = 2_147_483_647;

/** Calls served at home that may block for any time (a wait, a console read): re-issued on a migration's target. */
export function isBlockingHomeCall(c: { call: string; args: readonly unknown[] }): boolean {
  return c.call === 'wait' || (c.call === 'read' && c.args[0] === 0);
}

/** The rooms not yet moved out of the kernel (transitional). */
export class KernelRest {

  constructor(private readonly ctx: KernelContext) {}

  // ── requests from the world ──────────────────────────────────────────────

  onRequest(verb: string, body: unknown, replyTo: string | null, bytes?: Uint8Array): void {
    const caller: Caller = { kind: 'remote', replyTo: typeof replyTo === 'string' ? replyTo : null };
    try {
      // The one validation of a request body: the runtime only decodes, and the kernel is also
      // driven directly (checker, tests), so nothing unvalidated reaches the process table.
      if (typeof verb !== 'string' || !isHostVerb(verb)) throw new WispError(ErrorCode.EINVAL, `unknown verb '${String(verb)}'`);
      switch (verb) {
        case 'info':
          parseRequest(verb, body);
          return this.ctx.answer(caller, { ok: true, value: this.info() });
        case 'ps':
          parseRequest(verb, body);
          return this.ctx.answer(caller, { ok: true, value: { procs: this.ps() } });
        case 'spawn':
          return this.onSpawn(parseRequest(verb, body), caller);
        case 'create':
          return this.onCreate(parseRequest(verb, body), caller);
        case 'syscall':
          return this.onForwardedCall(parseRequest(verb, body), caller);
        case 'kill': {
          const req = parseRequest(verb, body);
          return this.ctx.kills.routeKill(req.pid, req.signal, caller);
        }
        case 'signal':
          return this.ctx.kills.onSignal(parseRequest(verb, body), caller);
        case 'deliver':
          return this.ctx.delivery.onDeliver(parseDeliver(body), caller);
        case 'migrate':
          return this.ctx.migrator.migrate(parseRequest(verb, body), caller);
        case 'offer':
          return this.ctx.migrator.offer(parseRequest(verb, body), caller, this.ctx.accepting);
        case 'pages':
          return this.ctx.migrator.pages(parseRequest(verb, body), bytes ?? new Uint8Array(0), caller);
        case 'transfer': {
          const req = parseRequest(verb, body);
          return this.ctx.migrator.transfer(req.image, caller, req.offer ? { offer: req.offer, accepting: this.ctx.accepting } : undefined);
        }
        case 'commit':
          return this.ctx.migrator.commit(parseRequest(verb, body).pid, caller);
        case 'abort':
          return this.ctx.migrator.abort(parseRequest(verb, body).pid, caller);
        case 'input': {
          const req = parseRequest(verb, body);
          if (homeOf(req.pid) !== this.ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not homed here`);
          const served = this.ctx.home.input(req.pid, req.text, req.close ?? false);
          if (served) this.ctx.answer(served.reader, { ok: true, value: served.text });
          return this.ctx.answer(caller, { ok: true, value: {} });
        }
        case 'located': {
          const req = parseRequest(verb, body);
          if (homeOf(req.pid) !== this.ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not homed here`);
          this.ctx.migrator.located(req.pid, req.host);
          return this.ctx.answer(caller, { ok: true, value: {} });
        }
        case 'fetch':
          return this.ctx.migrator.fetch(parseRequest(verb, body), caller);
        case 'release':
          return this.ctx.migrator.release(parseRequest(verb, body).pid, caller);
        case 'evict':
          return this.ctx.migrator.evict(parseRequest(verb, body).strategy ?? 'flush', caller);
      }
    } catch (err) {
      const error = toWireError(err);
      // A malformed request is worth a warning; a well-formed one that fails (no such pid…) is not.
      if (error.code === ErrorCode.EINVAL || error.code === ErrorCode.EPROTO) {
        this.ctx.log('warn', `rejected ${String(verb)} request: ${error.message}`, { code: error.code });
      }
      this.ctx.answer(caller, { ok: false, error });
    }
  }

  info() {
    return {
      id: this.ctx.hostId,
      protocol: PROTOCOL_VERSION,
      programs: this.ctx.config.registry.list(),
      procs: this.ctx.procs.size,
      foreign: this.ctx.foreignCount(),
      clockSkewMs: this.ctx.config.clockSkewMs ?? 0,
      osPid: this.ctx.config.osPid ?? 0,
      startedAt: this.ctx.config.startedAt ?? 0,
    };
  }

  ps(): ProcInfo[] {
    const rows: ProcInfo[] = [];
    for (const p of this.ctx.procs.values()) {
      const residual = this.ctx.migrator.residualOf(p);
      rows.push({ pid: p.pid, program: p.program.name, home: p.home, host: this.ctx.hostId, parent: p.parent, state: this.stateOf(p), faults: p.faults, ...(residual.length > 0 ? { residual } : {}) });
    }
    for (const r of this.ctx.home.records.values()) {
      if (r.state === 'exited') {
        rows.push({ pid: r.pid, program: r.program, home: this.ctx.hostId, host: r.host, parent: r.parent, state: 'exited', exitCode: r.code ?? 0 });
      }
    }
    return rows;
  }

  stateOf(p: Pcb): ProcInfo['state'] {
    if (p.frozen) return 'migrating';
    for (const id of p.timers) if (this.ctx.timers.get(id)?.kind === 'sleep') return 'sleeping';
    if (p.outstanding > 0) return 'blocked';
    return p.queued || p.urgent.length + p.mailbox.length > 0 ? 'runnable' : 'idle';
  }

  onSpawn(req: SpawnRequest, caller: Caller): void {
    this.spawnAt({ parent: null, program: req.program, version: req.version, args: req.args, on: req.on, tty: req.tty, root: true, stdin: req.stdin }, caller);
  }

  onCreate(req: CreateRequest, caller: Caller): void {
    if (req.protocol !== PROTOCOL_VERSION) {
      throw new WispError(ErrorCode.EREFUSED, `protocol ${req.protocol} != ${PROTOCOL_VERSION}`);
    }
    if (this.ctx.procs.has(req.pid)) throw new WispError(ErrorCode.EINVAL, `pid ${req.pid} already runs here`);
    const home = homeOf(req.pid);
    if (home === this.ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is homed here; use spawn`);
    // A home that lacks the program itself names no version ('' = the default version here).
    this.ctx.processes.startProcess(req.pid, home, req.parent, req.program, req.version === '' ? undefined : req.version, req.args, req.fds);
    this.ctx.answer(caller, { ok: true, value: { pid: req.pid, host: this.ctx.hostId } });
  }

  onForwardedCall(req: SyscallRequest, caller: Caller): void {
    if (homeOf(req.pid) !== this.ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not at home here`);
    const rec = this.ctx.home.records.get(req.pid);
    if (!rec || rec.state === 'exited') throw new WispError(ErrorCode.ESRCH, `no process ${req.pid}`);
    const args = checkArgs(req.call, req.args);
    this.homeCall(req.pid, req.call, args, caller, req.callId);
  }

  // ── syscalls ─────────────────────────────────────────────────────────────

  syscall(pcb: Pcb, call: SyscallName, rawArgs: unknown[]): void {
    const callId = ++pcb.callSeq;
    pcb.outstanding++;
    pcb.calls.set(callId, { call, args: rawArgs });
    let args: unknown[];
    try {
      args = checkArgs(call, rawArgs);
    } catch (err) {
      return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: toWireError(err) });
    }
    if (call === 'exit') {
      pcb.outstanding--;
      pcb.calls.delete(callId);
      return this.ctx.processes.terminate(pcb, args[0] as number);
    }
    const caller: Caller = { kind: 'proc', pid: pcb.pid, callId, call };
    if (call === 'spawn') {
      if ((args[2] as { fds?: unknown }).fds !== undefined) {
        return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: { code: ErrorCode.EINVAL, message: 'sys.spawn: fds is set by the kernel, not by the caller' } });
      }
      if ((args[2] as { grant?: unknown }).grant !== undefined) {
        return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: { code: ErrorCode.EINVAL, message: 'sys.spawn: grant is set by the kernel, not by the caller' } });
      }
      const { anywhere, ...opts } = args[2] as { on?: string; anywhere?: boolean };
      if (anywhere && opts.on === undefined) return this.ctx.placement.placeAnywhere(pcb, args[0] as string, args[1] as string[], caller);
      args = [args[0], args[1], opts];
      if (pcb.fds.size > 0) return this.ctx.files.spawnInheriting(pcb, args, caller);
    }
    switch (placeOf(call, args)) {
      case 'local':
        return this.localCall(pcb, call, args, caller);
      case 'home':
        return this.homeCallFrom(pcb, call, args, caller);
      case 'fs':
        return this.ctx.files.fsCall(pcb, call, args, caller);
    }
  }

  localCall(pcb: Pcb, call: SyscallName, args: unknown[], caller: Caller & { kind: 'proc' }): void {
    switch (call) {
      case 'getpid':
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: true, value: pcb.pid });
      case 'sleep': {
        const ms = args[0] as number;
        this.ctx.scheduler.armTimer({ kind: 'sleep', pid: pcb.pid, due: this.ctx.now + ms, callId: caller.callId }, ms, pcb);
        return;
      }
      case 'grow':
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: true, value: pcb.memory.grow(args[0] as number) });
      case 'send': {
        const [to, event] = args as [string, { type: string }];
        // Every message to a pid is numbered, so it is taken once wherever the pid moves.
        const seq = (pcb.seqOut.get(to) ?? 0) + 1;
        pcb.seqOut.set(to, seq);
        const target = this.ctx.procs.get(to);
        if (target && this.ctx.migrator.takesMessages(to)) {
          target.seqIn.set(pcb.pid, seq);
          this.ctx.scheduler.enqueue(target, { ...event, from: pcb.pid } as { type: string });
          return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: true, value: null });
        }
        const subject = this.ctx.subjects.proc(to);
        const body = { from: pcb.pid, event, seq };
        this.ctx.request(subject, body, { kind: 'send', caller, subject, body, tries: 0 });
        return;
      }
      default:
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: false, error: { code: ErrorCode.ENOSYS, message: `${call} is not a local call` } });
    }
  }

  /** A home call made by a process running here: served here if at home, else forwarded. */
  homeCallFrom(pcb: Pcb, call: SyscallName, args: unknown[], caller: Caller | null): void {
    if (pcb.home === this.ctx.hostId) {
      return this.homeCall(pcb.pid, call, args, caller ?? { kind: 'remote', replyTo: null });
    }
    const body = { pid: pcb.pid, call, args, ...(caller?.kind === 'proc' ? { callId: caller.callId } : {}) };
    const timeoutMs = isBlockingHomeCall({ call, args }) ? WAIT_TIMEOUT_MS : this.ctx.callTimeout;
    const k: Continuation = caller ? { kind: 'relay', caller, unreachable: ErrorCode.EHOSTUNREACH } : { kind: 'ignore', what: `forwarded ${call} of ${pcb.pid}` };
    const token = this.ctx.request(this.ctx.subjects.host(pcb.home, 'syscall'), body, k, { timeoutMs });
    const open = caller?.kind === 'proc' ? pcb.calls.get(caller.callId) : undefined;
    if (open) open.token = token;
  }

  /** Serves a location-dependent call for a process whose home is this host. */
  homeCall(pid: string, call: SyscallName, args: unknown[], caller: Caller, callId = caller.kind === 'proc' ? caller.callId : undefined): void {
    const rec = this.ctx.home.records.get(pid);
    switch (call) {
      case 'time':
        // Whole ms since the epoch, as Date.now() gives (the runtime's clock reads finer).
        return this.ctx.answer(caller, { ok: true, value: Math.floor(this.ctx.now) });
      case 'write': {
        const [fd, data] = args as [number, string];
        if (fd === 0) return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.EBADF, message: 'fd 0 is read-only' } });
        this.ctx.emit({ type: 'console', pid, fd, data });
        if (rec?.tty) this.ctx.emit({ type: 'publish', subject: rec.tty, body: { kind: 'out', pid, fd, data } });
        return this.ctx.answer(caller, { ok: true, value: data.length });
      }
      case 'read': {
        const [fd, max] = args as [number, number];
        if (fd !== 0) return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.EBADF, message: `fd ${fd} is write-only` } });
        // Blocks until input comes (a process started without console input reads end of file).
        const r = this.ctx.home.read(pid, { caller, max, ...(callId !== undefined ? { callId } : {}) });
        if (r.replaced) this.ctx.answer(r.replaced, { ok: false, error: { code: ErrorCode.EINVAL, message: 'replaced by a later read' } });
        if (r.text !== 'wait') this.ctx.answer(caller, { ok: true, value: r.text });
        return;
      }
      case 'spawn': {
        const [program, spawnArgs, opts] = args as [string, string[], { on?: string; fds?: Record<string, string>; grant?: string }];
        const grant = opts.grant && opts.on ? { requester: opts.grant, host: opts.on } : undefined;
        return this.spawnAt({ parent: pid, program, args: spawnArgs, on: opts.on, fds: opts.fds, tty: rec?.tty, root: false, grant }, caller);
      }
      case 'exit': {
        this.homeExit(pid, args[0] as number);
        return this.ctx.answer(caller, { ok: true, value: null });
      }
      case 'wait': {
        // One pending wait per process: a new one replaces a stale one (say, a forwarded wait
        // whose requester gave up), which fails rather than being left unanswered forever.
        // The same call re-issued from where the process migrated to takes the old one's place quietly.
        const stale = this.ctx.home.takeWaiter(pid);
        if (stale && (callId === undefined || stale.callId !== callId)) this.ctx.answer(stale.caller, { ok: false, error: { code: ErrorCode.EINVAL, message: 'replaced by a later wait' } });
        const r = this.ctx.home.wait(pid, args[0] as string | null, caller, callId);
        if (r === 'wait') return;
        if (r === 'none') return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ECHILD, message: 'no such child to wait for' } });
        return this.ctx.answer(caller, { ok: true, value: r });
      }
      case 'kill': {
        const [target, sig] = args as [string, string];
        return this.ctx.kills.routeKill(target, parseSignal(sig)!, caller);
      }
      default:
        return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ENOSYS, message: `${call} is not a home call` } });
    }
  }

  homeExit(pid: string, code: number): void {
    const rec = this.ctx.home.records.get(pid);
    if (!rec || rec.state === 'exited') return;
    const { tty, root } = rec;
    if (rec.grant) this.ctx.placement.releaseGrant(rec.grant);
    delete rec.grant;
    const done = this.ctx.home.exited(pid, code);
    if (tty) this.ctx.emit({ type: 'publish', subject: tty, body: { kind: 'exit', pid, code, root } });
    if (done) this.ctx.answer(done.waiter, { ok: true, value: done.reaped });
  }

  spawnAt(
    p: { parent: string | null; program: string; version?: string; args: string[]; on?: string; fds?: Record<string, string>; tty?: string; root: boolean; grant?: Grant; stdin?: boolean },
    caller: Caller,
  ): void {
    const on = p.on ?? this.ctx.hostId;
    const local = this.ctx.config.registry.get(p.program, p.version);
    if (on === this.ctx.hostId && !local) {
      if (p.fds) this.ctx.files.closeInherited(Object.values(p.fds), `a failed spawn of ${p.program}`);
      return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ENOPROG, message: `host ${this.ctx.hostId} has no program ${p.program}` } });
    }
    const pid = makePid(this.ctx.hostId, this.ctx.home.allocate());
    const rec: HomeRecord = { pid, program: p.program, parent: p.parent, host: on, state: on === this.ctx.hostId ? 'running' : 'starting', tty: p.tty, root: p.root, children: new Set() };
    if (p.stdin) rec.stdin = { buffered: '', closed: false };
    this.ctx.home.add(rec);
    // Held from now: the child may exit before its host's answer to `create` arrives.
    if (p.grant && on !== this.ctx.hostId) this.ctx.placement.holdGrant(rec, p.grant);
    if (on === this.ctx.hostId) {
      this.ctx.answer(caller, { ok: true, value: { pid, host: on } });
      try {
        this.ctx.processes.startProcess(pid, this.ctx.hostId, p.parent, p.program, p.version, p.args, p.fds);
      } catch (err) {
        if (p.fds && !this.ctx.procs.has(pid)) this.ctx.files.closeInherited(Object.values(p.fds), `a failed start of ${pid}`);
        this.homeExit(pid, CRASH_EXIT_CODE);
        this.ctx.log('error', `start of ${pid} failed: ${toWireError(err).message}`);
      }
      return;
    }
    const body: CreateRequest = { protocol: PROTOCOL_VERSION, pid, parent: p.parent, program: p.program, version: p.version ?? local?.version ?? '', args: p.args };
    if (p.fds) body.fds = p.fds;
    const streams = p.fds ? Object.values(p.fds) : [];
    this.ctx.request(this.ctx.subjects.host(on, 'create'), body, { kind: 'create', pid, host: on, caller, ...(streams.length > 0 ? { streams } : {}) });
  }

  created(k: Extract<Continuation, { kind: 'create' }>, answer: Answer): void {
    const { pid, host, caller } = k;
    const rec = this.ctx.home.records.get(pid);
    if (!answer.ok) {
      if (rec?.grant) this.ctx.placement.releaseGrant(rec.grant);
      this.ctx.home.discard(pid);
      // A host that refused the child holds no reference to its inherited streams. (One that may
      // not have answered in time might: then they are left open rather than closed under it.)
      if (k.streams && answer.error.code !== ErrorCode.EHOSTUNREACH && answer.error.code !== ErrorCode.ETIMEDOUT) {
        this.ctx.files.closeInherited(k.streams, `child ${pid} that ${host} refused`);
      }
      const error: WireError =
        answer.error.code === ErrorCode.EHOSTUNREACH ? { code: ErrorCode.EHOSTUNREACH, message: `no host '${host}' answers` } : answer.error;
      return this.ctx.answer(caller, { ok: false, error });
    }
    if (rec && rec.state === 'starting') rec.state = 'running';
    this.ctx.answer(caller, { ok: true, value: { pid, host } });
  }
}

const DeliverWithPid = DeliverRequestSchema.extend({ pid: PidSchema });

/** Validates a `deliver` body: the wire body plus the `pid` the runtime takes from the subject. */
function parseDeliver(body: unknown): DeliverRequest & { pid: string } {
  const res = DeliverWithPid.safeParse(body);
  if (!res.success) {
    const why = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new WispError(ErrorCode.EINVAL, `bad deliver request: ${why}`);
  }
  return res.data as DeliverRequest & { pid: string };
}

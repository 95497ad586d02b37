import {
  ErrorCode,
  PROTOCOL_VERSION,
  WispError,
  homeOf,
  isHomedAt,
  makePid,
  parseSignal,
  toWireError,
  type CreateRequest,
  type SpawnRequest,
  type SyscallRequest,
  type WireError,
} from '@wisp/protocol';
import type { SyscallName } from '@wisp/proc';
import type { Answer, Caller, Continuation } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers } from './dispatch.js';
import { FORWARDED_KEPT, type HomeRecord } from './homeTable.js';
import type { Pcb } from './pcb.js';
import type { Grant } from './placement.js';
import { CRASH_EXIT_CODE } from './processes.js';
import { checkArgs } from './syscallArgs.js';

/** A wait has no natural bound; this is the longest a forwarded wait is allowed to take. */
const WAIT_TIMEOUT_MS = 2_147_483_647;
/** Tries of a forwarded home call whose answer does not come (each waits the call timeout). */
export const FORWARD_TRIES = 3;

/** Calls served at home that may block for any time (a wait, a console read): re-issued on a migration's target. */
export function isBlockingHomeCall(c: { call: string; args: readonly unknown[] }): boolean {
  return c.call === 'wait' || (c.call === 'read' && c.args[0] === 0);
}

/**
 * What a home host does for the processes homed on it, wherever they run (DESIGN §4): the
 * location-dependent calls forwarded to it (time, console output and input, spawn, exit, wait,
 * kill), pid allocation and creation of children on other hosts, and exit statuses. Also where
 * a process's home call goes: served here when at home, else forwarded.
 */
export class HomeDuties {
  constructor(private readonly ctx: KernelContext) {}

  /** `spawn` from a client: a root process homed here (on `req.on` if given). */
  onSpawn(req: SpawnRequest, caller: Caller): void {
    this.spawnAt({ parent: null, program: req.program, version: req.version, args: req.args, on: req.on, tty: req.tty, root: true, stdin: req.stdin }, caller);
  }

  /** `create` from a home: start its child here. */
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

  /** `syscall`: a home call forwarded by the host a process homed here runs on. */
  onForwardedCall(req: SyscallRequest, caller: Caller & { kind: 'remote' }): void {
    if (!isHomedAt(req.pid, this.ctx.hostId)) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not at home here`);
    const rec = this.ctx.home.records.get(req.pid);
    if (rec && req.epoch !== undefined) fence(rec, req.epoch);
    // A retry of a call already taken (its answer was lost, or is still to come): answered, not
    // done again — an exit retried after the process's record closed included.
    const kept = req.callId === undefined ? undefined : rec?.forwarded?.get(req.callId);
    if (kept) {
      kept.replyTo = caller.replyTo;
      if (kept.answer) this.ctx.answer(caller, kept.answer);
      return;
    }
    if (!rec || rec.state === 'exited') throw new WispError(ErrorCode.ESRCH, `no process ${req.pid}`);
    const args = checkArgs(req.call, req.args);
    // `read` and `wait` keep their own per-call state (they block, and are re-issued after a move).
    if (req.callId === undefined || req.call === 'read' || req.call === 'wait') return this.homeCall(req.pid, req.call, args, caller, req.callId);
    const forwarded = (rec.forwarded ??= new Map());
    forwarded.set(req.callId, { replyTo: caller.replyTo });
    if (forwarded.size > FORWARDED_KEPT) forwarded.delete(forwarded.keys().next().value!);
    this.homeCall(req.pid, req.call, args, { kind: 'forwarded', pid: req.pid, callId: req.callId }, req.callId);
  }

  /** A home call made by a process running here: served here if at home, else forwarded. */
  homeCallFrom(pcb: Pcb, call: SyscallName, args: unknown[], caller: Caller | null): void {
    if (pcb.home === this.ctx.hostId) {
      const rec = this.ctx.home.records.get(pcb.pid);
      try {
        if (rec) fence(rec, pcb.dir.epoch);
      } catch (err) {
        return caller ? this.ctx.answer(caller, { ok: false, error: toWireError(err) }) : undefined;
      }
      return this.homeCall(pcb.pid, call, args, caller ?? { kind: 'remote', replyTo: null });
    }
    // Built field by field, not by spreading: this is the path of every forwarded call.
    const body: SyscallRequest = { pid: pcb.pid, call: call as SyscallRequest['call'], args };
    if (caller?.kind === 'proc') body.callId = caller.callId;
    body.epoch = pcb.dir.epoch;
    const timeoutMs = isBlockingHomeCall({ call, args }) ? WAIT_TIMEOUT_MS : this.ctx.callTimeout;
    const subject = this.ctx.subjects.host(pcb.home, 'syscall');
    let k: Continuation;
    if (!caller) k = { kind: 'ignore', what: `forwarded ${call} of ${pcb.pid}` };
    else {
      k = { kind: 'relay', caller, unreachable: ErrorCode.EHOSTUNREACH };
      if (caller.kind === 'proc') k.retry = { subject, body, timeoutMs, tries: 1 };
    }
    this.ctx.request(subject, body, k, { timeoutMs });
  }

  /**
   * A forwarded call whose try timed out goes again under the same call id while the process
   * still waits here (the home answers a repeated id once): a lost answer — a NATS node dying
   * under it, a pause — costs a retry, not a spurious ETIMEDOUT the program would see.
   */
  retryForwarded(k: Extract<Continuation, { kind: 'relay' }>, answer: Answer): boolean {
    const r = k.retry;
    if (!r || answer.ok || answer.error.code !== ErrorCode.ETIMEDOUT || r.tries >= FORWARD_TRIES || k.caller.kind !== 'proc') return false;
    if (!this.ctx.procs.get(k.caller.pid)?.calls.has(k.caller.callId)) return false;
    this.ctx.request(r.subject, r.body, { ...k, retry: { ...r, tries: r.tries + 1 } }, { timeoutMs: r.timeoutMs });
    return true;
  }

  /** Serves a location-dependent call for a process whose home is this host. */
  private homeCall(pid: string, call: SyscallName, args: unknown[], caller: Caller, callId = caller.kind === 'proc' ? caller.callId : undefined): void {
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

  /** A process homed here exited: its record keeps the status for a wait, its grant goes back, its console hears of it. */
  private homeExit(pid: string, code: number): void {
    const rec = this.ctx.home.records.get(pid);
    if (!rec || rec.state === 'exited') return;
    const { tty, root } = rec;
    if (rec.grant) this.ctx.placement.releaseGrant(rec.grant);
    delete rec.grant;
    const done = this.ctx.home.exited(pid, code);
    if (tty) this.ctx.emit({ type: 'publish', subject: tty, body: { kind: 'exit', pid, code, root } });
    if (done) this.ctx.answer(done.waiter, { ok: true, value: done.reaped });
  }

  /** Allocates the pid and starts the child here, or asks its host to `create` it. */
  private spawnAt(
    p: { parent: string | null; program: string; version?: string; args: string[]; on?: string; fds?: Record<string, string>; tty?: string; root: boolean; grant?: Grant; stdin?: boolean },
    caller: Caller,
  ): void {
    const on = p.on ?? this.ctx.hostId;
    const local = this.ctx.config.registry.get(p.program, p.version);
    if (on === this.ctx.hostId && !local) {
      if (p.fds) this.ctx.files.closeInherited(Object.values(p.fds), `a failed spawn of ${p.program}`);
      return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ENOPROG, message: `host ${this.ctx.hostId} has no program ${p.program}` } });
    }
    const pid = makePid(this.ctx.hostId, this.ctx.config.allocatePid?.() ?? this.ctx.home.allocate());
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

  /** The host asked to `create` a child answered: the spawn answers its caller. */
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

/** The answers home duties own: a host's answer to the `create` of a child. */
export const homeAnswers: AnswerHandlers<'create'> = {
  create: (ctx, k, answer) => ctx.duties.created(k, answer),
};

/**
 * Fencing at the home: a call from an older directory epoch than the newest seen for the
 * process comes from a copy a move left behind (cut off, paused): refused with `ESTALE`.
 */
function fence(rec: HomeRecord, epoch: number): void {
  if ((rec.epoch ?? 0) > epoch) throw new WispError(ErrorCode.ESTALE, `${rec.pid} at epoch ${epoch} is stale: the home has seen epoch ${rec.epoch}`);
  rec.epoch = epoch;
}

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
          return this.ctx.duties.onSpawn(parseRequest(verb, body), caller);
        case 'create':
          return this.ctx.duties.onCreate(parseRequest(verb, body), caller);
        case 'syscall':
          return this.ctx.duties.onForwardedCall(parseRequest(verb, body), caller);
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

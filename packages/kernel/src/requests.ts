import {
  DeliverRequest as DeliverRequestSchema,
  ErrorCode,
  PROTOCOL_VERSION,
  PidSchema,
  WispError,
  acceptsDeliverRequest,
  homeOf,
  isHostVerb,
  parseRequest,
  toWireError,
  type DeliverRequest,
  type ProcDetail,
  type ProcInfo,
} from '@wisp/protocol';
import { activePaths, machineOutline } from '@wisp/proc';
import type { Caller } from './caller.js';
import type { KernelContext } from './context.js';
import type { Pcb } from './pcb.js';

/**
 * A request on one of this host's subjects, by verb (`deliver` for `proc.<pid>`): validated here,
 * then handed to the room that serves it. Never throws: a bad or failed request is answered
 * with its error.
 */
export function onRequest(ctx: KernelContext, verb: string, body: unknown, replyTo: string | null, bytes?: Uint8Array): void {
  const caller: Caller = { kind: 'remote', replyTo: typeof replyTo === 'string' ? replyTo : null };
  try {
    // The one validation of a request body: the runtime only decodes, and the kernel is also
    // driven directly (checker, tests), so nothing unvalidated reaches the process table.
    if (typeof verb !== 'string' || !isHostVerb(verb)) throw new WispError(ErrorCode.EINVAL, `unknown verb '${String(verb)}'`);
    switch (verb) {
      case 'info':
        parseRequest(verb, body);
        return ctx.answer(caller, { ok: true, value: info(ctx) });
      case 'ps':
        parseRequest(verb, body);
        return ctx.answer(caller, { ok: true, value: { procs: ps(ctx) } });
      case 'detail':
        return ctx.answer(caller, { ok: true, value: detail(ctx, parseRequest(verb, body).pid) });
      case 'spawn':
        return ctx.duties.onSpawn(parseRequest(verb, body), caller);
      case 'create':
        return ctx.duties.onCreate(parseRequest(verb, body), caller);
      case 'syscall':
        return ctx.duties.onForwardedCall(parseRequest(verb, body), caller);
      case 'kill': {
        const req = parseRequest(verb, body);
        return ctx.kills.routeKill(req.pid, req.signal, caller);
      }
      case 'signal':
        return ctx.kills.onSignal(parseRequest(verb, body), caller);
      case 'deliver':
        return ctx.delivery.onDeliver(parseDeliver(body), caller);
      case 'migrate':
        return ctx.migrator.migrate(parseRequest(verb, body), caller);
      case 'offer':
        return ctx.migrator.offer(parseRequest(verb, body), caller, ctx.accepting);
      case 'pages':
        return ctx.migrator.pages(parseRequest(verb, body), bytes ?? new Uint8Array(0), caller);
      case 'transfer': {
        const req = parseRequest(verb, body);
        return ctx.migrator.transfer(req.image, caller, req.offer ? { offer: req.offer, accepting: ctx.accepting } : undefined);
      }
      case 'commit':
        return ctx.migrator.commit(parseRequest(verb, body), caller);
      case 'abort':
        return ctx.migrator.abort(parseRequest(verb, body).pid, caller);
      case 'input': {
        const req = parseRequest(verb, body);
        if (homeOf(req.pid) !== ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not homed here`);
        const served = ctx.home.input(req.pid, req.text, req.close ?? false);
        if (served) ctx.answer(served.reader, { ok: true, value: served.text });
        return ctx.answer(caller, { ok: true, value: {} });
      }
      case 'located': {
        const req = parseRequest(verb, body);
        if (homeOf(req.pid) !== ctx.hostId) throw new WispError(ErrorCode.EINVAL, `${req.pid} is not homed here`);
        ctx.migrator.located(req.pid, req.host);
        return ctx.answer(caller, { ok: true, value: {} });
      }
      case 'fetch':
        return ctx.migrator.fetch(parseRequest(verb, body), caller);
      case 'release':
        return ctx.migrator.release(parseRequest(verb, body).pid, caller);
      case 'evict':
        return ctx.migrator.evict(parseRequest(verb, body).strategy ?? 'flush', caller);
    }
  } catch (err) {
    const error = toWireError(err);
    // A malformed request is worth a warning; a well-formed one that fails (no such pid…) is not.
    if (error.code === ErrorCode.EINVAL || error.code === ErrorCode.EPROTO) {
      ctx.log('warn', `rejected ${String(verb)} request: ${error.message}`, { code: error.code });
    }
    ctx.answer(caller, { ok: false, error });
  }
}

/** What `info` reports about this host. */
function info(ctx: KernelContext) {
  return {
    id: ctx.hostId,
    protocol: PROTOCOL_VERSION,
    programs: ctx.config.registry.list(),
    procs: ctx.procs.size,
    foreign: ctx.foreignCount(),
    clockSkewMs: ctx.config.clockSkewMs ?? 0,
    osPid: ctx.config.osPid ?? 0,
    startedAt: ctx.config.startedAt ?? 0,
    cleaner: ctx.cleaner.stats(),
  };
}

/** What `ps` reports: processes running here, and exited ones homed here not yet reaped. */
function ps(ctx: KernelContext): ProcInfo[] {
  const rows: ProcInfo[] = [];
  for (const p of ctx.procs.values()) {
    const residual = ctx.migrator.residualOf(p);
    rows.push({ pid: p.pid, program: p.program.name, home: p.home, host: ctx.hostId, parent: p.parent, state: stateOf(ctx, p), faults: p.faults, ...(residual.length > 0 ? { residual } : {}) });
  }
  for (const r of ctx.home.records.values()) {
    if (r.state === 'exited') {
      rows.push({ pid: r.pid, program: r.program, home: ctx.hostId, host: r.host, parent: r.parent, state: 'exited', exitCode: r.code ?? 0 });
    }
  }
  return rows;
}

/** What `detail` reports about one process running here (`ESRCH` for any other). */
function detail(ctx: KernelContext, pid: string): ProcDetail {
  const p = ctx.procs.get(pid);
  if (!p) throw new WispError(ErrorCode.ESRCH, `no process ${pid} runs on ${ctx.hostId}`);
  const m = p.memory;
  const pages = m.stats();
  return {
    pid,
    program: p.program.name,
    version: p.program.version,
    home: p.home,
    host: ctx.hostId,
    parent: p.parent,
    state: stateOf(ctx, p),
    active: activePaths(p.snapshot?.value ?? null),
    machine: machineOutline(p.program.logic),
    memory: { pageSize: m.pageSize, bytes: m.size, pages: pages.pages, resident: pages.pages - pages.absent, dirty: pages.dirty },
    residual: ctx.migrator.residualOf(p),
    fds: [...p.fds].map(([fd, stream]) => ({ fd, stream })),
    transitions: p.transitions,
    faults: p.faults,
  };
}

function stateOf(ctx: KernelContext, p: Pcb): ProcInfo['state'] {
  if (p.frozen) return 'migrating';
  if (p.suspended) return 'suspended';
  for (const id of p.timers) if (ctx.timers.get(id)?.kind === 'sleep') return 'sleeping';
  if (p.outstanding > 0) return 'blocked';
  return p.queued || p.urgent.length + p.mailbox.length > 0 ? 'runnable' : 'idle';
}

const DeliverWithPid = DeliverRequestSchema.extend({ pid: PidSchema });

/** Validates a `deliver` body: the wire body plus the `pid` the runtime takes from the subject. */
function parseDeliver(body: unknown): DeliverRequest & { pid: string } {
  // The common shape passes a quick structural check; anything else gets the schema (and its message).
  if (acceptsDeliverRequest(body, true)) return body as DeliverRequest & { pid: string };
  const res = DeliverWithPid.safeParse(body);
  if (!res.success) {
    const why = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new WispError(ErrorCode.EINVAL, `bad deliver request: ${why}`);
  }
  return res.data as DeliverRequest & { pid: string };
}

import { ErrorCode, WispError, homeOf, isPid, toWireError, type KillRequest, type Signal } from '@wisp/protocol';
import type { Caller } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers } from './dispatch.js';

/**
 * Kill routing: a kill goes to the target's home, which knows where it runs, and from there as
 * a `signal` to that host; a target that is moving is routed again (see `delivery.ts`).
 */
export class KillRouting {
  constructor(private readonly ctx: KernelContext) {}

  /** A signal for a process here (a `signal` request, or a kill routed at home): held while it moves, passed on when it just left. */
  onSignal(req: KillRequest, caller: Caller): void {
    const pcb = this.ctx.procs.get(req.pid);
    // Moving: held until the move ends. Just gone: passed on to where it went.
    if (pcb && !this.ctx.delivery.takes(pcb)) return this.ctx.delivery.hold(req.pid, { verb: 'signal', req, caller });
    const went = pcb ? undefined : this.ctx.migrator.movedTo(req.pid);
    if (went) return void this.ctx.request(this.ctx.subjects.host(went, 'signal'), { pid: req.pid, signal: req.signal }, { kind: 'relay', caller, unreachable: ErrorCode.ESRCH });
    if (!pcb) throw new WispError(ErrorCode.ESRCH, `no process ${req.pid} on ${this.ctx.hostId}`);
    this.ctx.processes.signal(pcb, req.signal);
    this.ctx.answer(caller, { ok: true, value: {} });
  }

  /** A kill goes to the target's home, which knows where it runs. */
  routeKill(target: string, signal: Signal, caller: Caller, tries = 0): void {
    if (!isPid(target)) return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.EINVAL, message: `invalid pid '${target}'` } });
    const home = homeOf(target);
    if (home !== this.ctx.hostId) {
      this.ctx.request(this.ctx.subjects.host(home, 'kill'), { pid: target, signal }, { kind: 'relay', caller, unreachable: ErrorCode.ESRCH });
      return;
    }
    const rec = this.ctx.home.records.get(target);
    if (!rec || rec.state === 'exited') return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ESRCH, message: `no process ${target}` } });
    if (rec.host === this.ctx.hostId) {
      // As a `signal` request here: held while its image is on its way (a frozen PCB's queue is already in the image).
      try {
        return this.onSignal({ pid: target, signal }, caller);
      } catch (err) {
        return this.ctx.answer(caller, { ok: false, error: toWireError(err) });
      }
    }
    this.ctx.request(this.ctx.subjects.host(rec.host, 'signal'), { pid: target, signal }, { kind: 'signal', caller, pid: target, signal, tries });
  }
}

/** The answers kill routing owns: a signal sent where the target runs, retried while it moves. */
export const killAnswers: AnswerHandlers<'signal'> = {
  signal: (ctx, k, answer) => ctx.delivery.moving(k, answer),
};

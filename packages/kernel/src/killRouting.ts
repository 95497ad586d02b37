import { ErrorCode, WispError, homeOf, isPid, toWireError, type DirectoryAnswer, type KillRequest, type Signal } from '@wisp/protocol';
import type { Answer, Caller, KillRoute } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers } from './dispatch.js';

/**
 * Kill routing: a kill goes to the target's home, which knows where it runs, and from there as
 * a `signal` to that host; a target that is moving is routed again (see `delivery.ts`). A kill
 * or signal that finds nobody (a home that is down, a subscription briefly missing) is not taken
 * as proof the target is gone: the process directory says (see {@link KillRouting.checked}).
 */
export class KillRouting {
  constructor(private readonly ctx: KernelContext) {}

  /** A signal for a process here (a `signal` request, or a kill routed at home): held while it moves, passed on when it just left. */
  onSignal(req: KillRequest, caller: Caller): void {
    const pcb = this.ctx.procs.get(req.pid);
    // Moving: held until the move ends. Just gone: passed on to where it went.
    if (pcb && !this.ctx.delivery.takes(pcb)) return this.ctx.delivery.hold(req.pid, { verb: 'signal', req, caller });
    const went = pcb ? undefined : this.ctx.migrator.movedTo(req.pid);
    if (went) return void this.send('killRelay', { caller, pid: req.pid, signal: req.signal, tries: 0, host: went });
    if (!pcb) throw new WispError(ErrorCode.ESRCH, `no process ${req.pid} on ${this.ctx.hostId}`);
    this.ctx.processes.signal(pcb, req.signal);
    this.ctx.answer(caller, { ok: true, value: {} });
  }

  /** A kill goes to the target's home, which knows where it runs. */
  routeKill(target: string, signal: Signal, caller: Caller, tries = 0): void {
    if (!isPid(target)) return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.EINVAL, message: `invalid pid '${target}'` } });
    const home = homeOf(target);
    if (home !== this.ctx.hostId) {
      this.ctx.request(this.ctx.subjects.host(home, 'kill'), { pid: target, signal }, { kind: 'killRelay', caller, pid: target, signal, tries, host: home });
      return;
    }
    const rec = this.ctx.home.records.get(target);
    if (!rec || rec.state === 'exited') return this.ctx.answer(caller, { ok: false, error: { code: ErrorCode.ESRCH, message: `no process ${target}` } });
    if (rec.host === this.ctx.hostId) return this.signalHere({ pid: target, signal }, caller);
    this.send('signal', { caller, pid: target, signal, tries, host: rec.host });
  }

  /** Nobody answered `r` at `r.host`: the directory says whether its target lives, and where. */
  unanswered(r: KillRoute): void {
    this.ctx.directory({ op: 'get', pid: r.pid }, { ...r, kind: 'killCheck' });
  }

  /**
   * The directory's word on a kill that found nobody at `k.host`. No record: the process ended
   * (or never was) — `ESRCH`. A record naming another host: the signal goes straight there (the
   * home may be down while that host is up). A record naming the host that did not answer: it is
   * between subscriptions or moving — tried again after a short wait, as a send is. No answer
   * from the directory: nothing is known, so `EAGAIN` (after the same retries), never `ESRCH`.
   */
  checked(k: KillRoute, answer: Answer): void {
    const again = (message: string) => this.ctx.delivery.moving({ ...k, kind: 'signal' }, { ok: false, error: { code: ErrorCode.EAGAIN, message } });
    if (!answer.ok) return again(`nobody answers for ${k.pid} at ${k.host} and the process directory cannot say whether it lives (${answer.error.message})`);
    const entry = (answer.value as DirectoryAnswer).entry;
    if (entry === null) return this.ctx.answer(k.caller, { ok: false, error: { code: ErrorCode.ESRCH, message: `no process ${k.pid}` } });
    if (entry.host === this.ctx.hostId) return this.signalHere({ pid: k.pid, signal: k.signal }, k.caller);
    if (entry.host === k.host) return again(`${k.pid} runs on ${k.host} (process directory) but nobody answers there`);
    // Not a try more: the record names a new host only once a move has committed, so this is bounded by the moves.
    this.send('signal', { ...k, host: entry.host });
  }

  /** Sends `r`'s signal to `r.host`; the answer goes to a continuation of `kind`. */
  private send(kind: 'signal' | 'killRelay', r: KillRoute): void {
    this.ctx.request(this.ctx.subjects.host(r.host, 'signal'), { pid: r.pid, signal: r.signal }, { ...r, kind });
  }

  /** As a `signal` request here: held while its image is on its way (a frozen PCB's queue is already in the image). */
  private signalHere(req: KillRequest, caller: Caller): void {
    try {
      this.onSignal(req, caller);
    } catch (err) {
      this.ctx.answer(caller, { ok: false, error: toWireError(err) });
    }
  }
}

/** Whether `answer` is NATS's "no responders": nobody took the request, which alone proves nothing. */
function nobody(answer: Answer): boolean {
  return !answer.ok && answer.error.code === ErrorCode.EHOSTUNREACH;
}

/** The answers kill routing owns: a signal sent where the target runs (retried while it moves), a kill passed on, the directory's word. */
export const killAnswers: AnswerHandlers<'signal' | 'killRelay' | 'killCheck'> = {
  signal: (ctx, k, answer) => (nobody(answer) ? ctx.kills.unanswered(k) : ctx.delivery.moving(k, answer)),
  killRelay: (ctx, k, answer) => (nobody(answer) ? ctx.kills.unanswered(k) : ctx.answer(k.caller, answer)),
  killCheck: (ctx, k, answer) => ctx.kills.checked(k, answer),
};

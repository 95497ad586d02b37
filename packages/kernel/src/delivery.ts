import { ErrorCode, WispError, toWireError, type DeliverRequest, type KillRequest } from '@wisp/protocol';
import type { Answer, Caller, Continuation } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import type { Pcb } from './pcb.js';
import { isReservedEventType } from './syscallArgs.js';

/** A send or routed kill to a moving process is tried this many times, backing off. */
const RETRIES = 24;
/** Delay before retry n (ms): 5, 10, 20, … capped at 250 — about 5 s in all. */
const retryDelay = (n: number) => Math.min(250, 5 * 2 ** n);

/** A message or signal that reached a process while its image was on its way elsewhere. */
type Held = { verb: 'deliver'; req: DeliverRequest & { pid: string }; caller: Caller } | { verb: 'signal'; req: KillRequest; caller: Caller };

/**
 * Message delivery: a message is taken exactly once (senders number them), held while its
 * target's image is on its way (and taken up again where the move ended), passed on when the
 * target just left, and a send or routed kill that meets a moving target is retried, backing off.
 */
export class Delivery {
  /** Requests waiting for a retry timer, by the token they will be sent with. */
  private readonly retrying = new Map<number, { subject: string; body: unknown; k: Continuation }>();
  /** Messages and signals for a process whose image is on its way: taken up again when the move ends. */
  private readonly held = new Map<string, Held[]>();

  constructor(private readonly ctx: KernelContext) {}

  /**
   * A send by a process here (`sys.send`). Every message to a pid is numbered, so it is taken
   * once wherever the pid moves: straight into the target's mailbox when it runs here, else by
   * the pid's subject, retried while the target moves.
   */
  send(pcb: Pcb, to: string, event: { type: string }, caller: Caller & { kind: 'proc' }): void {
    const seq = (pcb.seqOut.get(to) ?? 0) + 1;
    pcb.seqOut.set(to, seq);
    const target = this.ctx.procs.get(to);
    if (target && this.takes(target)) {
      target.seqIn.set(pcb.pid, seq);
      this.ctx.scheduler.enqueue(target, { ...event, from: pcb.pid } as { type: string });
      return this.ctx.scheduler.complete(pcb, caller.callId, 'send', { ok: true, value: null });
    }
    const subject = this.ctx.subjects.proc(to);
    const body = { from: pcb.pid, event, seq };
    this.ctx.request(subject, body, { kind: 'send', caller, subject, body, tries: 0 });
  }

  /** A `deliver` request: a message for a process here, taken once (by its seq), held while it moves, passed on if it just left. */
  onDeliver(req: DeliverRequest & { pid: string }, caller: Caller): void {
    const pcb = this.ctx.procs.get(req.pid);
    if (isReservedEventType(req.event.type)) {
      throw new WispError(ErrorCode.EINVAL, `event type '${req.event.type}' is reserved for the kernel`);
    }
    // Moving: held until the move ends (a sender told to try again would lose time waiting to).
    if (pcb && !this.takes(pcb)) return this.hold(req.pid, { verb: 'deliver', req, caller });
    // Just gone: passed on by the pid's subject, which now leads where it runs.
    if (!pcb && this.ctx.migrator.movedTo(req.pid)) {
      const body = { from: req.from, event: req.event, ...(req.seq !== undefined ? { seq: req.seq } : {}) };
      return void this.ctx.request(this.ctx.subjects.proc(req.pid), body, { kind: 'relay', caller, unreachable: ErrorCode.ESRCH });
    }
    if (!pcb) throw new WispError(ErrorCode.ESRCH, `no process ${req.pid} on ${this.ctx.hostId}`);
    if (req.seq !== undefined) {
      // Exactly once: a retried send whose first try got through is acknowledged, not taken again.
      if ((pcb.seqIn.get(req.from) ?? 0) >= req.seq) return this.ctx.answer(caller, { ok: true, value: {} });
      pcb.seqIn.set(req.from, req.seq);
    }
    this.ctx.scheduler.enqueue(pcb, { ...req.event, from: req.from } as { type: string });
    this.ctx.answer(caller, { ok: true, value: {} });
  }

  /**
   * Whether messages and signals for `pcb` (here) can be taken now: not while its image is on
   * its way, nor while it is suspended by a lapsed lease (they are held, see {@link moveEnded}).
   */
  takes(pcb: Pcb): boolean {
    return !pcb.suspended && this.ctx.migrator.takesMessages(pcb.pid);
  }

  /** Holds a request for a process whose image is in flight (see {@link moveEnded}). */
  hold(pid: string, h: Held): void {
    let list = this.held.get(pid);
    if (!list) this.held.set(pid, (list = []));
    list.push(h);
  }

  /**
   * A move of `pid` away from here ended: what was held for it is taken again, in order — here
   * if it was aborted, passed on to the target if it committed (so its senders lose no time).
   */
  moveEnded(pid: string): void {
    const held = this.held.get(pid);
    if (!held) return;
    this.held.delete(pid);
    for (const h of held) {
      try {
        if (h.verb === 'deliver') this.onDeliver(h.req, h.caller);
        else this.ctx.kills.onSignal(h.req, h.caller);
      } catch (err) {
        this.ctx.answer(h.caller, { ok: false, error: toWireError(err) });
      }
    }
  }

  /**
   * The answer to a send or a routed kill. While the target moves (`EAGAIN`) it is tried again
   * after a short wait; a send keeps its seq, so if an earlier try did get through the receiver
   * takes it only once. (A pid always has a subscriber while it moves: the target subscribes
   * before it acknowledges the commit, the source unsubscribes after.)
   */
  moving(k: Extract<Continuation, { kind: 'send' | 'signal' }>, answer: Answer): void {
    const again = !answer.ok && answer.error.code === ErrorCode.EAGAIN;
    if (again && k.tries < RETRIES) {
      const token = this.ctx.nextToken();
      const pid = k.kind === 'send' ? k.caller.pid : k.pid;
      const subject = k.kind === 'send' ? k.subject : '';
      this.retrying.set(token, { subject, body: k.kind === 'send' ? k.body : null, k: { ...k, tries: k.tries + 1 } });
      this.ctx.setTimer('r', { kind: 'retry', pid, due: this.ctx.now + retryDelay(k.tries), token }, retryDelay(k.tries));
      return;
    }
    if (!answer.ok && answer.error.code === ErrorCode.EHOSTUNREACH) answer = { ok: false, error: { code: ErrorCode.ESRCH, message: answer.error.message } };
    this.ctx.answer(k.caller, answer);
  }

  /** A retry timer fired: send again (a kill is routed again: the home may know a new host). */
  retry(token: number): void {
    const r = this.retrying.get(token);
    if (!r) return;
    this.retrying.delete(token);
    if (r.k.kind === 'signal') return this.ctx.kills.routeKill(r.k.pid, r.k.signal, r.k.caller, r.k.tries);
    if (r.k.kind === 'send' && !this.ctx.procs.get(r.k.caller.pid)?.alive) return;
    this.ctx.request(r.subject, r.body, r.k);
  }
}

/** The answers delivery owns: a send to a pid elsewhere. */
export const deliveryAnswers: AnswerHandlers<'send'> = {
  send: (ctx, k, answer) => ctx.delivery.moving(k, answer),
};

/** The timers delivery owns: a send or routed kill waiting to be tried again. */
export const deliveryTimers: TimerHandlers<'retry'> = {
  retry: (ctx, t) => ctx.delivery.retry(t.token),
};

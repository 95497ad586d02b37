import { ErrorCode, WispError, toWireError, type DeliverRequest, type DirectoryAnswer, type KillRequest } from '@wisp/protocol';
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

/** A send waiting for an earlier one from the same process to the same pid to be answered. */
type QueuedSend = { to: string; event: { type: string }; seq: number; caller: Caller & { kind: 'proc' } };

/**
 * Message delivery: a message is taken exactly once (senders number them), held while its
 * target's image is on its way (and taken up again where the move ended), passed on when the
 * target just left, and a send or routed kill that meets a moving target is retried, backing off.
 * A process's messages to one pid go one at a time, each once the one before was answered: a
 * receiver takes a number only above the last it took, so a later message that overtook an
 * earlier one being retried would make the earlier one count as taken, lost though acknowledged.
 */
export class Delivery {
  /** Requests waiting for a retry timer, by the token they will be sent with. */
  private readonly retrying = new Map<number, { subject: string; body: unknown; k: Continuation }>();
  /** Per `sender pid>subject` with a send on its way: the sends after it, in order. */
  private readonly queued = new Map<string, QueuedSend[]>();
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
    const waiting = this.queued.get(queueKey(pcb.pid, this.ctx.subjects.proc(to)));
    // An earlier message to `to` is still on its way: this one goes once it is answered.
    if (waiting) return void waiting.push({ to, event, seq, caller });
    this.dispatch(pcb, { to, event, seq, caller });
  }

  /** Sends `s` now: into the target's mailbox if it runs here, else by the pid's subject (then later sends to it wait). */
  private dispatch(pcb: Pcb, s: QueuedSend): void {
    const target = this.ctx.procs.get(s.to);
    const subject = this.ctx.subjects.proc(s.to);
    if (target && this.takes(target)) {
      target.seqIn.set(pcb.pid, s.seq);
      this.ctx.scheduler.enqueue(target, delivered(pcb.pid, s.event));
      this.ctx.scheduler.complete(pcb, s.caller.callId, 'send', { ok: true, value: null });
      return this.sent(pcb.pid, subject);
    }
    if (!this.queued.has(queueKey(pcb.pid, subject))) this.queued.set(queueKey(pcb.pid, subject), []);
    const body = { from: pcb.pid, event: s.event, seq: s.seq, epoch: pcb.dir.epoch };
    this.ctx.request(subject, body, { kind: 'send', caller: s.caller, to: s.to, subject, body, tries: 0 });
  }

  /** The send from `pid` by `subject` was answered (or its sender is gone): the next one waiting goes. */
  private sent(pid: string, subject: string): void {
    const key = queueKey(pid, subject);
    const next = this.queued.get(key)?.shift();
    const pcb = this.ctx.procs.get(pid);
    if (!next || !pcb?.alive) return void this.queued.delete(key);
    this.dispatch(pcb, next);
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
      const body = { from: req.from, event: req.event, ...(req.seq !== undefined ? { seq: req.seq } : {}), ...(req.epoch !== undefined ? { epoch: req.epoch } : {}) };
      return void this.ctx.request(this.ctx.subjects.proc(req.pid), body, { kind: 'relay', caller, unreachable: ErrorCode.ESRCH });
    }
    if (!pcb) throw new WispError(ErrorCode.ESRCH, `no process ${req.pid} on ${this.ctx.hostId}`);
    if (req.epoch !== undefined) {
      // Fencing: a sender's copy a move left behind (cut off, paused) cannot be heard once its successor has been.
      const seen = pcb.epochIn.get(req.from) ?? 0;
      if (req.epoch < seen) throw new WispError(ErrorCode.ESTALE, `message from ${req.from} at epoch ${req.epoch}: ${req.pid} has taken epoch ${seen} from it`);
      pcb.epochIn.set(req.from, req.epoch);
    }
    if (req.seq !== undefined) {
      // Exactly once: a retried send whose first try got through is acknowledged, not taken again.
      if ((pcb.seqIn.get(req.from) ?? 0) >= req.seq) return this.ctx.answer(caller, { ok: true, value: {} });
      pcb.seqIn.set(req.from, req.seq);
    }
    this.ctx.scheduler.enqueue(pcb, delivered(req.from, req.event));
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
   * The answer to a send or a routed kill. While the target moves (`EAGAIN`), or a send's answer
   * was lost (`ETIMEDOUT`), it is tried again
   * after a short wait; a send keeps its seq, so if an earlier try did get through the receiver
   * takes it only once. (A pid always has a subscriber while it moves: the target subscribes
   * before it acknowledges the commit, the source unsubscribes after.)
   */
  moving(k: Extract<Continuation, { kind: 'send' | 'signal' }>, answer: Answer): void {
    // A send whose answer was lost (timed out) goes again too: its seq makes it taken once. (A
    // signal does not: one taken twice would be delivered twice.)
    const again = !answer.ok && (answer.error.code === ErrorCode.EAGAIN || (k.kind === 'send' && answer.error.code === ErrorCode.ETIMEDOUT));
    if (again && k.tries < RETRIES) {
      const token = this.ctx.nextToken();
      const pid = k.kind === 'send' ? k.caller.pid : k.pid;
      const subject = k.kind === 'send' ? k.subject : '';
      this.retrying.set(token, { subject, body: k.kind === 'send' ? k.body : null, k: { ...k, tries: k.tries + 1 } });
      this.ctx.setTimer('r', { kind: 'retry', pid, due: this.ctx.now + retryDelay(k.tries), token }, retryDelay(k.tries));
      return;
    }
    // Nobody on the pid's subject: gone, or its host between subscriptions (a reconnect)? The
    // directory says; "no responders" alone decides nothing.
    // (A signal that found nobody asks it before it gets here: see `killRouting.ts`.)
    if (!answer.ok && answer.error.code === ErrorCode.EHOSTUNREACH && k.kind === 'send') return void this.ctx.directory({ op: 'get', pid: k.to }, { kind: 'sendCheck', send: k });
    this.ctx.answer(k.caller, answer);
    if (k.kind === 'send') this.sent(k.caller.pid, k.subject);
  }

  /** The directory's word on a send that found nobody: no record → `ESRCH`; a record, or no answer → tried again. */
  checked(k: Extract<Continuation, { kind: 'send' }>, answer: Answer): void {
    if (answer.ok && (answer.value as DirectoryAnswer).entry === null) {
      this.ctx.answer(k.caller, { ok: false, error: { code: ErrorCode.ESRCH, message: `no process ${k.to}` } });
      return this.sent(k.caller.pid, k.subject);
    }
    const why = answer.ok ? `${k.to} lives on ${(answer.value as DirectoryAnswer).entry!.host} but nobody answers for it` : `nobody answers for ${k.to} and the directory cannot say why`;
    this.moving(k, { ok: false, error: { code: ErrorCode.EAGAIN, message: why } });
  }

  /** A retry timer fired: send again (a kill is routed again: the home may know a new host). */
  retry(token: number): void {
    const r = this.retrying.get(token);
    if (!r) return;
    this.retrying.delete(token);
    if (r.k.kind === 'signal') return this.ctx.kills.routeKill(r.k.pid, r.k.signal, r.k.caller, r.k.tries);
    if (r.k.kind === 'send' && !this.ctx.procs.get(r.k.caller.pid)?.alive) return this.sent(r.k.caller.pid, r.k.subject);
    this.ctx.request(r.subject, r.body, r.k);
  }
}

/** The key of a sender's queue of sends to one pid. */
function queueKey(pid: string, subject: string): string {
  return `${pid}>${subject}`;
}

/**
 * The event a process takes for a message: the message's own fields, with `from` naming the
 * sender (whatever `from` the sender put in it). Built `from` first: spreading a decoded object
 * and then adding a key costs V8 far more than copying it into an object that has the key.
 */
function delivered(from: string, event: { type: string }): { type: string } {
  const e = { from, ...event };
  if (e.from !== from) e.from = from;
  return e;
}

/** The answers delivery owns: a send to a pid elsewhere. */
export const deliveryAnswers: AnswerHandlers<'send' | 'sendCheck'> = {
  send: (ctx, k, answer) => ctx.delivery.moving(k, answer),
  sendCheck: (ctx, k, answer) => ctx.delivery.checked(k.send, answer),
};

/** The timers delivery owns: a send or routed kill waiting to be tried again. */
export const deliveryTimers: TimerHandlers<'retry'> = {
  retry: (ctx, t) => ctx.delivery.retry(t.token),
};

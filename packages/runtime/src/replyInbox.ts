import { createInbox, type MsgHdrs, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { ErrorCode, type NatsEdge, type WireError } from '@wisp/protocol';

/** Outcome of one request sent through a {@link ReplyInbox}. */
export type InboxResult = { ok: true; msg: Msg } | { ok: false; error: WireError };

/**
 * Request-reply on one long-lived inbox subscription: `<inbox>.<token>` is the reply subject.
 * Unlike `nc.request` it needs no per-call timer, mux entry or error objects, which is most of
 * a forwarded call's client-side cost; timeouts are swept by one timer.
 */
export class ReplyInbox {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly pending = new Map<number, { subject: string; deadline: number; done: (r: InboxResult) => void }>();
  // One unref'd sweeper for the inbox's life: arming a timer per request costs more than a sweep.
  private readonly sweeper: NodeJS.Timeout;
  private seq = 0;

  constructor(private readonly nc: NatsConnection, edge: NatsEdge, sweepMs = 100) {
    this.prefix = createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: edge.callback('reply inbox', (msg: Msg) => this.onReply(msg)) });
    this.sweeper = setInterval(() => this.sweep(), sweepMs).unref();
  }

  /** Publishes `data` (with `headers`, if any) to `subject` and calls `done` once with the reply, a timeout or no-responders. */
  request(subject: string, data: Uint8Array, timeoutMs: number, done: (r: InboxResult) => void, headers?: MsgHdrs): void {
    const token = ++this.seq;
    this.pending.set(token, { subject, deadline: Date.now() + timeoutMs, done });
    try {
      // Not held while NATS is down (unlike answers and output): the caller is told ETIMEDOUT,
      // and a call sent after that could take effect behind its back.
      this.nc.publish(subject, data, headers ? { reply: `${this.prefix}.${token}`, headers } : { reply: `${this.prefix}.${token}` });
    } catch {
      // A closed connection or a bad subject: the sweeper fails it, never re-entering the caller now.
    }
  }

  /** Stops listening; requests still out fail with `EIO`. */
  close(): void {
    this.sub.unsubscribe();
    for (const [token, p] of this.pending) {
      this.pending.delete(token);
      p.done({ ok: false, error: { code: ErrorCode.EIO, message: 'host stopped' } });
    }
    clearInterval(this.sweeper);
  }

  private onReply(msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length + 1));
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    // The server answers 503 on our reply subject when nobody subscribes to the request subject.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      p.done({ ok: false, error: { code: ErrorCode.EHOSTUNREACH, message: `nobody answers on ${p.subject}` } });
    } else {
      p.done({ ok: true, msg });
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(token);
      p.done({ ok: false, error: { code: ErrorCode.ETIMEDOUT, message: `no answer on ${p.subject} in time` } });
    }
  }
}

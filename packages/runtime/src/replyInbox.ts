import { createInbox, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import { ErrorCode, gateOf, reconnectSettleMs, type ConnectionGate, type GateConnection, type NatsEdge, type WireError } from '@wisp/protocol';

/** Outcome of one request sent through a {@link ReplyInbox}. */
export type InboxResult = { ok: true; msg: Msg } | { ok: false; error: WireError };

/** What a {@link ReplyInbox} needs of a NATS connection (a nats.js `NatsConnection` fits). */
export interface InboxConnection extends GateConnection {
  subscribe(subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }): { unsubscribe(): void };
  publish(subject: string, data: Uint8Array, opts: { reply: string; headers?: MsgHdrs }): void;
}

/** Options of a {@link ReplyInbox}. */
export interface ReplyInboxOptions {
  /** How often timeouts are looked for, ms (default 100). */
  sweepMs?: number;
  /** How long after a reconnect held requests wait before they go, ms (default: see `reconnectSettleMs`). */
  settleMs?: number;
  /** How long a request answered "nobody listens" just after a reconnect waits before it goes again, ms (default 100). */
  resendMs?: number;
}

/**
 * How long after a reconnect "nobody listens" (a 503) is taken as the peer not subscribed again
 * yet — it reconnects at its own pace, JetStream recovers its streams — rather than gone, ms.
 */
const RESEND_WINDOW_MS = 10_000;

interface Pending {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
  timeoutMs: number;
  /** When it times out: its last send plus its timeout; never while it waits to be sent. */
  deadline: number;
  sent: boolean;
  done: (r: InboxResult) => void;
}

/**
 * Request-reply on one long-lived inbox subscription: `<inbox>.<token>` is the reply subject.
 * Unlike `nc.request` it needs no per-call timer, mux entry or error objects, which is most of
 * a forwarded call's client-side cost; timeouts are swept by one timer.
 *
 * A NATS outage costs no request and no timeout. nats.js empties its outbound buffer at every
 * reconnect dial, silently, so nothing is published while the connection is down: a request
 * made then is held, and all held go, in the order they were made, once the connection is back
 * and has settled (peers reconnect at their own pace; see `reconnectSettleMs`). A request's
 * timeout counts from when it is actually sent — an outage of any length is waited out. One
 * sent and unanswered when the connection drops fails at once with `ETIMEDOUT` (its answer, if
 * any, is lost): callers take that code as "outcome unknown" and resend what is safe to resend
 * (a forwarded call, under its call id) or read what happened (a directory compare-and-set).
 * One answered "nobody listens" soon after a reconnect is held and sent again: nobody received
 * it, so sending it again is safe for every request.
 */
export class ReplyInbox {
  private readonly prefix: string;
  private readonly sub: { unsubscribe(): void };
  private readonly pending = new Map<number, Pending>();
  /** Tokens waiting to be sent, ascending (the order they were asked in). */
  private held: number[] = [];
  private readonly gate: ConnectionGate;
  private readonly unwatch: () => void;
  private readonly settleMs: number;
  private readonly resendMs: number;
  private settling: ReturnType<typeof setTimeout> | null = null;
  /** When the connection last came back (ms). */
  private backAt = Number.NEGATIVE_INFINITY;
  // One unref'd sweeper for the inbox's life: arming a timer per request costs more than a sweep.
  private readonly sweeper: ReturnType<typeof setInterval>;
  private seq = 0;

  constructor(
    private readonly nc: InboxConnection,
    edge: NatsEdge,
    opts: ReplyInboxOptions = {},
  ) {
    this.prefix = createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: edge.callback('reply inbox', (msg: Msg) => this.onReply(msg)) });
    this.settleMs = opts.settleMs ?? reconnectSettleMs(nc);
    this.resendMs = opts.resendMs ?? 100;
    this.gate = gateOf(nc);
    this.unwatch = this.gate.onChange((up) => (up ? this.reconnected() : this.dropped()));
    this.sweeper = setInterval(() => this.sweep(), opts.sweepMs ?? 100).unref();
  }

  /** How many requests wait to be sent (for tests and stats). */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Sends `data` (with `headers`, if any) to `subject` — now, or once the connection is back —
   * and calls `done` once with the reply, a timeout, no-responders or the connection's drop.
   */
  request(subject: string, data: Uint8Array, timeoutMs: number, done: (r: InboxResult) => void, headers?: MsgHdrs): void {
    const token = ++this.seq;
    const p: Pending = { subject, data, headers, timeoutMs, deadline: Number.POSITIVE_INFINITY, sent: false, done };
    this.pending.set(token, p);
    // Behind whatever is held, even once the connection is up: requests leave in order.
    if (this.gate.isDown || this.settling !== null || this.held.length > 0) this.held.push(token);
    else this.send(token, p);
  }

  /** Stops listening; requests still out or held fail with `EIO`. */
  close(): void {
    this.sub.unsubscribe();
    this.unwatch();
    if (this.settling) clearTimeout(this.settling);
    this.settling = null;
    this.held = [];
    for (const [token, p] of this.pending) {
      this.pending.delete(token);
      p.done({ ok: false, error: { code: ErrorCode.EIO, message: 'host stopped' } });
    }
    clearInterval(this.sweeper);
  }

  private send(token: number, p: Pending): void {
    p.sent = true;
    p.deadline = Date.now() + p.timeoutMs;
    try {
      this.nc.publish(p.subject, p.data, p.headers ? { reply: `${this.prefix}.${token}`, headers: p.headers } : { reply: `${this.prefix}.${token}` });
    } catch {
      // A closed connection or a bad subject: the sweeper fails it, never re-entering the caller now.
    }
  }

  /** The connection dropped: what was sent and not answered is lost with it — failed now, not at its timeout. */
  private dropped(): void {
    if (this.settling) clearTimeout(this.settling);
    this.settling = null;
    // Collected first: a caller told now may ask again at once (held: the gate is down already).
    const lost = [...this.pending].filter(([, p]) => p.sent);
    for (const [token, p] of lost) {
      this.pending.delete(token);
      p.done({ ok: false, error: { code: ErrorCode.ETIMEDOUT, message: `the connection to NATS dropped before the answer on ${p.subject} came` } });
    }
  }

  private reconnected(): void {
    this.backAt = Date.now();
    this.settle(this.settleMs);
  }

  /** Sends what is held after `ms` (unless the connection drops again meanwhile). */
  private settle(ms: number): void {
    if (this.settling) clearTimeout(this.settling);
    this.settling = setTimeout(() => this.release(), ms);
  }

  private release(): void {
    this.settling = null;
    if (this.gate.isDown) return;
    for (const token of this.held.splice(0)) {
      const p = this.pending.get(token);
      if (p) this.send(token, p);
    }
  }

  private onReply(msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length + 1));
    const p = this.pending.get(token);
    if (!p?.sent) return;
    // The server answers 503 on our reply subject when nobody subscribes to the request subject.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      if (Date.now() - this.backAt < RESEND_WINDOW_MS) return this.resend(token, p);
      this.pending.delete(token);
      p.done({ ok: false, error: { code: ErrorCode.EHOSTUNREACH, message: `nobody answers on ${p.subject}` } });
    } else {
      this.pending.delete(token);
      p.done({ ok: true, msg });
    }
  }

  /** Holds `token` again, in its place among the held, to go after a short wait. */
  private resend(token: number, p: Pending): void {
    p.sent = false;
    p.deadline = Number.POSITIVE_INFINITY;
    let i = this.held.length;
    while (i > 0 && this.held[i - 1]! > token) i--;
    this.held.splice(i, 0, token);
    if (this.settling === null && !this.gate.isDown) this.settle(this.resendMs);
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

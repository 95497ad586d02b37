/**
 * The edge between a Wisp component and its NATS connection, made safe in one place: a
 * subscription callback nothing escapes, and publishing that never throws and holds messages
 * while the connection is down. Structural types, so this package needs no NATS dependency.
 * @module
 */

/** What the edge reads of a received message. */
export interface EdgeMsg {
  subject: string;
  /** The reply subject; nats.js gives `''` (not undefined) when there is none. */
  reply?: string;
  data: Uint8Array;
}

/** What the edge needs of a NATS connection (a nats.js `NatsConnection` fits). */
export interface EdgeConnection {
  publish(subject: string, payload?: Uint8Array, opts?: { reply?: string }): void;
  isClosed(): boolean;
  status(): AsyncIterable<{ type: string }>;
}

/** The logging surface the edge uses (a pino logger fits). */
export interface EdgeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What went wrong at the edge, counted. */
export interface EdgeStats {
  /** Requests that came without a reply subject: processed, never answered. */
  noReply: number;
  /** Errors thrown by a handler or reported by NATS to a subscription. */
  callbackErrors: number;
  /** Publishes that failed (bad subject, closed connection, payload too large). */
  publishErrors: number;
  /** Messages held while the connection was down, sent after it came back. */
  held: number;
  /** Messages dropped because the hold buffer was full. */
  dropped: number;
}

/** Options of a {@link NatsEdge}. */
export interface NatsEdgeOptions {
  /** The most bytes held while the connection is down (default 64 MiB); beyond, the oldest go. */
  holdBytes?: number;
  /**
   * How long after a reconnect held messages wait before they go out, ms. Default: the
   * connection's reconnect wait plus jitter — by then peers that retry at the same pace have
   * reconnected and subscribed again, so what was held is not published to nobody.
   */
  settleMs?: number;
  /** Told when the connection goes down (`up` false) and when it is back (`up` true, with the outage's length). */
  onChange?: (up: boolean, downMs: number) => void;
}

type Held = { subject: string; data: Uint8Array; reply?: string };

/**
 * How long after its own reconnect a component waits before it sends what it held: the
 * connection's reconnect wait plus jitter (nats.js's options, when `nc` is a nats.js
 * connection) — by then peers that retry at the same pace have reconnected and subscribed again.
 */
export function reconnectSettleMs(nc: object): number {
  const o = (nc as { options?: { reconnectTimeWait?: number; reconnectJitter?: number } }).options;
  return (o?.reconnectTimeWait ?? 2000) + (o?.reconnectJitter ?? 100);
}

/** Whether `n` is 1, 10, 100, … (log the first of a kind and then ever less often). */
const decade = (n: number) => /^10*$/.test(String(n));

/**
 * A component's safe edge on one NATS connection. nats.js ends its reader loop when a
 * subscription callback throws (the component then hears nothing), throws on publishing to an
 * empty subject, and discards what was published while disconnected at its next dial; this
 * class is where all three are handled.
 */
export class NatsEdge {
  readonly stats: EdgeStats = { noReply: 0, callbackErrors: 0, publishErrors: 0, held: 0, dropped: 0 };
  private readonly nc: EdgeConnection;
  private readonly log: EdgeLogger;
  private readonly holdBytes: number;
  private readonly settleMs: number;
  private readonly onChange: ((up: boolean, downMs: number) => void) | undefined;
  private readonly queue: Held[] = [];
  private queuedBytes = 0;
  private downSince: number | null = null;
  private settling: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(nc: EdgeConnection, log: EdgeLogger, opts: NatsEdgeOptions = {}) {
    this.nc = nc;
    this.log = log;
    this.holdBytes = opts.holdBytes ?? 64 * 1024 * 1024;
    this.settleMs = opts.settleMs ?? reconnectSettleMs(nc);
    this.onChange = opts.onChange;
    void this.watch();
  }

  /** True while the connection is down, settling after a reconnect, or held messages wait to go out. */
  get holding(): boolean {
    return this.downSince !== null || this.settling !== null || this.queue.length > 0;
  }

  /**
   * A subscription callback around `handle`: an error NATS reports, or one `handle` throws, is
   * logged and counted, never thrown into nats.js.
   */
  callback<M extends EdgeMsg>(what: string, handle: (msg: M) => void): (err: Error | null, msg: M) => void {
    return (err, msg) => {
      try {
        if (err) throw err;
        handle(msg);
      } catch (e) {
        this.stats.callbackErrors++;
        this.log.error({ what, subject: msg?.subject, err: (e as Error)?.message ?? String(e) }, `${what}: a message handler failed; still listening`);
      }
    };
  }

  /** The reply subject of `msg`, or null (counted and logged) when it has none. */
  replyOf(msg: EdgeMsg): string | null {
    if (msg.reply) return msg.reply;
    const n = ++this.stats.noReply;
    if (decade(n)) this.log.warn({ subject: msg.subject, count: n }, 'request without a reply subject: processed, not answered');
    return null;
  }

  /** Answers `msg` if it has a reply subject. */
  respond(msg: EdgeMsg, data: Uint8Array): void {
    if (msg.reply) this.answer(msg.reply, data);
  }

  /**
   * Publishes an answer to a request's reply subject without ever throwing. Held only while the
   * connection is down: a requester heard since the reconnect is subscribed to its inbox already.
   */
  answer(to: string, data: Uint8Array): void {
    if (this.closed) return;
    if (this.downSince !== null) return this.hold({ subject: to, data });
    this.send(to, data);
  }

  /**
   * Publishes without ever throwing. While the connection is down, and for the settling time
   * after it is back (see {@link NatsEdgeOptions.settleMs}), the message is held, then sent in order.
   */
  publish(subject: string, data: Uint8Array, reply?: string): void {
    if (this.closed) return;
    if (this.holding) return this.hold({ subject, data, ...(reply ? { reply } : {}) });
    this.send(subject, data, reply);
  }

  /** Stops watching the connection; held messages are dropped. */
  close(): void {
    this.closed = true;
    if (this.settling) clearTimeout(this.settling);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private send(subject: string, data: Uint8Array, reply?: string): void {
    try {
      if (!subject) throw new Error('empty subject');
      if (this.nc.isClosed()) throw new Error('connection closed');
      this.nc.publish(subject, data, reply ? { reply } : undefined);
    } catch (e) {
      const n = ++this.stats.publishErrors;
      if (decade(n)) this.log.warn({ subject, count: n, err: (e as Error).message }, 'publish failed; message dropped');
    }
  }

  private hold(m: Held): void {
    this.queue.push(m);
    this.queuedBytes += m.data.length;
    this.stats.held++;
    while (this.queuedBytes > this.holdBytes && this.queue.length > 1) {
      this.queuedBytes -= this.queue.shift()!.data.length;
      if (decade(++this.stats.dropped)) this.log.error({ dropped: this.stats.dropped }, 'NATS down too long: held messages dropped');
    }
  }

  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (this.closed) return;
        if (s.type === 'disconnect' && this.downSince === null) {
          this.downSince = Date.now();
          if (this.settling) clearTimeout(this.settling);
          this.settling = null;
          this.onChange?.(false, 0);
        } else if (s.type === 'reconnect' && this.downSince !== null) {
          const downMs = Date.now() - this.downSince;
          this.settling = setTimeout(() => this.release(), this.settleMs);
          this.downSince = null;
          this.onChange?.(true, downMs);
        }
      }
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'NATS status watch ended');
    }
  }

  private release(): void {
    this.settling = null;
    if (this.downSince !== null) return;
    const out = this.queue.splice(0);
    this.queuedBytes = 0;
    for (const m of out) this.send(m.subject, m.data, m.reply);
  }
}

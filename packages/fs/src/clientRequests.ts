import { randomBytes } from 'node:crypto';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { ErrorCode, WispError, decode, decodeFrame, encode, encodeFrame, fsCommands, parseFsReply, unwrapReply, type FsReplyOf, type FsRequestOf, type FsVerb, type Subjects } from '@wisp/protocol';
import { requestError } from './natsErrors.js';

/** How many times a request is sent when the connection drops under it. */
const LOST_TRIES = 5;
/**
 * How many times a request is sent when it times out with the connection up: twice. The answer
 * (or the request) was lost without the connection seeming to drop — the file server's own
 * connection dropped with the answer in its buffer, say — or the server is slow; a repeat is
 * safe either way (see {@link repeatable}), and once more bounds the wait at two timeouts.
 */
const TIMEOUT_TRIES = 2;
/**
 * How long after a reconnect "nobody answers" is taken as the file server not subscribed
 * again yet (it reconnects at its own pace) and the request is sent again, ms.
 */
const SETTLE_MS = 10_000;

/**
 * Whether sending `body` to `verb` twice does what sending it once does: reads, positional
 * writes, page-outs, absolute seeks. Those are sent as they are; every other request (appends,
 * opens, moves, closes…) carries a request id, which the file server answers once (a repeat
 * gets the first answer), so that it too can be sent again.
 */
function repeatable(verb: FsVerb, body: { at?: number; whence?: string }): boolean {
  switch (verb) {
    case 'read':
    case 'write':
      return body.at !== undefined;
    case 'seek':
      return body.whence === 'set';
    case 'pageIn':
    case 'pageOut':
    case 'fstat':
    case 'stat':
    case 'readdir':
      return true;
    default:
      return false;
  }
}

/**
 * The file client's request layer: one verb to one file server, framed or not, checked
 * against `max_payload` before it goes and validated when it comes back; failures are
 * {@link WispError}s. Also runs batches of requests a few at a time (paging).
 *
 * A request in flight when the connection to NATS drops is given up at once rather than at its
 * timeout (its answer, if sent meanwhile, is lost: nats.js does not fail it, and a frozen
 * process would wait the whole timeout) and sent again once the connection is back; one that
 * times out is sent once more. Every request can be: a repeatable one as it is, any other with
 * the same request id (`rid`: this client's run, a random token, and a sequence number), which
 * the file server applies once. So a program sees no `ETIMEDOUT` from a NATS outage as long as
 * NATS comes back within the retries.
 *
 * Nothing is sent while the connection is down: nats.js empties its outbound buffer at each
 * dial, so a request published then is silently dropped and would wait its whole timeout (the
 * 30 s `fstat … in time` after a NATS restart). It waits for the reconnect instead.
 */
export class FsRequests {
  /** How to fail each request in flight now. */
  private readonly inFlight = new Set<(err: WispError) => void>();
  /** Requests to send again once the connection is back. */
  private readonly waiting: Array<() => void> = [];
  /** True from a disconnect until the reconnect. */
  private down = false;
  /** When the connection last came back (ms, clock of this process). */
  private backAt = Number.NEGATIVE_INFINITY;
  /** This client run, for request ids: 48 random bits, so two runs of one host never share ids. */
  private readonly run = randomBytes(6).toString('base64url');
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
    private readonly pipeline: number,
  ) {
    void this.watchConnection();
  }

  private async watchConnection(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.down = true;
          const lost = new WispError(ErrorCode.ETIMEDOUT, 'the connection to NATS dropped before the answer came');
          for (const fail of [...this.inFlight]) fail(lost);
        } else if (s.type === 'reconnect') {
          this.down = false;
          this.backAt = Date.now();
          this.back();
        }
      }
    } catch {
      // The connection closed: nothing is in flight any more.
    }
    this.down = false;
    this.back();
  }

  /** Resolves once the connection is back (or closed for good: the request then fails as it may). */
  private reconnected(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private back(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  /** The connection's payload limit. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** One request whose reply is JSON; returns the validated value. */
  async call<V extends FsVerb>(server: string, verb: V, body: FsRequestOf<V>, bytes?: Uint8Array | Uint8Array[]): Promise<FsReplyOf<V>> {
    const tagged = this.tag(verb, body);
    const data = fsCommands[verb].bytes === 'request' ? encodeFrame(tagged, bytes ?? []) : encode(tagged);
    const msg = await this.request(server, verb, data);
    return this.validate(verb, unwrapReply(decode(msg.data)));
  }

  /** One request whose reply is a frame; returns the validated meta and the bytes. */
  async callBytes<V extends 'read' | 'pageIn'>(server: string, verb: V, body: FsRequestOf<V>): Promise<{ value: FsReplyOf<V>; bytes: Uint8Array }> {
    const msg = await this.request(server, verb, encode(this.tag(verb, body)));
    const { meta, bytes } = decodeFrame(msg.data);
    // A plain Uint8Array view (the transport hands out Buffers): no copy, and compares like one.
    return { value: this.validate(verb, unwrapReply(meta)), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  /** Runs `fn` over `items`, at most `pipeline` at a time; fails with the first error once all have settled. */
  async pipelined<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
    let next = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (next < items.length && failure === null) {
        try {
          await fn(items[next++]!);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.pipeline, items.length) }, worker));
    if (failure !== null) throw failure;
  }

  /** `body` with a fresh request id, unless sending it twice is harmless as it is. */
  private tag<V extends FsVerb>(verb: V, body: FsRequestOf<V>): FsRequestOf<V> {
    if (repeatable(verb, body as { at?: number; whence?: string })) return body;
    return { ...body, rid: `${this.run}:${++this.seq}` };
  }

  /** Sends `data` (the same bytes, so the same request id) until it is answered or the tries run out. */
  private async request(server: string, verb: FsVerb, data: Uint8Array): Promise<Msg> {
    const subject = this.subjects.fs(server, verb);
    if (data.length > this.maxPayload) throw new WispError(ErrorCode.EINVAL, `${verb} request of ${data.length} bytes exceeds max_payload ${this.maxPayload}`);
    let lost = 0;
    let timedOut = 0;
    for (let tries = 1; ; tries++) {
      // (Not sent while NATS is away: nats.js drops it at its next dial, see the class comment.)
      if (this.down && !this.nc.isClosed()) await this.reconnected();
      const r = await this.once(subject, data);
      if (r.ok) return r.msg;
      if (r.lost) {
        if (++lost >= LOST_TRIES || this.nc.isClosed()) throw new WispError(ErrorCode.ETIMEDOUT, `no answer on ${subject}: ${r.error.message} (${lost} times)`);
      } else if (r.error.code === ErrorCode.ETIMEDOUT) {
        if (++timedOut >= TIMEOUT_TRIES) throw r.error;
      } else if (r.error.code === ErrorCode.EHOSTUNREACH && Date.now() - this.backAt < SETTLE_MS) {
        // Just after a reconnect the file server may not have subscribed again yet.
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * tries, 1000)));
      } else {
        throw r.error;
      }
    }
  }

  /** One try: the reply, or the error and whether the connection dropped under it. */
  private once(subject: string, data: Uint8Array): Promise<{ ok: true; msg: Msg } | { ok: false; error: WispError; lost: boolean }> {
    return new Promise((resolve) => {
      const fail = (error: WispError) => {
        this.inFlight.delete(fail);
        resolve({ ok: false, error, lost: true });
      };
      this.inFlight.add(fail);
      this.nc.request(subject, data, { timeout: this.timeoutMs }).then(
        (msg) => {
          this.inFlight.delete(fail);
          resolve({ ok: true, msg });
        },
        (err: unknown) => {
          this.inFlight.delete(fail);
          resolve({ ok: false, error: requestError(err, subject), lost: false });
        },
      );
    });
  }

  private validate<V extends FsVerb>(verb: V, value: unknown): FsReplyOf<V> {
    try {
      return parseFsReply(verb, value);
    } catch (err) {
      throw new WispError(ErrorCode.EPROTO, (err as Error).message);
    }
  }
}

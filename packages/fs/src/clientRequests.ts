import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { ErrorCode, WispError, decode, decodeFrame, encode, encodeFrame, fsCommands, parseFsReply, unwrapReply, type FsReplyOf, type FsRequestOf, type FsVerb, type Subjects } from '@wisp/protocol';
import { requestError } from './natsErrors.js';

/** How many times a request that can be repeated is sent when the connection drops under it. */
const LOST_TRIES = 5;

/**
 * Whether sending `body` to `verb` twice does what sending it once does: reads, positional
 * writes, page-outs, absolute seeks. Those are asked again when an answer is lost with the
 * connection; the rest (appends, opens, moves, closes…) fail with `ETIMEDOUT`, outcome unknown.
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
 * A request in flight when the connection to NATS drops fails at once rather than at its
 * timeout (its answer, if sent meanwhile, is lost: nats.js does not fail it, and a frozen
 * process would wait the whole timeout); one that can be repeated is sent again.
 */
export class FsRequests {
  /** How to fail each request in flight now. */
  private readonly inFlight = new Set<(err: WispError) => void>();
  /** Requests to send again once the connection is back. */
  private readonly waiting: Array<() => void> = [];

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
          const lost = new WispError(ErrorCode.ETIMEDOUT, 'the connection to NATS dropped before the answer came');
          for (const fail of [...this.inFlight]) fail(lost);
        } else if (s.type === 'reconnect') {
          this.back();
        }
      }
    } catch {
      // The connection closed: nothing is in flight any more.
    }
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
    const data = fsCommands[verb].bytes === 'request' ? encodeFrame(body, bytes ?? []) : encode(body);
    const msg = await this.request(server, verb, data, repeatable(verb, body as { at?: number; whence?: string }));
    return this.validate(verb, unwrapReply(decode(msg.data)));
  }

  /** One request whose reply is a frame; returns the validated meta and the bytes. */
  async callBytes<V extends 'read' | 'pageIn'>(server: string, verb: V, body: FsRequestOf<V>): Promise<{ value: FsReplyOf<V>; bytes: Uint8Array }> {
    const msg = await this.request(server, verb, encode(body), repeatable(verb, body as { at?: number }));
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

  private async request(server: string, verb: FsVerb, data: Uint8Array, again: boolean): Promise<Msg> {
    const subject = this.subjects.fs(server, verb);
    if (data.length > this.maxPayload) throw new WispError(ErrorCode.EINVAL, `${verb} request of ${data.length} bytes exceeds max_payload ${this.maxPayload}`);
    for (let tries = 1; ; tries++) {
      const r = await this.once(subject, data);
      if (r.ok) return r.msg;
      // Just after a reconnect the file server may not have subscribed again yet.
      const early = tries > 1 && r.error.code === ErrorCode.EHOSTUNREACH;
      if (!r.lost && !early) throw r.error;
      if (!again || tries >= LOST_TRIES || this.nc.isClosed()) throw r.lost ? new WispError(ErrorCode.ETIMEDOUT, `no answer on ${subject}: ${r.error.message}`) : r.error;
      // (Not sent while NATS is away: a publish then can go into the dead socket and vanish.)
      await (r.lost ? this.reconnected() : new Promise((resolve) => setTimeout(resolve, 100 * tries)));
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

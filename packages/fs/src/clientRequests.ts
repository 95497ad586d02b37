import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { ErrorCode, WispError, decode, decodeFrame, encode, encodeFrame, fsCommands, parseFsReply, unwrapReply, type FsReplyOf, type FsRequestOf, type FsVerb, type Subjects } from '@wisp/protocol';
import { requestError } from './natsErrors.js';

/**
 * The file client's request layer: one verb to one file server, framed or not, checked
 * against `max_payload` before it goes and validated when it comes back; failures are
 * {@link WispError}s. Also runs batches of requests a few at a time (paging).
 */
export class FsRequests {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
    private readonly pipeline: number,
  ) {}

  /** The connection's payload limit. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** One request whose reply is JSON; returns the validated value. */
  async call<V extends FsVerb>(server: string, verb: V, body: FsRequestOf<V>, bytes?: Uint8Array | Uint8Array[]): Promise<FsReplyOf<V>> {
    const data = fsCommands[verb].bytes === 'request' ? encodeFrame(body, bytes ?? []) : encode(body);
    const msg = await this.request(server, verb, data);
    return this.validate(verb, unwrapReply(decode(msg.data)));
  }

  /** One request whose reply is a frame; returns the validated meta and the bytes. */
  async callBytes<V extends 'read' | 'pageIn'>(server: string, verb: V, body: FsRequestOf<V>): Promise<{ value: FsReplyOf<V>; bytes: Uint8Array }> {
    const msg = await this.request(server, verb, encode(body));
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

  private async request(server: string, verb: FsVerb, data: Uint8Array): Promise<Msg> {
    const subject = this.subjects.fs(server, verb);
    if (data.length > this.maxPayload) throw new WispError(ErrorCode.EINVAL, `${verb} request of ${data.length} bytes exceeds max_payload ${this.maxPayload}`);
    try {
      return await this.nc.request(subject, data, { timeout: this.timeoutMs });
    } catch (err) {
      throw requestError(err, subject);
    }
  }

  private validate<V extends FsVerb>(verb: V, value: unknown): FsReplyOf<V> {
    try {
      return parseFsReply(verb, value);
    } catch (err) {
      throw new WispError(ErrorCode.EPROTO, (err as Error).message);
    }
  }
}

import { WispError, type ErrorCode, type FsReplyOf, type FsRequestOf, type FsVerb } from '@wisp/protocol';
import { FileServer, type FileServerOptions, type FsCall, type FsEffect, type PersistOp } from '../src/index.js';

type Fields<V extends FsVerb> = Omit<FsRequestOf<V>, 'host'>;

/** Drives a pure FileServer as hosts would, collecting its effects. */
export class Harness {
  readonly server: FileServer;
  readonly persisted: PersistOp[] = [];
  readonly callbacks: Array<Extract<FsEffect, { type: 'callback' }>> = [];
  readonly logs: Array<Extract<FsEffect, { type: 'log' }>> = [];
  /** Replies not yet claimed by a call (held opens released later land here). */
  readonly replies = new Map<string, Extract<FsEffect, { type: 'reply' }>>();
  readonly pageReads: Array<Extract<FsEffect, { type: 'readPages' }>> = [];
  private seq = 0;

  constructor(opts: FileServerOptions = {}) {
    this.server = new FileServer(opts);
  }

  /** Feeds effects into the collections. */
  absorb(effects: FsEffect[]): FsEffect[] {
    for (const e of effects) {
      if (e.type === 'persist') this.persisted.push(e.op);
      else if (e.type === 'callback') this.callbacks.push(e);
      else if (e.type === 'log') this.logs.push(e);
      else if (e.type === 'reply') this.replies.set(e.to, e);
      else this.pageReads.push(e);
    }
    return effects;
  }

  /** Sends a request; returns its reply token (`to`). */
  send<V extends FsVerb>(host: string, verb: V, fields: Fields<V>, bytes?: Uint8Array): string {
    const to = `r${++this.seq}`;
    const call = { verb, host, ...fields, ...(bytes ? { bytes } : {}) } as unknown as FsCall;
    this.absorb(this.server.handle({ type: 'request', to, call }));
    return to;
  }

  /** The reply to `to`, or undefined while it is held. */
  reply(to: string): Extract<FsEffect, { type: 'reply' }> | undefined {
    const r = this.replies.get(to);
    this.replies.delete(to);
    return r;
  }

  /** Sends and expects a success now; returns the value (and bytes). */
  ok<V extends FsVerb>(host: string, verb: V, fields: Fields<V>, bytes?: Uint8Array): FsReplyOf<V> & { bytes?: Uint8Array } {
    const r = this.reply(this.send(host, verb, fields, bytes));
    if (!r) throw new Error(`${verb}: reply held`);
    if (!r.ok) throw new WispError(r.error.code, r.error.message);
    return { ...(r.value as object), ...(r.bytes ? { bytes: r.bytes } : {}) } as FsReplyOf<V> & { bytes?: Uint8Array };
  }

  /** Sends, answers every callback it causes, and expects a success. */
  okAcked<V extends FsVerb>(host: string, verb: V, fields: Fields<V>): FsReplyOf<V> {
    const seen = this.callbacks.length;
    const to = this.send(host, verb, fields);
    for (const c of this.callbacks.slice(seen)) this.ack(c.token);
    const r = this.reply(to);
    if (!r || !r.ok) throw new Error(`${verb}: ${r ? r.error.message : 'still held'}`);
    return r.value as FsReplyOf<V>;
  }

  /** Sends and expects an error now; returns its code. */
  fail<V extends FsVerb>(host: string, verb: V, fields: Fields<V>, bytes?: Uint8Array): ErrorCode {
    const r = this.reply(this.send(host, verb, fields, bytes));
    if (!r) throw new Error(`${verb}: reply held`);
    if (r.ok) throw new Error(`${verb}: expected an error, got ${JSON.stringify(r.value)}`);
    return r.error.code;
  }

  /** Answers a callback. */
  ack(token: number, ok = true): void {
    this.absorb(this.server.handle({ type: 'callbackDone', token, ok, ...(ok ? {} : { error: { code: 'ETIMEDOUT', message: 'no answer' } }) }));
  }

  read(host: string, stream: number, length: number, at?: number): string {
    const r = this.ok(host, 'read', { stream, length, ...(at !== undefined ? { at } : {}) });
    return text(r.bytes!);
  }

  write(host: string, stream: number, s: string, at?: number): FsReplyOf<'write'> {
    return this.ok(host, 'write', { stream, ...(at !== undefined ? { at } : {}) }, bytes(s));
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Deterministic pseudo-random bytes. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

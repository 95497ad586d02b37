import type { FsReplyOf, FsRequestOf, FsVerb, WireError } from '@wisp/protocol';
import type { StoredFile } from './storage/storage.js';

/** Verbs whose request frame carries raw bytes. */
type BytesIn = 'write' | 'pageOut';

/** A validated file-server request, as the pure {@link FileServer} takes it: the verb, its fields and, for `write`/`pageOut`, the bytes. */
export type FsCall = {
  [V in FsVerb]: { verb: V } & FsRequestOf<V> & (V extends BytesIn ? { bytes: Uint8Array } : unknown);
}[FsVerb];

/** A call of one verb. */
export type FsCallOf<V extends FsVerb> = Extract<FsCall, { verb: V }>;

/** What the world tells a {@link FileServer}. */
export type FsInput =
  /** A validated request; its answer is a `reply` effect to `to` (now or, for a held open, later). */
  | { type: 'request'; to: string; call: FsCall }
  /** A host answered (or failed to answer) a `callback` effect. Either way the server goes on. */
  | { type: 'callbackDone'; token: number; ok: boolean; error?: WireError }
  /** A host is gone for good: drop its stream references. */
  | { type: 'hostDown'; host: string };

/** A change the storage backend must make durable, in order, before later replies go out. */
export type PersistOp =
  | { op: 'writeFile'; path: string; file: StoredFile }
  | { op: 'removeFile'; path: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'writePages'; file: string; pages: ReadonlyMap<number, Uint8Array> }
  | { op: 'removePages'; file: string };

/**
 * What a {@link FileServer} asks of the world. The server never does I/O; the runtime performs
 * these in order: `persist` goes to storage (serialized), a `reply` is sent only after every
 * `persist` issued before it is durable, a `callback` is a request to a host whose outcome comes
 * back as `callbackDone`, and `readPages` reads storage and replies with the pages.
 */
export type FsEffect =
  | { type: 'reply'; to: string; ok: true; value: unknown; bytes?: Uint8Array }
  | { type: 'reply'; to: string; ok: false; error: WireError }
  | { type: 'persist'; op: PersistOp }
  | { type: 'callback'; token: number; host: string; verb: 'cache.disable'; path: string | null; file: number; streams: number[] }
  | { type: 'readPages'; to: string; file: string; pageNos: number[]; pageSize: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };

/** The reply value of a verb (for `read`/`pageIn`, the frame meta). */
export type FsValueOf<V extends FsVerb> = FsReplyOf<V>;

import type { DirectoryOp, FsFence, WireError } from '@wisp/protocol';

/** The file-system client operations the kernel asks for in `fs` effects. */
export type FsOp = 'open' | 'read' | 'write' | 'seek' | 'close' | 'stat' | 'unlink' | 'mkdir' | 'readdir' | 'dup' | 'move' | 'pageOut' | 'pageIn' | 'dropPages';

/**
 * What the kernel asks of the world. The kernel never does I/O; the runtime (NATS) or a
 * checker (simulated network) performs these and feeds results back as {@link KernelEvent}s.
 */
export type Effect =
  /** Answer a request that arrived with reply subject `to`. */
  | { type: 'reply'; to: string; ok: true; value: unknown; bytes?: Uint8Array | Uint8Array[] }
  | { type: 'reply'; to: string; ok: false; error: WireError }
  /**
   * Send a request; its answer comes back as a `response` event with the same token. With
   * `bytes`, the body is framed with them (pages); `framedReply` says the answer is a frame.
   */
  | { type: 'request'; token: number; subject: string; body: unknown; timeoutMs: number; bytes?: Uint8Array[]; framedReply?: boolean }
  /**
   * A file-system operation for the host's file-system client (DESIGN §3, §6): `op` names the
   * client method (`open`, `read`, `write`, `seek`, `close`, `stat`, `unlink`, `mkdir`,
   * `readdir`, `dup` — `[stream, host]`, for a spawned child's inherited fds) and `args` its
   * arguments, streams already resolved from fds (`write` carries the
   * bytes as a `Uint8Array`). The answer comes back as a `response` event with the same token.
   * `fence`, on an operation made for a process (its streams, its backing file, a dup for its
   * child), is its pid and directory epoch: every request the client makes for it carries them,
   * and the file server refuses an older epoch than it has seen (`ESTALE`); see `fsMethodArgs`.
   */
  | { type: 'fs'; token: number; op: FsOp; args: unknown[]; fence?: FsFence }
  /**
   * An operation on the process directory (DESIGN §5), the commit point of migrations. The
   * answer comes back as a `response` event with the same token: ok with a `DirectoryAnswer`
   * (the record now and its revision), or `EEXIST` (create of a pid that has a record),
   * `ESTALE` (the record changed since `revision`), `ETIMEDOUT`/`EHOSTUNREACH` (unknown outcome).
   */
  | { type: 'directory'; token: number; op: DirectoryOp }
  /** Publish without expecting an answer. */
  | { type: 'publish'; subject: string; body: unknown }
  /** Start or stop receiving messages addressed to a pid on this host. */
  | { type: 'subscribe'; pid: string }
  | { type: 'unsubscribe'; pid: string }
  /** Arm or disarm a kernel timer; it comes back as a `timer` event. */
  | { type: 'setTimer'; id: string; delayMs: number }
  | { type: 'cancelTimer'; id: string }
  /** Output on this host's console (the home console of `pid`). */
  | { type: 'console'; pid: string; fd: number; data: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  /** A cluster event (process started, exited, …). */
  | { type: 'event'; kind: string; data: Record<string, unknown> };

/** What the world tells the kernel. `now` is this host's clock (skew included), in ms. */
export type KernelEvent =
  /** A validated request on one of this host's subjects (`deliver` for `proc.<pid>`). */
  | { type: 'request'; verb: string; body: unknown; replyTo: string | null; now: number; bytes?: Uint8Array }
  /**
   * The answer to an earlier `request` effect. `boot`: the run of the host that answered, when a
   * host did (its replies carry it; not an answer NATS or the client library made up).
   */
  | { type: 'response'; token: number; ok: true; value: unknown; now: number; bytes?: Uint8Array; boot?: string }
  | { type: 'response'; token: number; ok: false; error: WireError; now: number; boot?: string }
  /**
   * This host's lease on its id lapsed (`held: false`: it could not renew it in time, or woke
   * from a pause past it) or is held again (DESIGN §5, the lease rule).
   */
  | { type: 'lease'; held: boolean; now: number }
  /** A timer armed by `setTimer` fired. */
  | { type: 'timer'; id: string; now: number };

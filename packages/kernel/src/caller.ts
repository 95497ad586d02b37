import type { WireError } from '@wisp/protocol';
import type { SyscallName } from '@wisp/proc';
import type { FsOp } from './effects.js';

/** Who is waiting for an answer: a local process's call, or a remote requester. */
export type Caller =
  | { kind: 'proc'; pid: string; callId: number; call: SyscallName }
  | { kind: 'remote'; replyTo: string | null };

/** An answer to a caller. */
export type Answer = { ok: true; value: unknown } | { ok: false; error: WireError };

/**
 * What to do when the response to an outgoing request arrives. Plain data, so kernel
 * state stays serializable for the checker.
 */
export type Continuation =
  /** Pass the answer to a caller; `unreachable` is the code when nobody answered. */
  | { kind: 'relay'; caller: Caller; unreachable: WireError['code'] }
  /** The answer to a remote `create` the home sent. */
  | { kind: 'create'; pid: string; host: string; caller: Caller }
  /**
   * The answer to an `fs` effect made for a process's file call. On success: `open` allocates
   * the lowest free fd ≥ 3 for the stream (the result value is the fd); `close` frees `fd`
   * (on failure too, as on Unix); `read` bytes are decoded as UTF-8 text. `fd` is the fd the
   * call named (null for path calls and `open`).
   */
  | { kind: 'fs'; caller: Caller & { kind: 'proc' }; op: FsOp; fd: number | null }
  /** Fire and forget; a failure is only logged. */
  | { kind: 'ignore'; what: string };

import type { Signal, WireError } from '@wisp/protocol';
import type { MigrationStep } from './migration/migrator.js';
import type { SyscallName } from '@wisp/proc';
import type { FsOp } from './effects.js';

/** Who is waiting for an answer: a local process's call, or a remote requester. */
export type Caller =
  | { kind: 'proc'; pid: string; callId: number; call: SyscallName }
  | { kind: 'remote'; replyTo: string | null }
  /**
   * A home call forwarded by the host the process runs on, under its call id: the home keeps the
   * answer ({@link HomeRecord.forwarded}), so a retry of the same call is answered, not done twice.
   */
  | { kind: 'forwarded'; pid: string; callId: number };

/**
 * An answer to a caller; `bytes` travel raw beside the value (a framed reply). `boot`: the run of
 * the host that answered a request (see `replyBoot` in `@wisp/protocol`), when a host did.
 */
export type Answer = { ok: true; value: unknown; bytes?: Uint8Array | Uint8Array[]; boot?: string } | { ok: false; error: WireError; boot?: string };

/** A failure answer. */
export function failure(code: WireError['code'], message: string): Answer {
  return { ok: false, error: { code, message } };
}

/**
 * What to do when the response to an outgoing request arrives. Plain data, so kernel
 * state stays serializable for the checker.
 */
export type Continuation =
  /**
   * Pass the answer to a caller; `unreachable` is the code when nobody answered. `retry`: a
   * forwarded home call, sent again under the same call id when a try times out.
   */
  | { kind: 'relay'; caller: Caller; unreachable: WireError['code']; retry?: ForwardRetry }
  /** The answer to a remote `create` the home sent; `streams` are the child's inherited ones. */
  | { kind: 'create'; pid: string; host: string; caller: Caller; streams?: string[] }
  /**
   * The answer to an `fs` effect made for a process's file call. On success: `open` allocates
   * the lowest free fd ≥ 3 for the stream (the result value is the fd); `close` frees `fd`
   * (on failure too, as on Unix); `read` bytes are decoded as UTF-8 text. `fd` is the fd the
   * call named (null for path calls and `open`).
   */
  | { kind: 'fs'; caller: Caller & { kind: 'proc' }; op: FsOp; fd: number | null }
  /** The answer to one `dup` of a spawn's inherited fds; `group` names its {@link SpawnDups}. */
  | { kind: 'dup'; group: number; stream: string }
  /** A step of a migration session (see `migration/migrator.ts`); `stream` names a stream moved. */
  | { kind: 'migration'; pid: string; step: MigrationStep; stream?: string }
  /** A send to a pid, retried while the pid is moving (`EAGAIN`, or nobody subscribed yet). */
  | { kind: 'send'; caller: Caller & { kind: 'proc' }; to: string; subject: string; body: unknown; tries: number }
  /** A send that found nobody on the pid's subject: the directory says whether the pid lives. */
  | { kind: 'sendCheck'; send: Extract<Continuation, { kind: 'send' }> }
  /** A `signal` sent to `host`, where the home or the directory says the process runs; routed again while it moves. */
  | ({ kind: 'signal' } & KillRoute)
  /**
   * A kill passed on to the pid's home, or a signal passed on to `host`, where the process just
   * went: the answer is passed back; nobody answering asks the directory (`killCheck`).
   */
  | ({ kind: 'killRelay' } & KillRoute)
  /** A kill or signal that found nobody at `host`: the directory says whether the pid lives, and where. */
  | ({ kind: 'killCheck' } & KillRoute)
  /** A `sys.spawn(…, { anywhere: true })` waiting for migd to grant a host. */
  | { kind: 'place'; caller: Caller & { kind: 'proc' }; program: string; args: string[] }
  /** migd's answer to the home's renewal of an `anywhere` child's grant. */
  | { kind: 'lease'; pid: string }
  /** Pages a faulting process waits for, from its backing file. */
  | { kind: 'pagein'; pid: string; pages: number[] }
  /** A background cleaner's write of `pid`'s `pages` (marked clean when taken) to its backing file. */
  | { kind: 'clean'; pid: string; pages: number[] }
  /**
   * The answer to the directory operation that opens (`create`) or closes (`delete`) `pid`'s
   * record, or reads it (`verify`) to know whether a process suspended by a lapsed lease is still this host's.
   */
  | { kind: 'directory'; pid: string; op: 'create' | 'delete' | 'verify' }
  /** Fire and forget; a failure is only logged. */
  | { kind: 'ignore'; what: string };

/** A kill on its way: who asked, the target and signal, tries so far, and the host it was sent to. */
export interface KillRoute {
  caller: Caller;
  pid: string;
  signal: Signal;
  tries: number;
  host: string;
}

/** A forwarded home call as sent, to send again after a timeout; `tries` so far. */
export interface ForwardRetry {
  subject: string;
  body: unknown;
  timeoutMs: number;
  tries: number;
}

/**
 * A `sys.spawn` waiting for the dups of the parent's fds (fd inheritance): once `left` reaches
 * 0 the spawn goes on with `fds` (or fails with the first `error`, closing the `dupped` streams).
 */
export interface SpawnDups {
  caller: Caller & { kind: 'proc' };
  program: string;
  args: string[];
  on: string | undefined;
  /** The migd requester holding `on`'s grant (an `anywhere` spawn). */
  grant?: string;
  /** fd (decimal) → stream handle, as the child will have them. */
  fds: Record<string, string>;
  /** Dups not yet answered. */
  left: number;
  /** Streams dup'ed successfully so far. */
  dupped: string[];
  error: WireError | null;
}

/**
 * Error codes carried in error replies and in failed `sys.result` events.
 * Named after their Unix cousins where one exists, so they read familiar.
 */
export const ErrorCode = {
  /** A message or argument failed validation. */
  EINVAL: 'EINVAL',
  /** The message could not be decoded at all. */
  EPROTO: 'EPROTO',
  /** No such process. */
  ESRCH: 'ESRCH',
  /** No such host. */
  EHOSTUNREACH: 'EHOSTUNREACH',
  /** The host does not have the program (or that version of it). */
  ENOPROG: 'ENOPROG',
  /** No child to wait for. */
  ECHILD: 'ECHILD',
  /** Bad file descriptor. */
  EBADF: 'EBADF',
  /** The call is not implemented on this host. */
  ENOSYS: 'ENOSYS',
  /** The peer did not answer in time. */
  ETIMEDOUT: 'ETIMEDOUT',
  /** The host refuses the work (e.g. shutting down, other protocol version). */
  EREFUSED: 'EREFUSED',
  /** No such file or directory. */
  ENOENT: 'ENOENT',
  /** Something unexpected failed inside a host. */
  EIO: 'EIO',
  /** The file or directory already exists. */
  EEXIST: 'EEXIST',
  /** A file operation was applied to a directory. */
  EISDIR: 'EISDIR',
  /** A path component that must be a directory is a file. */
  ENOTDIR: 'ENOTDIR',
  /** The directory is not empty. */
  ENOTEMPTY: 'ENOTEMPTY',
  /** The stream's mode forbids the access (e.g. a write on a stream opened `r`). */
  EACCES: 'EACCES',
  /** The file would grow past the server's size limit. */
  EFBIG: 'EFBIG',
  /** A path or one of its names is too long. */
  ENAMETOOLONG: 'ENAMETOOLONG',
  /** A rename across two file servers. */
  EXDEV: 'EXDEV',
  /** The process is moving between hosts right now: send again shortly. */
  EAGAIN: 'EAGAIN',
  /** The process is already migrating. */
  EBUSY: 'EBUSY',
  /**
   * Stale: the process directory moved on (its record changed since it was read — another
   * host's claim, a fence, a newer epoch), so what was asked on the old view is refused.
   */
  ESTALE: 'ESTALE',
  /**
   * Another boot: the host restarted since it took part in the exchange (a commit names the
   * boot that took the image; the host runs another now), so it holds nothing of it and will not.
   */
  EBOOT: 'EBOOT',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a wire code; what crosses the network is `{ code, message }`. */
export class WispError extends Error {
  /** The wire code. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'WispError';
    this.code = code;
  }
  /** The serializable form carried in replies and results. */
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

/** An error as it travels in a reply. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** Turns anything thrown into a wire error, keeping a code when it has one. */
export function toWireError(err: unknown): WireError {
  if (err instanceof WispError) return err.toWire();
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.EIO, message };
}

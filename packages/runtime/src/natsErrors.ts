import { errors } from '@nats-io/nats-core';
import { ErrorCode, type WireError } from '@wisp/protocol';

/** Maps a failed NATS request to a wire error: nobody listening, too slow, or other. */
export function requestFailure(err: unknown, subject: string): WireError {
  const e = err as Error & { isNoResponders?: () => boolean };
  if (err instanceof errors.NoRespondersError || (err instanceof errors.RequestError && e.isNoResponders?.())) {
    return { code: ErrorCode.EHOSTUNREACH, message: `nobody answers on ${subject}` };
  }
  if (err instanceof errors.TimeoutError || (err instanceof Error && /timeout/i.test(err.message))) {
    return { code: ErrorCode.ETIMEDOUT, message: `no answer on ${subject} in time` };
  }
  return { code: ErrorCode.EIO, message: err instanceof Error ? err.message : String(err) };
}

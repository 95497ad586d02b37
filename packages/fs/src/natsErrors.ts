import { errors } from '@nats-io/nats-core';
import { ErrorCode, WispError } from '@wisp/protocol';

/**
 * Maps a failed NATS request to a {@link WispError}: nobody listening (`EHOSTUNREACH`), too slow
 * (`ETIMEDOUT`), or other (`EIO`). (The runtime has the same mapping; this package must not
 * depend on the runtime, which will depend on it.)
 */
export function requestError(err: unknown, subject: string): WispError {
  if (err instanceof WispError) return err;
  const e = err as Error & { isNoResponders?: () => boolean };
  if (err instanceof errors.NoRespondersError || (err instanceof errors.RequestError && e.isNoResponders?.())) {
    return new WispError(ErrorCode.EHOSTUNREACH, `nobody answers on ${subject}`);
  }
  if (err instanceof errors.TimeoutError || (err instanceof Error && /timeout/i.test(err.message))) {
    return new WispError(ErrorCode.ETIMEDOUT, `no answer on ${subject} in time`);
  }
  return new WispError(ErrorCode.EIO, err instanceof Error ? err.message : String(err));
}

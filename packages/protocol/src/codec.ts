import { ErrorCode, WispError, type WireError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The one place that knows the wire encoding: JSON in UTF-8 for control messages.
 * (Pages travel as raw bytes and have their own framing.)
 */
export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes a message body; throws `EPROTO` for anything that is not UTF-8 JSON. */
export function decode(data: Uint8Array): unknown {
  if (data.length === 0) throw new WispError(ErrorCode.EPROTO, 'empty message body');
  try {
    return JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new WispError(ErrorCode.EPROTO, `message is not UTF-8 JSON: ${(err as Error).message}`);
  }
}

/** A successful reply envelope. */
export function okReply(value: unknown): { ok: true; value: unknown } {
  return { ok: true, value: value ?? {} };
}

/** A failed reply envelope. */
export function errorReply(error: WireError): { ok: false; error: WireError } {
  return { ok: false, error };
}

/** Unwraps a decoded reply envelope: its value, or throws its error as a {@link WispError}. */
export function unwrapReply(body: unknown): unknown {
  const r = body as { ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (r && r.ok === true) return r.value;
  if (r && r.ok === false && r.error && typeof r.error.code === 'string') {
    throw new WispError(r.error.code as ErrorCode, String(r.error.message ?? ''));
  }
  throw new WispError(ErrorCode.EPROTO, 'reply is not a reply envelope');
}

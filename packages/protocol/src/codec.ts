import { Buffer } from 'node:buffer';
import { ErrorCode, WispError, type WireError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The one place that knows the wire encoding: JSON in UTF-8 for control messages.
 * (Pages and file data travel as raw bytes in a binary frame: {@link encodeFrame}.)
 */
export function encode(value: unknown): Uint8Array {
  // Buffer (a Uint8Array) encodes short strings faster than TextEncoder: this is on every hop.
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? new Uint8Array(0) : Buffer.from(json);
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

/**
 * A successful reply envelope. A host's answers carry its `boot` (the id of this run of it, see
 * {@link replyBoot}): one more field of an object made anyway, no allocation of its own.
 */
export function okReply(value: unknown, boot?: string): { ok: true; value: unknown; boot?: string } {
  return { ok: true, value: value ?? {}, boot };
}

/** A failed reply envelope (with the answering host's `boot`, as {@link okReply}). */
export function errorReply(error: WireError, boot?: string): { ok: false; error: WireError; boot?: string } {
  return { ok: false, error, boot };
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

/**
 * The boot id a decoded reply envelope carries — the run of the host that answered, a new one
 * at every start — or undefined (not a host's answer, or a peer of an older protocol). Two
 * answers of one host with different boots straddle a restart: what the first run held is gone.
 */
export function replyBoot(body: unknown): string | undefined {
  const b = (body as { boot?: unknown } | null)?.boot;
  return typeof b === 'string' ? b : undefined;
}

/** Bytes of the frame header: the big-endian u32 length of the JSON meta. */
export const FRAME_HEADER_BYTES = 4;

/**
 * Frames JSON `meta` with raw `bytes`: `u32 BE length of meta | meta (UTF-8 JSON) | bytes`.
 * File data and pages travel this way so they are never base64'd or parsed. `bytes` may be
 * given in parts (e.g. pages), which are concatenated straight into the frame: one copy.
 */
export function encodeFrame(meta: unknown, bytes: Uint8Array | readonly Uint8Array[] = []): Uint8Array {
  const m = encoder.encode(JSON.stringify(meta));
  const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
  let n = FRAME_HEADER_BYTES + m.length;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, m.length);
  out.set(m, FRAME_HEADER_BYTES);
  let at = FRAME_HEADER_BYTES + m.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Splits a frame made by {@link encodeFrame}. `bytes` is a view into `data` (no copy).
 * Throws `EPROTO` for a truncated frame or meta that is not UTF-8 JSON.
 */
export function decodeFrame(data: Uint8Array): { meta: unknown; bytes: Uint8Array } {
  if (data.length < FRAME_HEADER_BYTES) throw new WispError(ErrorCode.EPROTO, `frame of ${data.length} bytes has no header`);
  const len = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  const end = FRAME_HEADER_BYTES + len;
  if (end > data.length) throw new WispError(ErrorCode.EPROTO, `frame meta of ${len} bytes overruns a ${data.length}-byte message`);
  return { meta: decode(data.subarray(FRAME_HEADER_BYTES, end)), bytes: data.subarray(end) };
}

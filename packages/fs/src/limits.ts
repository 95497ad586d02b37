/**
 * How much fits in one NATS message. Client and server size reads, writes and page batches with
 * the same rules, so a reply the server builds always fits the connection's `max_payload`.
 * @module
 */

/** Bytes kept for the JSON meta of a `read` or `pageIn` reply frame (header included), apart from page numbers. */
export const REPLY_META_RESERVE = 256;
/** Bytes a page number may take in a JSON list (2^40 has 13 digits, plus a comma). */
export const PAGE_NO_BYTES = 16;

/** Most data bytes one `read` reply may carry. */
export function maxReadBytes(maxPayload: number): number {
  return Math.max(1, maxPayload - REPLY_META_RESERVE);
}

/** Most pages of `pageSize` one `pageIn` reply may carry. */
export function pagesPerReply(maxPayload: number, pageSize: number): number {
  return Math.floor((maxPayload - REPLY_META_RESERVE) / (pageSize + PAGE_NO_BYTES));
}

/** Most pages of `pageSize` one `pageOut` request may carry, given the size of its frame with no pages (`baseBytes`). */
export function pagesPerRequest(maxPayload: number, pageSize: number, baseBytes: number): number {
  return Math.floor((maxPayload - baseBytes) / (pageSize + PAGE_NO_BYTES));
}

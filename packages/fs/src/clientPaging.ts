import { ErrorCode, FRAME_HEADER_BYTES, WispError, encode, type FsFence } from '@wisp/protocol';
import type { FsRequests } from './clientRequests.js';
import { pagesPerReply, pagesPerRequest } from './limits.js';

/** Where a backing file is: its server and path there, and the host asking. */
export interface BackingFile {
  host: string;
  /** The process the pages are its, when fenced (see `FsClient`). */
  fence: FsFence | undefined;
  server: string;
  path: string;
}

/**
 * Stores pages of a backing file. Pages are all one size (a power of two, 512 B – 1 MiB); they
 * go as raw bytes, as many per message as `max_payload` allows, a few messages in flight.
 */
export async function pageOut(requests: FsRequests, f: BackingFile, pages: ReadonlyMap<number, Uint8Array>): Promise<void> {
  const all = [...pages];
  if (all.length === 0) return;
  const pageSize = all[0]![1].length;
  for (const [n, p] of all) if (p.length !== pageSize) throw new WispError(ErrorCode.EINVAL, `page ${n} is ${p.length} bytes, not ${pageSize}`);
  const base = FRAME_HEADER_BYTES + encode({ host: f.host, fence: f.fence, file: f.path, pageSize, pages: [] }).length;
  const per = pagesPerRequest(requests.maxPayload, pageSize, base);
  if (per < 1) throw new WispError(ErrorCode.EINVAL, `a page of ${pageSize} bytes does not fit max_payload ${requests.maxPayload}`);
  const batches: Array<Array<[number, Uint8Array]>> = [];
  for (let i = 0; i < all.length; i += per) batches.push(all.slice(i, i + per));
  await requests.pipelined(batches, (b) =>
    requests.call(f.server, 'pageOut', { host: f.host, fence: f.fence, file: f.path, pageSize, pages: b.map(([n]) => n) }, b.map(([, p]) => p)),
  );
}

/**
 * Loads pages of a backing file; pages never written are absent from the result (the caller
 * zero-fills). The returned bytes are views into the received messages.
 */
export async function pageIn(requests: FsRequests, f: BackingFile, pageNos: readonly number[], pageSize: number): Promise<Map<number, Uint8Array>> {
  const per = pagesPerReply(requests.maxPayload, pageSize);
  if (per < 1) throw new WispError(ErrorCode.EINVAL, `a page of ${pageSize} bytes does not fit max_payload ${requests.maxPayload}`);
  const batches: number[][] = [];
  for (let i = 0; i < pageNos.length; i += per) batches.push(pageNos.slice(i, i + per));
  const out = new Map<number, Uint8Array>();
  await requests.pipelined(batches, async (b) => {
    const r = await requests.callBytes(f.server, 'pageIn', { host: f.host, fence: f.fence, file: f.path, pageSize, pages: b });
    if (r.bytes.length !== r.value.pages.length * pageSize) throw new WispError(ErrorCode.EPROTO, `pageIn reply carries ${r.bytes.length} bytes for ${r.value.pages.length} pages`);
    r.value.pages.forEach((n, i) => out.set(n, r.bytes.subarray(i * pageSize, (i + 1) * pageSize)));
  });
  return out;
}

import { EvictReply } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';

/** `wisp evict <host>`: every foreign process on the host goes home; prints what moved and how long it took. */
export async function evictCommand(client: WispClient, host: string): Promise<string> {
  const r = EvictReply.parse(await client.request(host, 'evict', {}, 120_000));
  const moved = r.moved.length > 0 ? r.moved.join(' ') : 'none';
  return `${host}: evicted ${r.moved.length} (${moved}) in ${r.ms} ms${r.stayed.length > 0 ? `; stayed: ${r.stayed.join(' ')}` : ''}\n`;
}

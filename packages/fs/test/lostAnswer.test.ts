import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decode, decodeFrame, encode, fsCommands, okReply, subjects, type FsVerb } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FsRequests } from '../src/clientRequests.js';

// A file server's answer lost with the connection: the request fails (or is asked again) at
// the drop, not at its timeout, which here is far longer than the test may take.
const TIMEOUT_MS = 600_000;
const s = subjects('lost');
let nats: NatsServerHandle;
const conns: NatsConnection[] = [];

async function conn(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, noAsyncTraces: true, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
  conns.push(nc);
  return nc;
}

/** A file server `server` on `verb` that never answers the first request and answers the rest with `reply`. */
async function swallowFirst(verb: string, reply: unknown, server = 'fs1') {
  const nc = await conn();
  let first!: () => void;
  const firstSeen = new Promise<void>((r) => (first = r));
  const seen: number[] = [];
  const bodies: unknown[] = [];
  nc.subscribe(s.fs(server, verb), {
    callback: (_err, msg) => {
      seen.push(Date.now());
      bodies.push(fsCommands[verb as FsVerb].bytes === 'request' ? decodeFrame(msg.data).meta : decode(msg.data));
      if (seen.length === 1) first();
      else msg.respond(encode(okReply(reply)));
    },
  });
  await nc.flush();
  return { firstSeen, seen, bodies };
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
});

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await nats.stop();
});

test('a positional write whose answer is lost with the connection is sent again once NATS is back, and answered', async () => {
  const server = await swallowFirst('write', { at: 0, count: 3, size: 3, version: 1 });
  const requests = new FsRequests(await conn(), s, TIMEOUT_MS, 4);
  const call = requests.call('fs1', 'write', { host: 'h1', stream: 7, at: 0 }, new TextEncoder().encode('abc'));
  await server.firstSeen;
  await nats.restart();
  await expect(call).resolves.toEqual({ at: 0, count: 3, size: 3, version: 1 });
  expect(server.seen).toHaveLength(2);
});

test('a move whose answer is lost with the connection is sent again with the same request id once NATS is back, and answered', async () => {
  const server = await swallowFirst('move', { file: 1, size: 0, version: 1, cacheable: false });
  const requests = new FsRequests(await conn(), s, TIMEOUT_MS, 4);
  const call = requests.call('fs1', 'move', { host: 'h1', stream: 7, to: 'h2' });
  await server.firstSeen;
  await nats.restart();
  await expect(call).resolves.toEqual({ file: 1, size: 0, version: 1, cacheable: false });
  expect(server.seen).toHaveLength(2);
  const [a, b] = server.bodies as Array<{ rid?: string }>;
  expect(a?.rid).toMatch(/^[A-Za-z0-9_-]+:[0-9]+$/);
  expect(b?.rid).toBe(a?.rid);
});

test('an append that times out is sent once more with the same request id, and answered; a positional write carries no id', async () => {
  // (Another file server id: the first test's server still answers writes to fs1.)
  const server = await swallowFirst('write', { at: 0, count: 1, size: 1, version: 1 }, 'fs2');
  const requests = new FsRequests(await conn(), s, 1_000, 4);
  await expect(requests.call('fs2', 'write', { host: 'h1', stream: 7 }, new Uint8Array(1))).resolves.toMatchObject({ count: 1 });
  await requests.call('fs2', 'write', { host: 'h1', stream: 7 }, new Uint8Array(1));
  await requests.call('fs2', 'write', { host: 'h1', stream: 7, at: 0 }, new Uint8Array(1));
  const rids = (server.bodies as Array<{ rid?: string }>).map((b) => b.rid);
  expect(rids).toHaveLength(4);
  expect(rids[1]).toBe(rids[0]);
  expect(rids[2]).toMatch(/:\d+$/);
  expect(rids[2]).not.toBe(rids[0]);
  expect(rids[3]).toBeUndefined();
});

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, encode, okReply, subjects } from '@wisp/protocol';
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

/** A file server on `verb` that never answers the first request and answers the rest with `reply`. */
async function swallowFirst(verb: string, reply: unknown) {
  const nc = await conn();
  let first!: () => void;
  const firstSeen = new Promise<void>((r) => (first = r));
  const seen: number[] = [];
  nc.subscribe(s.fs('fs1', verb), {
    callback: (_err, msg) => {
      seen.push(Date.now());
      if (seen.length === 1) first();
      else msg.respond(encode(okReply(reply)));
    },
  });
  await nc.flush();
  return { firstSeen, seen };
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

test('a move whose answer is lost with the connection fails at once with ETIMEDOUT (outcome unknown), and is not sent again', async () => {
  const server = await swallowFirst('move', { stream: 7 });
  const requests = new FsRequests(await conn(), s, TIMEOUT_MS, 4);
  // (Settled as soon as it fails, which may be before the restart below ends.)
  const call = requests.call('fs1', 'move', { host: 'h1', stream: 7, to: 'h2' }).then(
    () => 'answered',
    (err: unknown) => err,
  );
  await server.firstSeen;
  await nats.restart();
  await expect(call).resolves.toMatchObject({ code: ErrorCode.ETIMEDOUT, message: expect.stringContaining('connection to NATS dropped') });
  expect(server.seen).toHaveLength(1);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { ErrorCode, WispError } from '@wisp/protocol';
import { connectNats } from '../src/natsConnect.js';
import { startNatsServer, type NatsServerHandle } from '../src/natsServer.js';
import { ProcessDirectory } from '../src/processDirectory.js';

let nats: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, { name: 'directory-test' });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('process directory', () => {
  it("a compare-and-set sent as a plain request (a host's claim) moves the record as `update` does, and is refused with ESTALE at an old revision", async () => {
    const dir = await ProcessDirectory.open(nc, 'dirtest');
    const created = await dir.perform({ op: 'create', pid: 'h1-7', entry: { host: 'h1', boot: 'b1', epoch: 1 } });
    const op = { op: 'update' as const, pid: 'h1-7', entry: { host: 'h2', boot: 'b2', epoch: 2 }, revision: created.revision };
    const send = async (o: typeof op) => {
      const r = dir.updateRequest(o);
      const m = await nc.request(r.subject, r.data, { headers: r.headers, timeout: 5000 });
      return dir.updateAnswer(o, m.data);
    };
    const claimed = await send(op);
    expect(claimed.entry).toEqual(op.entry);
    expect(claimed.revision).toBeGreaterThan(created.revision);
    // What a read gives afterwards: the record and revision the claim's answer named.
    expect(await dir.get('h1-7')).toEqual(claimed);
    // The same claim again (a duplicate, or one behind a fence) names a revision that has passed.
    const again = send(op);
    await expect(again).rejects.toBeInstanceOf(WispError);
    await expect(again).rejects.toMatchObject({ code: ErrorCode.ESTALE });
    expect(await dir.get('h1-7')).toEqual(claimed);
  }, 20_000);
});

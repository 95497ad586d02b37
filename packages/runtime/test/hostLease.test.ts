import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ErrorCode } from '@wisp/protocol';
import { connectNats } from '../src/natsConnect.js';
import { HostLease, leasedHosts } from '../src/hostLease.js';
import { createLogger } from '../src/logger.js';
import { startNatsServer, type NatsServerHandle } from '../src/natsServer.js';
import { PidBlocks } from '../src/pidBlocks.js';

const log = createLogger('test', 'silent');
let nats: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url, { name: 'lease-test' });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('host leases', () => {
  it('one live holder per id: a second is refused with EEXIST after one lease length; a released id is free at once', async () => {
    const ttlMs = 1000;
    const first = await HostLease.acquire({ nc, cluster: 'lease1', host: 'h2', log, ttlMs });
    const t0 = Date.now();
    const second = HostLease.acquire({ nc, cluster: 'lease1', host: 'h2', log, ttlMs });
    await expect(second).rejects.toMatchObject({ code: ErrorCode.EEXIST, message: expect.stringContaining(`host h2 is already running (boot ${first.holder.boot}`) });
    // It waited for the lease to lapse, which renewal (every third of it) never let happen.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(ttlMs);
    expect(await leasedHosts(nc, 'lease1')).toEqual(['h2']);
    await first.release();
    expect(await leasedHosts(nc, 'lease1')).toEqual([]);
    // Asking leaves nothing behind on the server (kv.keys() left a consumer per call).
    for (let i = 0; i < 5; i++) await leasedHosts(nc, 'lease1');
    expect((await (await jetstreamManager(nc)).streams.info('KV_wisp_lease1_hosts')).state.consumer_count).toBe(0);
    const t1 = Date.now();
    const third = await HostLease.acquire({ nc, cluster: 'lease1', host: 'h2', log, ttlMs });
    expect(Date.now() - t1).toBeLessThan(ttlMs);
    await third.release();
  }, 20_000);

  it('a holder that stops renewing (killed hard) leaves a lease the next run takes once it lapses', async () => {
    const ttlMs = 1000;
    const dead = await HostLease.acquire({ nc, cluster: 'lease2', host: 'h1', log, ttlMs });
    // As if kill -9: renewal stops, nothing is released.
    clearInterval((dead as unknown as { timer: NodeJS.Timeout }).timer);
    const t0 = Date.now();
    const next = await HostLease.acquire({ nc, cluster: 'lease2', host: 'h1', log, ttlMs });
    expect(next.holder.boot).not.toBe(dead.holder.boot);
    expect(Date.now() - t0).toBeLessThan(ttlMs + 2000);
    expect(await leasedHosts(nc, 'lease2')).toEqual(['h1']);
    await next.release();
  }, 20_000);

  it('a server without JetStream is a clear error', async () => {
    const bare = await startNatsServer({ jetstream: false });
    const nc2 = await connectNats(bare.url, { name: 'bare' });
    try {
      await expect(HostLease.acquire({ nc: nc2, cluster: 'x', host: 'h1', log })).rejects.toMatchObject({ code: ErrorCode.ENOSYS, message: expect.stringContaining('no JetStream') });
    } finally {
      await nc2.close();
      await bare.stop();
    }
  });
});

describe('durable pid blocks', () => {
  it('a restarted host never reuses a pid number, across blocks too', async () => {
    const a = await PidBlocks.open({ nc, cluster: 'pids', host: 'h1', log, block: 4 });
    const first = Array.from({ length: 10 }, () => a.allocate());
    expect(first.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(new Set(first).size).toBe(10);
    // The next block is reserved in the background at half use (here overtaken: 10 spawns in one
    // go); once it lands every number handed out is reserved, and a crash after it loses nothing.
    await a.settled();
    const restarted = await PidBlocks.open({ nc, cluster: 'pids', host: 'h1', log, block: 4 });
    const next = restarted.allocate();
    expect(next).toBeGreaterThan(Math.max(...first));
  });
});

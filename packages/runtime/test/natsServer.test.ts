import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { findNatsServerBinary, startNatsServer, type NatsServerHandle } from '../src/natsServer.js';

/** Resolves true if something accepts TCP connections on 127.0.0.1:port. */
function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

describe('startNatsServer', () => {
  const handles: NatsServerHandle[] = [];
  const conns: NatsConnection[] = [];
  afterEach(async () => {
    await Promise.all(conns.splice(0).map((nc) => nc.close().catch(() => {})));
    await Promise.all(handles.splice(0).map((h) => h.stop()));
  });

  it('finds the binary', () => {
    expect(findNatsServerBinary()).toMatch(/nats-server$/);
  });

  it('serves request-reply and JetStream, and stop() cleans up', async () => {
    const h = await startNatsServer();
    handles.push(h);
    expect(h.url).toBe(`nats://127.0.0.1:${h.port}`);
    expect(h.pid).toBeGreaterThan(0);
    expect(existsSync(h.storeDir)).toBe(true);

    const nc = await connect({ servers: h.url });
    conns.push(nc);
    const sub = nc.subscribe('echo');
    void (async () => {
      for await (const m of sub) m.respond(`pong:${m.string()}`);
    })();
    const reply = await nc.request('echo', 'ping', { timeout: 2000 });
    expect(reply.string()).toBe('pong:ping');

    expect(nc.info?.jetstream).toBe(true);
    const info = (await nc.request('$JS.API.INFO', '', { timeout: 2000 })).json<{ type: string; error?: unknown }>();
    expect(info.error).toBeUndefined();
    expect(info.type).toBe('io.nats.jetstream.api.v1.account_info_response');

    await nc.close();
    await h.stop();
    await h.stop(); // idempotent
    expect(existsSync(h.storeDir)).toBe(false);
    expect(await portAccepts(h.port)).toBe(false);
  });

  it('honours maxPayload and jetstream: false', async () => {
    const h = await startNatsServer({ jetstream: false, maxPayload: 4 * 1024 * 1024 });
    handles.push(h);
    const nc = await connect({ servers: h.url });
    conns.push(nc);
    expect(nc.info?.max_payload).toBe(4 * 1024 * 1024);
    expect(nc.info?.jetstream ?? false).toBe(false);
  });

  it('runs two servers at once on different ports', async () => {
    const [a, b] = await Promise.all([startNatsServer(), startNatsServer()]);
    handles.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.storeDir).not.toBe(b.storeDir);
    expect(await portAccepts(a.port)).toBe(true);
    expect(await portAccepts(b.port)).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { encode } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';

/** Every process reconnects this often; nats.js's old policy (10 tries) gave up after about 10 × this. */
const RECONNECT_MS = 100;
/** Far longer than the old policy survived at that pace (about 1.5 s, counting jitter). */
const OUTAGE_MS = 4000;

let nats: NatsServerHandle;
let c: LocalCluster;
const clientLog: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  c = await startLocalCluster({ url: nats.url, hosts: 2, migd: true, reconnectWaitMs: RECONNECT_MS, readyTimeoutMs: 45_000, clientLog: { warn: (_o, m) => clientLog.push(m ?? '') } });
}, 90_000);

afterAll(async () => {
  await c?.stop();
  await nats?.stop();
});

const counts = (out: string) => out.split('\n').filter((l) => l.startsWith('count ')).map((l) => Number(l.slice(6)));

describe('a NATS outage', () => {
  it('leaves every component waiting and reconnecting; the host answers again and console output goes on: every line at most once, in order, none lost past the instant the server went away', async () => {
    let out = '';
    const run = await c.client.run('counter', ['100000', '50'], { home: 'h1', onOutput: (m) => (out += m.data) });
    await expect.poll(() => counts(out).length, { timeout: 10_000 }).toBeGreaterThan(3);

    await nats.interrupt();
    const cut = counts(out).length;
    // The outage itself: this is the fault, not a wait for something to happen.
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    for (const p of [...c.hosts, c.fileServer, c.migd!]) expect(p.child.exitCode, `${p.id} exited during the outage`).toBeNull();
    await nats.restart();

    // The host answers `ps` again, the file server and migd too.
    await expect.poll(async () => (await c.client.ps().catch(() => [])).find((p) => p.pid === run.pid)?.state, { timeout: 10_000 }).toMatch(/^(sleeping|runnable)$/);
    const stat = await c.client.nc.request(c.client.subjects.fs('fs1', 'stat'), encode({ host: 'test', path: '/' }), { timeout: 2000 });
    expect(new TextDecoder().decode(stat.data)).toContain('"ok":true');
    const migd = await c.client.nc.request(c.client.subjects.migd('status'), encode({}), { timeout: 2000 });
    expect(new TextDecoder().decode(migd.data)).toContain('"ok":true');

    // What the counter printed during the outage arrives, then more: every line at most once, in
    // order. A line already handed to the socket in the instant the server died is gone with it
    // (nats.js has no acks for it; the README says so); every later one is held and sent.
    await expect.poll(() => counts(out).length, { timeout: 15_000 }).toBeGreaterThan(cut + OUTAGE_MS / 50 + 5);
    const seen = counts(out);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!, `line ${seen[i]} after ${seen[i - 1]}`).toBeGreaterThan(seen[i - 1]!);
    const missing = seen.length > 0 ? seen[seen.length - 1]! - seen.length : 0;
    expect(missing, `lost lines: ${seen.join(',')}`).toBeLessThanOrEqual(2);
    const lost = Array.from({ length: seen[seen.length - 1]! }, (_, i) => i + 1).filter((n) => !seen.includes(n));
    for (const n of lost) expect(n, 'a line lost after the instant of the outage').toBeLessThanOrEqual(cut + 2);

    // Both ends of the outage are logged, by the hosts and by the client.
    const h1 = c.hosts.find((h) => h.id === 'h1')!;
    expect(h1.log.some((l) => l.includes('NATS connection lost'))).toBe(true);
    expect(h1.log.some((l) => l.includes('NATS reconnected'))).toBe(true);
    expect(clientLog.some((l) => l.includes('NATS reconnected'))).toBe(true);

    await c.client.kill(run.pid, 'TERM');
    expect(await run.exit).toBe(143);
  }, 60_000);
});

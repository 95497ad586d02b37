import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';

/** Every process reconnects this often (as in natsOutage.test.ts). */
const RECONNECT_MS = 100;
/** Long enough for the counter to make dozens of calls while NATS is away. */
const OUTAGE_MS = 3000;
/** Ms between the counter's lines. */
const LINE_MS = 50;

let nats: NatsServerHandle;
let c: LocalCluster;

beforeAll(async () => {
  nats = await startNatsServer();
  // A lease far longer than the outage: the running host keeps its processes running through it
  // (a lapsed lease suspends them; that is natsOutage.test.ts's and hostLease's business).
  c = await startLocalCluster({ url: nats.url, hosts: 2, reconnectWaitMs: RECONNECT_MS, hostLeaseMs: 30_000, readyTimeoutMs: 45_000 });
}, 90_000);

afterAll(async () => {
  await c?.stop();
  await nats?.stop();
});

describe('a NATS outage under forwarded console output', () => {
  it('loses no line and prints none twice: the home console has every line of a process running elsewhere, once, in order', async () => {
    const home = c.hosts.find((h) => h.id === 'h1')!;
    const run = await c.client.run('counter', ['100000', String(LINE_MS)], { home: 'h1', on: 'h2' });
    expect(run.host).toBe('h2');
    // The home's console: its stdout, no NATS between the home and it.
    const prefix = `[${run.pid}] count `;
    const printed = () => home.output.filter((l) => l.startsWith(prefix)).map((l) => Number(l.slice(prefix.length)));
    await expect.poll(() => printed().length, { timeout: 10_000 }).toBeGreaterThan(5);

    await nats.interrupt();
    const cut = printed().length;
    // The outage itself: this is the fault, not a wait for something to happen.
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await nats.restart();

    // What the counter wrote during the outage arrives, then more.
    await expect.poll(() => printed().length, { timeout: 20_000 }).toBeGreaterThan(cut + OUTAGE_MS / LINE_MS + 10);
    await c.client.kill(run.pid, 'TERM');
    expect(await run.exit).toBe(143);
    const seen = printed();
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
  }, 90_000);
});

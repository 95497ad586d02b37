import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, startLocalCluster, type LocalCluster } from '@wisp/cli';
import { ErrorCode, decode, encode, replyBoot, subjects, unwrapReply } from '@wisp/protocol';
import { ProcessDirectory } from '@wisp/runtime';

/** Each host's lease on its id, ms: short, so a replacement after kill -9 starts soon. */
const LEASE_MS = 1500;

let c: LocalCluster;

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 2, hostLeaseMs: LEASE_MS, readyTimeoutMs: 45_000 });
}, 90_000);

afterAll(async () => {
  await c?.stop();
});

/** A raw request to a host verb: the decoded reply envelope. */
async function ask(host: string, verb: string, body: unknown = {}): Promise<unknown> {
  const m = await c.client.nc.request(subjects(c.cluster).host(host, verb), encode(body), { timeout: 5000 });
  return decode(m.data);
}

/** Starts a sleeper on `host` and waits for its directory record: the boot of the run that runs it. */
async function bootInDirectory(host: string): Promise<string | undefined> {
  const run = await c.client.run('sleeper', ['600000'], { home: 'h1', on: host });
  const dir = await ProcessDirectory.open(c.client.nc, c.cluster);
  await expect.poll(async () => (await dir.get(run.pid)).entry?.host, { timeout: 10_000 }).toBe(host);
  return (await dir.get(run.pid)).entry?.boot;
}

describe('boot ids: every host answer carries the run that answered', () => {
  it('answers — ok and refused — carry the host’s boot, the one its directory records name; a restart changes it', async () => {
    const ok = await ask('h2', 'ps');
    const boot = replyBoot(ok);
    expect(boot).toMatch(/^[0-9a-f]{12}$/);
    expect(unwrapReply(ok)).toHaveProperty('procs');
    // A refusal at the edge carries it too.
    const refused = await ask('h2', 'nosuchverb');
    expect(() => unwrapReply(refused)).toThrow(expect.objectContaining({ code: ErrorCode.EINVAL }));
    expect(replyBoot(refused)).toBe(boot);
    // The process directory names the same run (and the lease, whose boot the host took).
    expect(await bootInDirectory('h2')).toBe(boot);
    // Other hosts answer with their own.
    const h1 = replyBoot(await ask('h1', 'ps'));
    expect(h1).toMatch(/^[0-9a-f]{12}$/);
    expect(h1).not.toBe(boot);

    await c.killHost('h2');
    const h2 = startHostProcess({ id: 'h2', url: c.url, cluster: c.cluster, hostLeaseMs: LEASE_MS });
    c.hosts.push(h2);
    await expect.poll(async () => (await c.client.hosts()).find((h) => h.id === 'h2')?.osPid, { timeout: 30_000, interval: 200 }).toBe(h2.child.pid);
    const again = replyBoot(await ask('h2', 'ps'));
    expect(again).toMatch(/^[0-9a-f]{12}$/);
    expect(again).not.toBe(boot);
    expect(await bootInDirectory('h2')).toBe(again);
    // h1 did not restart: same boot.
    expect(replyBoot(await ask('h1', 'ps'))).toBe(h1);
  }, 60_000);
});

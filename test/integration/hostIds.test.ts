import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, startLocalCluster, type HostProcess, type LocalCluster } from '@wisp/cli';
import { hostsCommand } from '../../apps/cli/src/commands/hosts.js';
import { psCommand } from '../../apps/cli/src/commands/ps.js';
import { ErrorCode, type WispError } from '@wisp/protocol';
import { PID_BLOCK } from '@wisp/runtime';
import { runToEnd } from './runProgram.js';

/** Each host's lease on its id, ms: short, so a replacement after kill -9 starts soon. */
const LEASE_MS = 1500;

let c: LocalCluster;

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 2, hostLeaseMs: LEASE_MS, readyTimeoutMs: 45_000 });
}, 90_000);

afterAll(async () => {
  await c?.stop();
});

const exitOf = (p: HostProcess) => new Promise<number | null>((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once('exit', (code) => r(code))));
const pidNumber = (pid: string) => Number(pid.slice(pid.indexOf('-') + 1));

describe('host ids', () => {
  it('a second host with a taken id is refused with a clear error, and the first keeps serving', async () => {
    const h2 = (await c.client.hosts()).find((h) => h.id === 'h2')!;
    const dup = startHostProcess({ id: 'h2', url: c.url, cluster: c.cluster, hostLeaseMs: LEASE_MS });
    expect(await exitOf(dup)).toBe(1);
    expect(dup.log.join('\n')).toMatch(/host h2 is already running \(boot [0-9a-f]{12}.*\(EEXIST\)/);

    const hosts = await c.client.hosts();
    expect(hosts.map((h) => h.id)).toEqual(['h1', 'h2']);
    expect(hosts.find((h) => h.id === 'h2')!.osPid).toBe(h2.osPid);
    // Every line once: only one h2 runs it.
    const r = await runToEnd(c.client, 'counter', ['3', '10'], { home: 'h1', on: 'h2' });
    expect(r.stdout).toBe('count 1\ncount 2\ncount 3\n');
  }, 60_000);

  it('a host killed with -9 is replaced under the same id once its lease lapses, and the new one reuses no pid', async () => {
    const old = await c.client.run('sleeper', ['600000'], { home: 'h1', on: 'h2' });
    const doomed = await c.client.run('sleeper', ['600000'], { home: 'h1', on: 'h2' });
    const oldPids = (await c.client.ps()).filter((p) => p.home === 'h1').map((p) => p.pid);
    expect(oldPids).toContain(old.pid);

    await c.killHost('h1');
    // Its home is down (once the server has seen its connection close, nobody answers for it), the
    // host running it up: the directory's record leads the kill there.
    await expect.poll(() => c.client.request('h1', 'ps', {}, 1000).then(() => 'up', (e: WispError) => e.code), { timeout: 10_000 }).toBe(ErrorCode.EHOSTUNREACH);
    await c.client.kill(doomed.pid, 'KILL');
    await expect.poll(async () => (await c.client.ps()).find((p) => p.pid === doomed.pid && p.state !== 'exited'), { timeout: 10_000 }).toBeUndefined();
    const h1 = startHostProcess({ id: 'h1', url: c.url, cluster: c.cluster, hostLeaseMs: LEASE_MS });
    c.hosts.push(h1);
    await expect.poll(async () => (await c.client.hosts()).find((h) => h.id === 'h1')?.osPid, { timeout: 30_000, interval: 200 }).toBe(h1.child.pid);
    expect(h1.child.exitCode).toBeNull();

    // The old h1's process still runs on h2; the new h1's pids come from a block the old run never had.
    const r = await runToEnd(c.client, 'counter', ['1', '1'], { home: 'h1' });
    expect(oldPids).not.toContain(r.pid);
    expect(pidNumber(r.pid)).toBeGreaterThan(PID_BLOCK);
    expect((await c.client.ps()).find((p) => p.pid === old.pid)).toMatchObject({ host: 'h2' });
    await c.client.request('h2', 'kill', { pid: old.pid, signal: 'KILL' }).catch(() => undefined);
  }, 60_000);

  it('a host that does not answer in time (SIGSTOPped) is listed as slow, not dropped, and the commands return', async () => {
    const h2 = c.hosts.find((h) => h.id === 'h2' && h.child.exitCode === null)!;
    const run = await c.client.run('sleeper', ['600000'], { home: 'h2' });
    h2.child.kill('SIGSTOP');
    try {
      // Asked within its lease (renewed every LEASE_MS / 3): it holds one, so it is waited for.
      const t0 = Date.now();
      const [hosts, ps] = await Promise.all([hostsCommand(c.client), psCommand(c.client)]);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(hosts).toMatch(/^h1 /m);
      expect(hosts).toContain('h2 slow: holds its lease but did not answer within 5 s');
      expect(ps).toContain('processes on h2 are not listed');
      expect(ps).not.toContain(run.pid);
    } finally {
      h2.child.kill('SIGCONT');
    }
    // Awake again, it takes its lapsed lease back and is listed with its process.
    await expect.poll(async () => (await c.client.hosts()).map((h) => h.id), { timeout: 20_000, interval: 200 }).toEqual(['h1', 'h2']);
    expect((await c.client.ps()).find((p) => p.pid === run.pid)).toMatchObject({ host: 'h2' });
    await c.client.kill(run.pid, 'KILL');
  }, 60_000);

  it('a host paused past its lease suspends its processes as it wakes, and runs them on once the directory says they are still its own: every line once, in order', async () => {
    const h2 = c.hosts.find((h) => h.id === 'h2' && h.child.exitCode === null)!;
    let out = '';
    const run = await c.client.run('counter', ['60', '40'], { home: 'h1', on: 'h2', onOutput: (m) => (out += m.data) });
    await expect.poll(() => out.split('\n').length, { timeout: 10_000 }).toBeGreaterThan(5);
    const logged = h2.log.length;
    h2.child.kill('SIGSTOP');
    // The fault itself: paused for twice its lease.
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    h2.child.kill('SIGCONT');
    expect(await run.exit).toBe(0);
    expect(out).toBe(Array.from({ length: 60 }, (_, i) => `count ${i + 1}\n`).join(''));
    const after = h2.log.slice(logged).join('\n');
    expect(after).toContain('host lease lapsed');
    expect(after).toContain('host lease held again');
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, startMigdProcess, waitForMigd, type HostProcess, type LocalCluster } from '@wisp/cli';
import { MigdClient, type Reclaim } from '@wisp/migd';
import { ErrorCode, OwnerInputReply, decode, encode, unwrapReply } from '@wisp/protocol';
import { runToEnd } from './runProgram.js';

const CLUSTER = 'migdtest';
const IDLE_MS = 300;
let c: LocalCluster;
let migd: HostProcess;

beforeAll(async () => {
  // Three hosts, a file server and migd, each its own OS process, on a real nats-server.
  c = await startLocalCluster({ hosts: 3, cluster: CLUSTER, migd: { idleMs: IDLE_MS }, reportMs: 50 });
  migd = c.migd!;
}, 60_000);

afterAll(async () => {
  if (migd !== c?.migd) migd.child.kill('SIGTERM');
  await c?.stop();
});

const client = (requester: string, timeoutMs?: number) => new MigdClient(c.client.nc, requester, { cluster: CLUSTER, timeoutMs });

/** Waits until migd counts `n` hosts available (idle, unloaded, not granted). */
async function availableHosts(n: number): Promise<void> {
  const m = client('probe');
  await expect.poll(async () => (await m.status()).hosts.filter((h) => h.available).length, { timeout: 10_000, interval: 50 }).toBe(n);
}

/** A keystroke on `host`, as `wisp input` sends it. */
async function ownerInput(host: string): Promise<void> {
  const m = await c.client.nc.request(c.client.subjects.ownerInput(host), encode({ source: 'test' }), { timeout: 2000 });
  expect(OwnerInputReply.parse(unwrapReply(decode(m.data))).host).toBe(host);
  // The host reports the input to migd after answering (its report asks itself `ps` first): wait for migd to know.
  await expect.poll(async () => (await client('probe').status()).hosts.find((h) => h.host === host)?.ownerIdle, { timeout: 5000, interval: 20 }).toBe(false);
}

/** The next reclaim of one of `m`'s hosts. */
function nextReclaim(m: MigdClient, timeoutMs = 10_000): Promise<Reclaim> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reclaim for ${m.requester} in ${timeoutMs} ms`)), timeoutMs);
    const sub = m.reclaims$().subscribe((r) => {
      clearTimeout(t);
      sub.unsubscribe();
      resolve(r);
    });
  });
}

function killMigd(): Promise<void> {
  return new Promise((resolve) => {
    migd.child.once('exit', () => resolve());
    migd.child.kill('SIGKILL');
  });
}

describe('migd with hosts as OS processes', () => {
  it('sees every host report idle time, load and foreign processes', async () => {
    await availableHosts(3);
    const st = await client('probe').status();
    expect(st.hosts.map((h) => h.host)).toEqual(['h1', 'h2', 'h3']);
    for (const h of st.hosts) expect(h).toMatchObject({ ownerIdle: true, load: 0, foreign: [], grantedTo: null });
    expect(st.config.idleAfterMs).toBe(IDLE_MS);
    // A foreign process shows up in its host's report.
    const run = await c.client.run('sleeper', ['60000'], { home: 'h1', on: 'h3' });
    await expect.poll(async () => (await client('probe').status()).hosts.find((h) => h.host === 'h3')!.foreign, { timeout: 5000, interval: 50 }).toEqual([run.pid]);
    await c.client.kill(run.pid, 'KILL');
    await run.exit;
    await availableHosts(3);
  });

  it('grants longest-idle first, releases, and reclaims a host when its owner returns', async () => {
    await ownerInput('h2');
    // h2 is active now: the two granted are the others.
    const a = client('a');
    const r = await a.request(2);
    expect(r.granted.sort()).toEqual(['h1', 'h3']);
    const reclaimed = nextReclaim(a);
    await c.client.nc.flush();
    expect(await a.release(['h1'])).toEqual(['h1']);
    await ownerInput('h3');
    expect(await reclaimed).toEqual({ host: 'h3', holder: 'a', reason: 'owner' });
    const st = await a.status();
    expect(st.hosts.find((h) => h.host === 'h3')).toMatchObject({ ownerIdle: false, grantedTo: null });
    await availableHosts(3);
  });

  it('keeps two concurrent requesters fair', async () => {
    const a = client('fair-a');
    const b = client('fair-b');
    expect((await a.request(3)).granted).toHaveLength(3);
    const lost = nextReclaim(a);
    await c.client.nc.flush();
    const got = await b.request(3);
    // a held three and b none: one moves to b (then they are within one of each other).
    expect(got.granted).toHaveLength(1);
    expect(await lost).toEqual({ host: got.granted[0], holder: 'fair-a', reason: 'fairness', to: 'fair-b' });
    expect((await a.renew(['h1', 'h2', 'h3'])).held).toHaveLength(2);
    expect((await a.request(1)).granted).toEqual([]);
    await a.release(['h1', 'h2', 'h3']);
    await b.release(got.granted);
    await availableHosts(3);
  });

  it('answers bad input with an error code and keeps serving', async () => {
    const reply = await c.client.nc.request(c.client.subjects.migd('request'), encode({ requester: 'x', n: -1 }), { timeout: 2000 });
    expect(() => unwrapReply(decode(reply.data))).toThrow(expect.objectContaining({ code: ErrorCode.EINVAL }));
    const garbage = await c.client.nc.request(c.client.subjects.migd('status'), new TextEncoder().encode('{nope'), { timeout: 2000 });
    expect(() => unwrapReply(decode(garbage.data))).toThrow(expect.objectContaining({ code: ErrorCode.EPROTO }));
    expect((await client('probe').status()).hosts).toHaveLength(3);
  });

  it('sys.spawn anywhere places the child on an idle host migd grants, and gives the host back when it exits', async () => {
    await availableHosts(3);
    const r = await runToEnd(c.client, 'parent', ['anywhere', '4'], { home: 'h1' });
    expect(r.code).toBe(4);
    const on = /child on (h\d)/.exec(r.stdout)?.[1];
    // Not the home: the home is excluded from the request (the child would run there anyway).
    expect(['h2', 'h3']).toContain(on);
    expect(r.stdout).toContain('child exited 4');
    // The child's exit released the grant.
    await availableHosts(3);
  });

  it('unreachable migd is a quick, clear error; a restarted migd rebuilds its view and re-adopts grants', async () => {
    const a = client('keeper');
    const held = (await a.request(1)).granted;
    expect(held).toHaveLength(1);
    await killMigd();
    const t0 = performance.now();
    await expect(a.request(1)).rejects.toMatchObject({ code: ErrorCode.EHOSTUNREACH, message: expect.stringContaining('migd is not running') });
    expect(performance.now() - t0).toBeLessThan(1000);
    // With migd gone, an anywhere spawn runs its child at home.
    const local = await runToEnd(c.client, 'parent', ['anywhere', '2'], { home: 'h2' });
    expect(local).toMatchObject({ code: 2 });
    expect(local.stdout).toContain('child on h2');
    migd = startMigdProcess({ url: c.url, cluster: CLUSTER, idleMs: IDLE_MS });
    await waitForMigd(c.client, migd);
    // The new migd knows nothing until the hosts' next reports.
    await expect.poll(async () => (await a.status()).hosts.length, { timeout: 5000, interval: 50 }).toBe(3);
    expect((await a.renew(held)).held).toEqual(held);
    const st = await a.status();
    expect(st.hosts.find((h) => h.host === held[0])!.grantedTo).toBe('keeper');
    await a.release(held);
  });
});

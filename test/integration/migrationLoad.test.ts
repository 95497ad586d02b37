import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsCommand, startLocalCluster, type LocalCluster } from '@wisp/cli';
import { clusterEvents, type ClusterEvent, type WispClient } from '@wisp/runtime';
import { ErrorCode, type MigrationRecord, type Strategy } from '@wisp/protocol';
import { runToEnd } from './runProgram.js';

/**
 * Issue 4, integration under load: `life` with a 64 MiB address space, an open file, a pending
 * timer and a peer sending it 10 000 numbered messages migrates between hosts that are separate
 * OS processes (real nats-server, file server fs1 its own process); a target killed mid-transfer
 * leaves the process running on its source; a lazy source can be stopped once its pages are pulled.
 *
 * h1 is every process's home (no clock skew, so its clock is this process's clock); h2 and h3
 * have skewed clocks, so a timer carried as anything but time left would fire at the wrong time;
 * h4 runs the peers; h5 is the target killed mid-transfer; h6 is the lazy source that is stopped.
 */

const PROGRAMS = fileURLToPath(new URL('./programs/lifeLoad.ts', import.meta.url));
/** Two grids of 5792² bytes: 64 MiB of address space (16 381 pages of 4 KiB). */
const SIDE = 5792;
const PAGES = Math.ceil((2 * SIDE * SIDE) / 4096);
const MESSAGES = 10_000;
const GENERATIONS = 6;
/** Sleep between generations (a blocking call in flight at some freezes). */
const REST_MS = 200;
/** Grid rows per transition. */
const CHUNK_ROWS = 8;
/** How late the alarm may go off: it waits behind at most a chunk, a sleep, a freeze. */
const ALARM_SLACK_MS = 2500;
/** The moves start once the peer has sent this many (it prints its count every 1000). */
const MOVE_AT = [2000, 5000, 8000];
/**
 * The alarm's delay: after the last move (8000 messages in) on this machine, by a margin. Flush
 * is the slowest to get there (each move's target faults its 64 MiB back in): 11–15 s, once 21 s.
 */
const ALARM_MS = 26_000;
/** The alarm's delay where only one early event must come before it (an abort at ~10 s, a lazy source stopped at ~12 s). */
const SHORT_ALARM_MS = 18_000;

let c: LocalCluster;
/** `gen N checksum C` lines of an unmoved `life` run of the same size. */
let reference: string[];

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 6, cluster: 'migload', programs: [PROGRAMS], skewMs: { h2: 3_600_000, h3: 1_800_000 } });
  const ref = await runToEnd(c.client, 'life', [String(SIDE), String(GENERATIONS), '0'], { home: 'h1' });
  expect(ref.code).toBe(0);
  reference = ref.stdout.split('\n').filter(Boolean);
}, 90_000);

afterAll(async () => {
  await c?.stop();
});

/** A running program whose console lines are kept, with a way to wait for one. */
interface Watched {
  pid: string;
  lines: string[];
  stderr(): string;
  exit: Promise<number>;
  /** Resolves with the first line (already printed or to come) that `pred` accepts. */
  line(pred: (l: string) => boolean, timeoutMs?: number): Promise<string>;
}

async function watch(client: WispClient, program: string, args: (string | number)[], o: { home: string; on?: string }): Promise<Watched> {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let err = '';
  let ended = false;
  const run = await client.run(program, args.map(String), {
    ...o,
    onOutput: (m) => {
      if (m.fd === 2) err += m.data;
      else {
        const parts = (partial + m.data).split('\n');
        partial = parts.pop()!;
        lines.push(...parts);
      }
      for (const w of [...waiters]) w();
    },
  });
  const exit = run.exit.then((code) => {
    ended = true;
    for (const w of [...waiters]) w();
    return code;
  });
  return {
    pid: run.pid,
    lines,
    exit,
    stderr: () => err,
    line: (pred, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit !== undefined || ended) {
            clearTimeout(t);
            waiters.delete(check);
            if (hit !== undefined) resolve(hit);
            else reject(new Error(`${program} ${run.pid} ended without the line; stdout:\n${lines.join('\n')}\nstderr: ${err}`));
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${program} ${run.pid}: no such line in ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr: ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** The first cluster event `pred` accepts, from now on. */
function nextEvent(pred: (e: ClusterEvent) => boolean, timeoutMs = 60_000): Promise<ClusterEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no such cluster event in ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = clusterEvents(c.client.nc, c.cluster).subscribe((e) => {
      if (!pred(e)) return;
      clearTimeout(t);
      sub.unsubscribe();
      resolve(e);
    });
  });
}

/**
 * `migrate`, asked again while the host refuses with EBUSY (the process is bringing pages in:
 * a migration starts only at a safe point outside a fault).
 */
async function migrate(pid: string, to: string, strategy: Strategy): Promise<MigrationRecord> {
  for (let tries = 0; ; tries++) {
    try {
      return await c.client.migrate(pid, to, strategy);
    } catch (err) {
      if ((err as { code?: string }).code !== ErrorCode.EBUSY || tries >= 400) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const genLines = (lines: string[]) => lines.filter((l) => l.startsWith('gen '));
const sentCount = (peer: Watched) => Math.max(0, ...peer.lines.map((l) => /^sent (\d+)$/.exec(l)).map((m) => (m ? Number(m[1]) : 0)));

/**
 * The end of a lifeload run: exit 0, nothing on stderr, the reference checksums on the console
 * and in its file, every message once and in order, the alarm on time by the home clock.
 */
async function expectComplete(load: Watched, peer: Watched, path: string, messages: number, alarmMs: number): Promise<{ alarmAt: number }> {
  expect(await peer.exit, peer.stderr()).toBe(0);
  expect(peer.lines.at(-1)).toBe(`sent ${messages}`);
  expect(await load.exit, load.stderr()).toBe(0);
  expect(load.stderr()).toBe('');
  const gens = genLines(load.lines);
  expect(gens).toEqual(reference.slice(0, GENERATIONS));
  expect(load.lines).toContain(`messages: got ${messages} in order`);
  // The file was written once per generation wherever the process ran: offsets exact.
  expect(await fsCommand(c.client, '/=fs1', c.cluster, ['cat', path])).toBe(`${gens.join('\n')}\n`);
  const alarm = load.lines.map((l) => /^alarm: armed at (\d+) for (\d+) ms, went off at (\d+)$/.exec(l)).find(Boolean);
  expect(alarm, load.lines.join('\n')).toBeTruthy();
  const [t0, due, t1] = alarm!.slice(1).map(Number) as [number, number, number];
  expect(due).toBe(alarmMs);
  expect(t1 - t0).toBeGreaterThanOrEqual(alarmMs);
  expect(t1 - t0).toBeLessThan(alarmMs + ALARM_SLACK_MS);
  return { alarmAt: t1 };
}

describe('life at 64 MiB under load, hosts as OS processes', () => {
  it.each(['flush', 'copy', 'precopy', 'lazy'] as Strategy[])(
    '%s: h1 → h2 → h3 → h1 while a peer sends 10 000 messages; checksums, file, timer and messages as if it never moved',
    async (strategy) => {
      expect(reference).toHaveLength(GENERATIONS);
      const path = `/load-${strategy}.sums`;
      const load = await watch(c.client, 'lifeload', [SIDE, GENERATIONS, REST_MS, path, MESSAGES, ALARM_MS, CHUNK_ROWS], { home: 'h1' });
      const peer = await watch(c.client, 'numsend', [load.pid, MESSAGES], { home: 'h4' });
      let at = 'h1';
      let lastMoveAt = 0;
      let gensAtLastMove = 0;
      const started = Date.now();
      const log: string[] = [];
      // Both grids are in memory once the first generation is out: every move carries 64 MiB.
      await load.line((l) => l.startsWith('gen 1 '));
      for (const [i, to] of (['h2', 'h3', 'h1'] as const).entries()) {
        await peer.line((l) => l === `sent ${MOVE_AT[i]}`);
        // Messages are flowing: the peer has not finished.
        expect(sentCount(peer)).toBeLessThan(MESSAGES);
        const rec = await migrate(load.pid, to, strategy);
        expect(rec).toMatchObject({ pid: load.pid, from: at, to, strategy, outcome: 'committed', streams: 1 });
        // Every page goes (precopy: some more than once).
        if (strategy === 'copy') expect(rec.pages).toBe(PAGES);
        if (strategy === 'precopy') expect(rec.pages).toBeGreaterThanOrEqual(PAGES);
        if (strategy === 'flush') expect(rec.residual).toEqual([]);
        if (strategy === 'lazy') expect(rec).toMatchObject({ bytes: 0, residual: [at] });
        log.push(`${at}→${to} at ${((Date.now() - started) / 1000).toFixed(1)} s: freeze ${rec.freezeMs} ms, total ${rec.totalMs} ms, ${rec.pages} pages`);
        at = to;
        lastMoveAt = Date.now();
        gensAtLastMove = genLines(load.lines).length;
      }
      // It still had generations to compute back home.
      expect(gensAtLastMove).toBeLessThan(GENERATIONS);
      const { alarmAt } = await expectComplete(load, peer, path, MESSAGES, ALARM_MS);
      console.log(`${strategy}: ${log.join('; ')}; alarm at ${((alarmAt - started) / 1000).toFixed(1)} s; done at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // The timer was pending through all three moves (h1's clock is ours).
      expect(alarmAt).toBeGreaterThan(lastMoveAt);
    },
    120_000,
  );

  it('the target killed mid-transfer (SIGKILL of its OS process): the process goes on on its source, nothing lost', async () => {
    const path = '/load-killed-target.sums';
    const load = await watch(c.client, 'lifeload', [SIDE, GENERATIONS, REST_MS, path, MESSAGES, SHORT_ALARM_MS, CHUNK_ROWS], { home: 'h1' });
    const peer = await watch(c.client, 'numsend', [load.pid, MESSAGES], { home: 'h4' });
    await load.line((l) => l.startsWith('gen 1 '));
    await peer.line((l) => l === `sent ${MOVE_AT[0]}`);
    // `copy` sends 64 MiB of pages during the freeze: h5 dies while taking them.
    const receiving = nextEvent((e) => e.kind === 'proc.receiving' && e.data.pid === load.pid);
    const sentBefore = sentCount(peer);
    const migrating = c.client.migrate(load.pid, 'h5', 'copy');
    expect((await receiving).host).toBe('h5');
    await c.killHost('h5');
    const rec = await migrating;
    const abortedAt = Date.now();
    expect(rec).toMatchObject({ pid: load.pid, from: 'h1', to: 'h5', strategy: 'copy', outcome: 'aborted' });
    expect(rec.error, JSON.stringify(rec)).toBeDefined();
    expect(rec.pages).toBeGreaterThan(0);
    const sentDuring = sentCount(peer) - sentBefore;
    // It is still running at h1 (not frozen), with generations to go.
    const ps = await c.client.ps();
    expect(ps.find((p) => p.pid === load.pid)).toMatchObject({ host: 'h1' });
    expect(ps.find((p) => p.pid === load.pid)?.state).not.toBe('migrating');
    expect(genLines(load.lines).length).toBeLessThan(GENERATIONS);
    const { alarmAt } = await expectComplete(load, peer, path, MESSAGES, SHORT_ALARM_MS);
    expect(alarmAt).toBeGreaterThan(abortedAt);
    console.log(
      `killed target: ${rec.error?.code} ${rec.error?.message}; freeze ${rec.freezeMs} ms, total ${rec.totalMs} ms, ${rec.pages} pages sent; the peer sent about ${sentDuring} messages meanwhile`,
    );
  }, 120_000);

  it('after a lazy move and its background pull, the source (not the home) can be stopped: the process lives on', async () => {
    const path = '/load-lazy-source-stopped.sums';
    const load = await watch(c.client, 'lifeload', [SIDE, GENERATIONS, REST_MS, path, MESSAGES, SHORT_ALARM_MS, CHUNK_ROWS], { home: 'h1' });
    const peer = await watch(c.client, 'numsend', [load.pid, MESSAGES], { home: 'h4' });
    await load.line((l) => l.startsWith('gen 1 '));
    await peer.line((l) => l === `sent ${MOVE_AT[0]}`);
    // Home h1 → h6 (copy: every page arrives dirty, so all of them are owed after the lazy move).
    expect(await migrate(load.pid, 'h6', 'copy')).toMatchObject({ from: 'h1', to: 'h6', outcome: 'committed' });
    const onH6 = genLines(load.lines).length;
    // It computes a generation on h6, then moves lazily to h3 with messages still coming.
    await load.line((l) => l.startsWith(`gen ${onH6 + 1} `));
    await peer.line((l) => l === `sent ${MOVE_AT[1]}`);
    const pulled = nextEvent((e) => e.kind === 'proc.residual' && e.data.pid === load.pid && e.host === 'h3' && (e.data.residual as unknown[]).length === 0);
    const rec = await migrate(load.pid, 'h3', 'lazy');
    expect(rec).toMatchObject({ from: 'h6', to: 'h3', strategy: 'lazy', outcome: 'committed', bytes: 0, residual: ['h6'] });
    await pulled;
    const row = (await c.client.ps()).find((p) => p.pid === load.pid);
    expect(row).toMatchObject({ host: 'h3' });
    expect(row?.residual).toBeUndefined();
    // The source goes away for good.
    await c.killHost('h6');
    const stoppedAt = Date.now();
    expect((await c.client.hosts()).map((h) => h.id)).not.toContain('h6');
    expect(sentCount(peer)).toBeLessThan(MESSAGES);
    expect(genLines(load.lines).length).toBeLessThan(GENERATIONS);
    const { alarmAt } = await expectComplete(load, peer, path, MESSAGES, SHORT_ALARM_MS);
    expect(alarmAt).toBeGreaterThan(stoppedAt);
  }, 120_000);
});

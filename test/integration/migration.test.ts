import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evictCommand, inputCommand, startLocalCluster, type LocalCluster } from '@wisp/cli';
import { clusterEvents, type ClusterEvent } from '@wisp/runtime';
import type { Strategy } from '@wisp/protocol';
import { runToEnd, startLines } from './runProgram.js';

/**
 * Migration between hosts that are separate OS processes, over a real nats-server, with the
 * file server (backing files) its own process.
 */
const SIDE = '256'; // two 64 KiB grids: 32 pages
const GENERATIONS = 24;

let c: LocalCluster;
let reference: string;

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 3, cluster: 'migration' });
  reference = (await runToEnd(c.client, 'life', [SIDE, String(GENERATIONS), '0'], { home: 'h1' })).stdout;
}, 60_000);

afterAll(async () => {
  await c?.stop();
});

describe('life migrating h1 → h2 → h3 → h1 (hosts are OS processes)', () => {
  it.each(['flush', 'copy', 'precopy', 'lazy'] as Strategy[])('%s: the checksums go on as if it never moved', async (strategy) => {
    expect(reference.split('\n').filter(Boolean)).toHaveLength(GENERATIONS);
    const run = await startLines(c.client, 'life', [SIDE, String(GENERATIONS), '40'], { home: 'h1' });
    const lines: string[] = [];
    let at = 'h1';
    for (const to of ['h2', 'h3', 'h1']) {
      // Two generations, then move.
      lines.push(await run.next(), await run.next());
      const rec = await c.client.migrate(run.pid, to, strategy);
      expect(rec).toMatchObject({ pid: run.pid, from: at, to, strategy, outcome: 'committed' });
      if (strategy === 'copy' || strategy === 'precopy') expect(rec.pages).toBeGreaterThanOrEqual(32);
      at = to;
    }
    for (let i = lines.length; i < GENERATIONS; i++) lines.push(await run.next());
    expect(await run.exit).toBe(0);
    expect(`${lines.join('\n')}\n`).toBe(reference);
  }, 60_000);

  it('wisp evict sends every foreign process home; they finish there', async () => {
    const a = await startLines(c.client, 'life', [SIDE, '6', '300'], { home: 'h1', on: 'h3' });
    const b = await startLines(c.client, 'life', [SIDE, '6', '300'], { home: 'h2', on: 'h3' });
    await Promise.all([a.next(), b.next()]);
    expect(await evictCommand(c.client, 'h3')).toMatch(new RegExp(`^h3: evicted 2 \\((${a.pid} ${b.pid}|${b.pid} ${a.pid})\\) in \\d+(\\.\\d+)? ms\\n$`));
    const ps = await c.client.ps();
    expect(ps.find((p) => p.pid === a.pid)?.host).toBe('h1');
    expect(ps.find((p) => p.pid === b.pid)?.host).toBe('h2');
    const rest = async (r: typeof a) => {
      const lines: string[] = [];
      for (let i = 1; i < 6; i++) lines.push(await r.next());
      return lines;
    };
    const [ra, rb] = await Promise.all([rest(a), rest(b)]);
    expect(ra).toEqual(reference.split('\n').slice(1, 6));
    expect(rb).toEqual(reference.split('\n').slice(1, 6));
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
  }, 30_000);

  it('owner input on a host (wisp input) evicts its foreign processes; the time it took is an event', async () => {
    const a = await startLines(c.client, 'life', [SIDE, '4', '300'], { home: 'h1', on: 'h2' });
    await a.next();
    const evicted = new Promise<ClusterEvent>((resolve) => {
      const sub = clusterEvents(c.client.nc, c.cluster).subscribe((e) => {
        if (e.kind !== 'host.evicted' || e.host !== 'h2') return;
        sub.unsubscribe();
        resolve(e);
      });
    });
    expect(await inputCommand(c.client, 'h2')).toMatch(/^h2: owner input/);
    const e = await evicted;
    expect(e.data).toMatchObject({ moved: [a.pid], stayed: [] });
    expect(typeof e.data.ms).toBe('number');
    for (let i = 1; i < 4; i++) expect(await a.next()).toBe(reference.split('\n')[i]);
    expect(await a.exit).toBe(0);
  }, 30_000);

  it('a process refused by its target (no such host) keeps running where it was', async () => {
    const run = await startLines(c.client, 'life', [SIDE, '4', '1000'], { home: 'h2' });
    await run.next();
    const rec = await c.client.migrate(run.pid, 'h9');
    expect(rec.outcome).toBe('aborted');
    expect(rec.error?.code).toBe('EHOSTUNREACH');
    const ps = await c.client.ps();
    expect(ps.find((p) => p.pid === run.pid)).toMatchObject({ host: 'h2' });
    for (let i = 1; i < 4; i++) await run.next();
    expect(await run.exit).toBe(0);
  }, 30_000);
});

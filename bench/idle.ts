import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { FsClient } from '@wisp/fs';
import { MigdClient } from '@wisp/migd';
import { download, parseMakefile, runPmake, upload, type Makefile } from '@wisp/pmake';
import { evict10, evictionBench, type EvictionFigure } from './evict.js';
import { percentile, round } from './stats.js';

const example = (p: string) => fileURLToPath(new URL(`../apps/pmake/example/${p}`, import.meta.url));
/** Idle threshold of the bench's migd: short, so hosts are idle soon after start. */
const IDLE_MS = 300;
const SELECTS = 50;
/** ROUNDS of the bench's builds: about 20 s sequentially here (the demo's makefile default is longer). */
const BENCH_ROUNDS = 160_000;
/** Target from the issue (Sprite measured 1.55–1.81 on 2 hosts). */
const SPEEDUP_TARGET = 1.6;

/**
 * `pnpm bench idle`: the example project (apps/pmake/example) built by pmake on a cluster of 1
 * host with `-j 1`, then of 2 hosts with `-j 2` (hosts, file server, migd each an OS process),
 * outputs checked identical; the speedup; host select-and-release through migd; and eviction of
 * 1, 10 and 50 foreign processes of 16 MiB (see evict.ts).
 * `WISP_BENCH_ROUNDS` sets cc's rounds (smaller: a quicker, noisier run), `WISP_BENCH_REPEAT` the
 * number of runs of each (best taken).
 */
export async function idleBench(): Promise<Record<string, unknown>> {
  const overrides = { ROOT: '/bench', ROUNDS: process.env.WISP_BENCH_ROUNDS ?? String(BENCH_ROUNDS) };
  const makefile = parseMakefile(readFileSync(example('Makefile'), 'utf8'), overrides);
  process.stdout.write(`bench idle: ${makefile.rules.size} targets, ROUNDS=${makefile.vars.ROUNDS}; each cluster: hosts, file server and migd as OS processes\n`);

  // Both clusters stay up and the builds alternate, best of REPEAT each: other work on this
  // machine then weighs on both alike, and the best run is the least disturbed one.
  const repeat = Number(process.env.WISP_BENCH_REPEAT ?? 3);
  const c1 = await startCluster(1);
  const c2 = await startCluster(2);
  const one: Built[] = [];
  const two: Built[] = [];
  let samples: number[] = [];
  try {
    // A short build first on each: hosts' code warm (JIT), as on a cluster that has been up.
    const warm = parseMakefile(readFileSync(example('Makefile'), 'utf8'), { ...overrides, ROUNDS: '2000' });
    await build(c1, warm, 1);
    await build(c2, warm, 2);
    for (let i = 0; i < repeat; i++) {
      one.push(await build(c1, makefile, 1));
      process.stdout.write(`  pmake -j 1 on 1 host:  ${round(one[i]!.ms / 1000, 2)} s (${one[i]!.hosts})\n`);
      two.push(await build(c2, makefile, 2));
      process.stdout.write(`  pmake -j 2 on 2 hosts: ${round(two[i]!.ms / 1000, 2)} s (${two[i]!.hosts})\n`);
      if (!one[i]!.image.equals(two[i]!.image)) throw new Error('the 2-host build linked a different image than the 1-host build');
    }
    samples = await selectRelease(c2.c);
  } finally {
    for (const { c, fs } of [c1, c2]) {
      await fs.stop();
      await c.stop();
    }
  }
  process.stdout.write(`  eviction (flush, 16 MiB each; hosts and file server as OS processes):\n`);
  const evictions: EvictionFigure[] = await evictionBench();
  const e10 = evict10(evictions);
  const best = (runs: Built[]) => Math.min(...runs.map((r) => r.ms));
  const speedup2 = best(one) / best(two);
  const selectReleaseMs = percentile(samples, 50);
  process.stdout.write(
    `  speedup on 2 hosts:    ${round(speedup2, 2)}x (target ≥ ${SPEEDUP_TARGET}: ${speedup2 >= SPEEDUP_TARGET ? 'met' : 'NOT met'}); best of ${repeat}; outputs identical\n` +
      `  select-and-release:    p50 ${round(selectReleaseMs, 2)} ms, p99 ${round(percentile(samples, 99), 2)} ms (${SELECTS} rounds)\n` +
      e10.line,
  );
  return {
    rounds: Number(makefile.vars.ROUNDS),
    targets: makefile.rules.size,
    repeat,
    pmake1HostMs: Math.round(best(one)),
    pmake2HostsMs: Math.round(best(two)),
    speedup2: round(speedup2, 3),
    speedupTarget: SPEEDUP_TARGET,
    selectReleaseMs: round(selectReleaseMs, 3),
    selectReleaseP99Ms: round(percentile(samples, 99), 3),
    evict10Ms: e10.ms,
    evict10ColdMs: e10.coldMs,
    evictions,
  };
}

interface Built {
  ms: number;
  hosts: string;
  image: Buffer;
}

async function startCluster(hosts: number): Promise<{ c: LocalCluster; fs: FsClient }> {
  const c = await startLocalCluster({ hosts, cluster: `benchidle${hosts}`, migd: { idleMs: IDLE_MS }, reportMs: 250 });
  const fs = await FsClient.start({ nc: c.client.nc, host: 'benchidle', prefixes: '/=fs1', cluster: c.cluster, cache: false });
  await upload(fs, example('src'), '/bench/src');
  return { c, fs };
}

async function build({ c, fs }: { c: LocalCluster; fs: FsClient }, makefile: Makefile, jobs: number): Promise<Built> {
  await waitIdle(new MigdClient(c.client.nc, 'bench-probe', { cluster: c.cluster }), c.hosts.length);
  const r = await runPmake({
    client: c.client,
    makefile,
    jobs,
    home: 'h1',
    requester: `bench-pmake-${jobs}`,
    mkdir: (d) => fs.mkdir(d, { parents: true }),
    log: () => undefined,
    onOutput: () => undefined,
  });
  if (r.code !== 0) throw new Error(`pmake -j ${jobs} failed: ${r.failed} exited ${r.code}`);
  const per = new Map<string, number>();
  for (const j of r.jobs) per.set(j.host, (per.get(j.host) ?? 0) + 1);
  return { ms: r.elapsedMs, hosts: [...per].map(([h, n]) => `${n} jobs on ${h}`).join(', '), image: await download(fs, '/bench/bin/app') };
}

/** Select-and-release: one host from migd and back, as `wisp run --anywhere` does. */
async function selectRelease(c: LocalCluster): Promise<number[]> {
  const m = new MigdClient(c.client.nc, 'bench-select', { cluster: c.cluster });
  await waitIdle(m, c.hosts.length);
  const samples: number[] = [];
  for (let i = 0; i < SELECTS; i++) {
    const t = performance.now();
    const g = await m.request(1);
    if (g.granted.length !== 1) throw new Error(`select ${i}: migd granted ${g.granted.length} hosts`);
    await m.release(g.granted);
    samples.push(performance.now() - t);
  }
  return samples;
}

/** Waits until migd counts `n` hosts available. */
async function waitIdle(m: MigdClient, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await m.status()).hosts.filter((h) => h.available).length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} idle hosts after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

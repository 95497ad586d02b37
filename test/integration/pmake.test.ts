import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { FsClient } from '@wisp/fs';
import { download, parseMakefile, runPmake, type JobEvent, type PmakeOptions } from '@wisp/pmake';

const CLUSTER = 'pmaketest';
const ROOT = '/proj';
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta'];
let c: LocalCluster;
let fs: FsClient;

/** A small project: six sources, each a few hundred ms of cc, and a link. */
const makefile = (rounds: number) => `ROOT = ${ROOT}
ROUNDS = ${rounds}
OBJS = ${NAMES.map((n) => `$(ROOT)/obj/${n}.o`).join(' ')}

$(ROOT)/bin/prog: $(OBJS)
\tlink -o $@ $^
${NAMES.map((n) => `$(ROOT)/obj/${n}.o: $(ROOT)/src/${n}.c\n\tcc $< -o $@ -r $(ROUNDS)\n`).join('')}`;

const OUTPUTS = [...NAMES.map((n) => `${ROOT}/obj/${n}.o`), `${ROOT}/bin/prog`];

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 3, cluster: CLUSTER, migd: { idleMs: 200 }, reportMs: 50 });
  fs = await FsClient.start({ nc: c.client.nc, host: 'pmaketest', prefixes: '/=fs1', cluster: CLUSTER, cache: false });
  await fs.mkdir(`${ROOT}/src`, { parents: true });
  for (const [i, n] of NAMES.entries()) {
    const s = (await fs.open(`${ROOT}/src/${n}.c`, 'w')).stream;
    const body = Array.from({ length: 60 }, (_, k) => `int ${n}_${k}(int x) { return x * ${i + k} + ${k * 7}; }`).join('\n');
    await fs.write(s, new TextEncoder().encode(`/* ${n}.c */\n${body}\n`));
    await fs.close(s);
  }
}, 60_000);

afterAll(async () => {
  await fs?.stop();
  await c?.stop();
});

/** Waits until migd counts every host available (idle, unloaded, not granted). */
async function allIdle(): Promise<void> {
  const { MigdClient } = await import('@wisp/migd');
  const m = new MigdClient(c.client.nc, 'probe', { cluster: CLUSTER });
  await expect.poll(async () => (await m.status()).hosts.filter((h) => h.available).length, { timeout: 10_000, interval: 50 }).toBe(3);
}

async function outputs(): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(OUTPUTS.map(async (p) => [p, await download(fs, p)] as const)));
}

async function build(o: Partial<PmakeOptions> & { jobs: number }, rounds = 12_000) {
  let out = '';
  const lines: string[] = [];
  const r = await runPmake({
    client: c.client,
    makefile: parseMakefile(makefile(rounds)),
    home: 'h1',
    requester: `pmake-${o.jobs}-${Math.random().toString(36).slice(2, 8)}`,
    mkdir: (d) => fs.mkdir(d, { parents: true }),
    log: (l) => lines.push(l),
    onOutput: (_t, _fd, data) => (out += data),
    ...o,
  });
  return { ...r, out, lines };
}

describe('pmake on hosts granted by migd', () => {
  let sequential: Map<string, Buffer>;

  it('a parallel build on three idle hosts is byte-identical to a sequential one', async () => {
    const seq = await build({ jobs: 1, useMigd: false });
    expect(seq.code).toBe(0);
    expect(new Set(seq.jobs.map((j) => j.host))).toEqual(new Set(['h1']));
    expect(seq.out).toBe(`link: ${ROOT}/bin/prog: ${NAMES.length} objects, ${(await download(fs, `${ROOT}/bin/prog`)).length} chars\n`);
    sequential = await outputs();
    for (const p of OUTPUTS) await fs.unlink(p);

    await allIdle();
    const par = await build({ jobs: 3 });
    expect(par.code).toBe(0);
    expect(par.lines[0]).toMatch(/granted hosts (h\d ?){3}/);
    expect(new Set(par.jobs.map((j) => j.host)).size).toBe(3);
    expect(await outputs()).toEqual(sequential);
  });

  it('killing migd mid-build: the rest of the build runs at home and completes', async () => {
    for (const p of OUTPUTS) await fs.unlink(p);
    await allIdle();
    let killed: Promise<void> | null = null;
    const onJob = (e: JobEvent) => {
      if (e.code === undefined || killed) return;
      // The first job to end: migd dies now, with the build under way.
      killed = new Promise((resolve) => {
        c.migd!.child.once('exit', () => resolve());
        c.migd!.child.kill('SIGKILL');
      });
    };
    const r = await build({ jobs: 3, onJob, renewMs: 100 });
    await killed;
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => /migd is not running.*running the rest on the home host h1/.test(l))).toBe(true);
    expect(await outputs()).toEqual(sequential);
    // Without migd a new build asks, hears nobody at once, and runs at home.
    const local = await build({ jobs: 2 });
    expect(local.code).toBe(0);
    expect(new Set(local.jobs.map((j) => j.host))).toEqual(new Set(['h1']));
    expect(local.lines[0]).toMatch(/running the rest on the home host h1/);
  });

  it('stops at the first failure with its exit code', async () => {
    const bad = parseMakefile(`all: /proj/obj/x.o /proj/obj/y.o\n/proj/obj/x.o:\n\tcc /proj/src/missing.c -o $@\n/proj/obj/y.o: /proj/obj/x.o\n\tcc /proj/src/alpha.c -o $@\n`);
    const lines: string[] = [];
    let err = '';
    const r = await runPmake({ client: c.client, makefile: bad, jobs: 2, home: 'h2', useMigd: false, log: (l) => lines.push(l), onOutput: (_t, fd, d) => fd === 2 && (err += d) });
    expect(r.code).toBe(1);
    expect(r.failed).toBe('/proj/obj/x.o');
    expect(r.jobs.map((j) => j.target)).toEqual(['/proj/obj/x.o']);
    expect(err).toContain('cc: /proj/src/missing.c: ENOENT');
    expect(lines).toContain('pmake: *** [/proj/obj/x.o] Error 1');
  });
});

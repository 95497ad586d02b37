import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@wisp/check';
import { fsCommand, startHostProcess, startLocalCluster, type HostProcess, type LocalCluster } from '@wisp/cli';
import type { Strategy } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle, type RunHandle } from '@wisp/runtime';
import { checkScribe, type ScribeHistory } from './history.js';

const PROGRAMS = fileURLToPath(new URL('./programs.ts', import.meta.url));
/** Each host's lease, ms: short, so a paused host outlives it within a round. */
const LEASE_MS = 1500;
/** A scribe's pace: a step (console, file, message) every this many ms. */
const STEP_MS = 20;
/** How long a move may take before the client gives up on its answer (a NATS restart can lose it). */
const MOVE_TIMEOUT_MS = 10_000;
const STRATEGIES: readonly Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];

/** The faults the nemesis picks from, at a random point of a migration. */
export const FAULTS = ['none', 'stopTarget', 'stopSource', 'killTarget', 'killSource', 'killNats'] as const;
export type Fault = (typeof FAULTS)[number];

/** How long, and from which seed. */
export interface NemesisOptions {
  durationMs: number;
  seed: number;
  /** Rounds to play even past `durationMs` (a loaded machine plays fewer per second). */
  minRounds?: number;
  log?: (line: string) => void;
}

/** What a run did and found. */
export interface NemesisReport {
  seed: number;
  rounds: number;
  moves: { committed: number; aborted: number; failed: number };
  faults: Record<Fault, number>;
  lines: { console: number; file: number; messages: number; gaps: number };
  /** Scribes lost with a host that was killed while holding them. */
  lost: number;
  /** Broken rules: empty when every guarantee held. */
  problems: string[];
}

interface Scribe {
  pid: string;
  path: string;
  run: RunHandle;
  tally: RunHandle;
  /** What its console (stdout; stderr apart) and its tally's printed. */
  out: { console: string; stderr: string; tally: string };
  /** Its exit code once it ended (a scribe ends only by a failed call, or when killed at the end). */
  exit?: number;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Migrates `scribe`s again and again between three host processes, under every strategy, while
 * a nemesis, at a random point of each move, SIGSTOPs the target or the source for longer than
 * its lease, kill -9s either (and starts it again under the same id), or kill -9s and restarts
 * nats-server. h1 is every scribe's home and runs its `tally`: it is never faulted (a process
 * dies with its home until homes fail over). Then checks the histories: every console line,
 * file line and message at most once and in order; every scribe either still running on
 * exactly one host or lost only with a host that died holding it.
 */
export async function runNemesis(o: NemesisOptions): Promise<NemesisReport> {
  const rnd = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const log = o.log ?? (() => undefined);
  const report: NemesisReport = {
    seed: o.seed,
    rounds: 0,
    moves: { committed: 0, aborted: 0, failed: 0 },
    faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
    lines: { console: 0, file: 0, messages: 0, gaps: 0 },
    lost: 0,
    problems: [],
  };
  const nats: NatsServerHandle = await startNatsServer();
  let c: LocalCluster | null = null;
  const scribes: Scribe[] = [];
  try {
    c = await startLocalCluster({ url: nats.url, hosts: 3, cluster: 'nemesis', programs: [PROGRAMS], hostLeaseMs: LEASE_MS, reconnectWaitMs: 100, readyTimeoutMs: 60_000 });
    const cl = c;
    const live = (id: string) => cl.hosts.find((h) => h.id === id && h.child.exitCode === null && h.child.signalCode === null);
    const startScribe = async (): Promise<Scribe> => {
      const out = { console: '', stderr: '', tally: '' };
      const tally = await cl.client.run('tally', [], { home: 'h1', onOutput: (m) => (out.tally += m.data) });
      const path = `/nemesis-${scribes.length + 1}.txt`;
      const run = await cl.client.run('scribe', ['1000000', String(STEP_MS), path, tally.pid], { home: 'h1', onOutput: (m) => (m.fd === 2 ? (out.stderr += m.data) : (out.console += m.data)) });
      const s: Scribe = { pid: run.pid, path, run, tally, out };
      void run.exit.then((code) => (s.exit = code));
      scribes.push(s);
      return s;
    };
    let current = await startScribe();
    const deadline = Date.now() + o.durationMs;
    while (Date.now() < deadline || report.rounds < (o.minRounds ?? 0)) {
      report.rounds++;
      // (A scribe just started may not have its record yet: its host creates it as it starts.)
      const from = await poll(() => cl.client.whereIs(current.pid), 5000);
      if (!from) {
        report.problems.push(`${current.pid} has no directory record while it should run`);
        current = await startScribe();
        continue;
      }
      const to = pick(['h1', 'h2', 'h3'].filter((h) => h !== from));
      const strategy: Strategy = pick(STRATEGIES);
      let fault: Fault = pick(FAULTS);
      // h1 is home to every scribe and runs the tallies: never faulted.
      if ((fault.endsWith('Source') && from === 'h1') || (fault.endsWith('Target') && to === 'h1')) fault = 'none';
      report.faults[fault]++;
      log(`round ${report.rounds}: ${current.pid} ${from} → ${to} (${strategy}), fault ${fault}`);
      const move = cl.client.migrate(current.pid, to, strategy, MOVE_TIMEOUT_MS).then(
        (r) => r.outcome,
        (err: Error) => `failed: ${err.message}`,
      );
      await delay(rnd() * 30);
      const victim = fault.endsWith('Target') ? to : from;
      let killed: string | null = null;
      if (fault === 'stopTarget' || fault === 'stopSource') {
        const h = live(victim)!;
        h.child.kill('SIGSTOP');
        // The fault: paused past its lease.
        await delay(LEASE_MS * 1.5);
        h.child.kill('SIGCONT');
      } else if (fault === 'killTarget' || fault === 'killSource') {
        killed = victim;
        await cl.killHost(victim);
      } else if (fault === 'killNats') {
        process.kill(nats.pid, 'SIGKILL');
        await nats.restart();
      }
      const outcome = await move;
      if (outcome === 'committed') report.moves.committed++;
      else if (outcome === 'aborted') report.moves.aborted++;
      else report.moves.failed++;
      if (killed) await restartHost(cl, killed);
      // Where the directory says it runs, and who lists it (a host in the middle of settling a move may take a moment).
      let verdict = await settle(cl, current.pid, killed);
      // A scribe ends only when a call of its failed: that is a lost promise too.
      if (verdict !== 'ok' && verdict !== 'lost' && current.exit !== undefined) verdict = `${current.pid} ended with ${current.exit}: ${current.out.stderr.trim()}`;
      if (verdict === 'lost') {
        report.lost++;
        log(`  ${current.pid} lost with ${killed}`);
        current = await startScribe();
      } else if (verdict !== 'ok') {
        report.problems.push(verdict);
        for (const h of cl.hosts) for (const l of h.log.filter((l) => l.includes(current.pid) || l.includes("lease")).slice(-20)) log(`  ${h.id}: ${l}`);
        current = await startScribe();
      }
    }
    // The histories: stop the scribes, then read what they left.
    for (const s of scribes) await cl.client.kill(s.pid, 'KILL').catch(() => undefined);
    await delay(500);
    for (const s of scribes) {
      const file = await fsCommand(cl.client, '/=fs1', cl.cluster, ['cat', s.path]).catch((err: Error) => (report.problems.push(`${s.path}: ${err.message}`), ''));
      const h: ScribeHistory = { pid: s.pid, console: s.out.console, file, tally: s.out.tally };
      const r = checkScribe(h);
      report.problems.push(...r.problems);
      report.lines.console += r.console.seen;
      report.lines.file += r.file.seen;
      report.lines.messages += r.messages.seen;
      report.lines.gaps += r.console.gaps + r.file.gaps + r.messages.gaps;
      await cl.client.kill(s.tally.pid, 'KILL').catch(() => undefined);
    }
  } finally {
    await c?.stop();
    await nats.stop();
  }
  return report;
}

/** `f`'s value once it stops failing, or null after `ms`. */
async function poll<T>(f: () => Promise<T>, ms: number): Promise<T | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch {
      if (Date.now() > deadline) return null;
      await delay(100);
    }
  }
}

/** Starts host `id` again (a new run under the same id, once the old lease lapses) and waits until it serves. */
async function restartHost(c: LocalCluster, id: string): Promise<void> {
  const h: HostProcess = startHostProcess({ id, url: c.url, cluster: c.cluster, programs: [PROGRAMS], hostLeaseMs: LEASE_MS, reconnectWaitMs: 100 });
  c.hosts.splice(c.hosts.findIndex((x) => x.id === id), 1, h);
  const deadline = Date.now() + 30_000;
  while ((await c.client.hosts(300)).find((x) => x.id === id)?.osPid !== h.child.pid) {
    if (Date.now() > deadline) throw new Error(`host ${id} did not come back`);
  }
}

/**
 * After a round: the process runs on exactly the host the directory names (`ok`), or that host
 * was killed holding it (`lost`); anything else is a broken guarantee, described.
 */
async function settle(c: LocalCluster, pid: string, killed: string | null): Promise<'ok' | 'lost' | string> {
  // A freeze waits for the process's open file call, which the file client gives up on after
  // 30 s (a file server whose storage is still coming back after a NATS restart may take that).
  const deadline = Date.now() + 35_000;
  let last = '';
  for (;;) {
    const where = await c.client.whereIs(pid).catch((err: Error) => `none (${err.message})`);
    const held = (await c.client.ps(300).catch(() => [])).filter((p) => p.pid === pid && p.state !== 'exited');
    const holders = held.map((p) => p.host);
    const running = held.filter((p) => p.state !== 'migrating' && p.state !== 'suspended').map((p) => p.host);
    if (where === killed && holders.length === 0) return 'lost';
    if (holders.length === 1 && running[0] === where) return 'ok';
    last = `${pid}: directory says ${where}, held by [${held.map((p) => `${p.host} ${p.state}`).join(', ')}]`;
    if (running.length > 1) return `${last} — two copies running`;
    if (Date.now() > deadline) return last;
    await delay(100);
  }
}

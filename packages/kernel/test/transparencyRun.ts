import { ProgramRegistry } from '@wisp/proc';
import type { MigrationRecord, TtyMessage } from '@wisp/protocol';
import { memFs } from './memFs.js';
import { HOSTS, interp, listener, type HostId, type PlannedMove, type Scenario } from './randomProgram.js';
import { SimCluster, type Answer, type PendingReply } from './simCluster.js';

/**
 * Runs a {@link Scenario} on a simulated three-host cluster (skewed clocks) and records what a
 * user could observe, so a run with migrations can be compared with one without.
 */

/** Everything observable of a run. */
export interface Trace {
  /** Per pid, in pid order: what it wrote to the console (`fd|text` per write), its exit code and when it exited (virtual ms from the start). */
  procs: Record<string, { out: string[]; exit: { code: number; at: number } | null }>;
  /** Final contents of every file (backing files are not files). */
  files: Record<string, string>;
}

/** What became of one planned migration. */
export interface MoveOutcome {
  pid: string;
  from: string;
  to: string;
  strategy: string;
  /** `committed`, `aborted: <code>`, an error code of the request, or `skipped` (no such process running). */
  outcome: string;
}

export interface RunResult {
  trace: Trace;
  moves: MoveOutcome[];
  /** The cluster after the run, for diagnostics. */
  sim: SimCluster;
}

const START = 1_700_000_000_000;
/** h2 is an hour fast, h3 1.5 s slow: times must still read by the home clock. */
const SKEWS: Record<HostId, number> = { h1: 0, h2: 3_600_000, h3: -1500 };

/** Runs `s`; with `migrate` false the schedule is ignored (the reference run). */
export function runScenario(s: Scenario, migrate: boolean): RunResult {
  const fs = memFs(migrate ? { failMoves: s.failMoves } : {});
  const sim = new SimCluster({
    // h3 lacks the listener: moving it there is refused.
    hosts: HOSTS.map((id) => ({ id, skewMs: SKEWS[id], ...(id === 'h3' ? { registry: new ProgramRegistry([interp]) } : {}) })),
    registry: new ProgramRegistry([interp, listener]),
    fs: fs.fs,
    startAt: START,
    maxSteps: 200_000,
  });
  const tick = scheduler(sim, s.sched);
  const start = (tty: string, program: string, args: string[], on: HostId): string => {
    const p = sim.request(sim.subject('h1', 'spawn'), { program, args, tty, on });
    while (!p.answer) if (!tick()) throw new Error(`spawn of ${program} never answered`);
    return p.value<{ pid: string }>().pid;
  };
  const peer = start('tty.peer', 'listener', [], s.peerOn);
  const main = start('tty.main', 'interp', [JSON.stringify(s.ops), peer], s.mainOn);
  const asked: Asked[] = [];
  if (migrate) for (const m of s.moves) asked.push(move(sim, m, main, peer, tick));
  sim.settle();
  // Every message the program sent has been taken by now (a send completes once delivered).
  sim.send(peer, { type: 'stop' });
  sim.settle();
  const moves = asked.map((a) => {
    // Invariant 6: it ended, committed or aborted, without anything else having to happen.
    if (a.pending && !a.pending.answer) throw new Error(`migration of ${a.pid} ${a.from}→${a.to} never ended`);
    return { pid: a.pid, from: a.from, to: a.to, strategy: a.strategy, outcome: a.pending ? outcomeOf(a.pending.answer!) : 'skipped' };
  });
  return { trace: traceOf(sim, fs.files, ['tty.main', 'tty.peer']), moves, sim };
}

/**
 * One unit of work per call: a process slice on a random host (when the seeded coin says so),
 * else the next message, due timer or slice in order; when the cluster is quiet, on to the next
 * timer. False when nothing is left.
 */
function scheduler(sim: SimCluster, seed: number): () => boolean {
  const rng = seed === 0 ? null : mulberry32(seed);
  return () => {
    if (rng && rng() < 0.5) {
      const first = Math.floor(rng() * HOSTS.length);
      for (let i = 0; i < HOSTS.length; i++) if (sim.slice(HOSTS[(first + i) % HOSTS.length]!)) return true;
    }
    return sim.step() || sim.jumpToNextTimer();
  };
}

/** A small seeded PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Asked = Omit<MoveOutcome, 'outcome'> & { pending: PendingReply | null };

/** Runs `m.gap` steps, then asks for the move (and waits for its answer unless `m.overlap`). */
function move(sim: SimCluster, m: PlannedMove, main: string, peer: string, tick: () => boolean): Asked {
  for (let i = 0; i < m.gap; i++) if (!tick()) break;
  if (m.who === 'evict') {
    const host = HOSTS[m.hop]!;
    const pending = sim.request(sim.subject(host, 'evict'), { strategy: m.strategy }, 3_600_000);
    if (!m.overlap) while (!pending.answer) if (!tick()) break;
    return { pid: '*', from: host, to: 'homes', strategy: m.strategy, pending };
  }
  const pid = m.who === 'main' ? main : m.who === 'peer' ? peer : newestChild(sim, [main, peer]);
  const from = pid && sim.whereIs(pid);
  if (!pid || !from) return { pid: pid ?? m.who, from: '-', to: '-', strategy: m.strategy, pending: null };
  const to = HOSTS[(HOSTS.indexOf(from as HostId) + m.hop) % HOSTS.length]!;
  const pending = sim.request(sim.subject(from, 'migrate'), { pid, to, strategy: m.strategy }, 3_600_000);
  if (!m.overlap) while (!pending.answer) if (!tick()) break;
  return { pid, from, to, strategy: m.strategy, pending };
}

function outcomeOf(a: Answer): string {
  if (!a.ok) return a.error.code;
  if ('moved' in (a.value as object)) {
    const { moved, stayed } = a.value as { moved: string[]; stayed: string[] };
    return `evicted ${moved.join(' ') || '-'}, stayed ${stayed.join(' ') || '-'}`;
  }
  const r = a.value as MigrationRecord;
  return r.outcome === 'committed' ? 'committed' : `aborted: ${r.error?.code ?? '?'}`;
}

/** The most recently started process other than `except` that still runs somewhere. */
function newestChild(sim: SimCluster, except: string[]): string | undefined {
  const started = sim.eventsOf('proc.start').map((e) => e.data.pid as string);
  for (let i = started.length - 1; i >= 0; i--) {
    const pid = started[i]!;
    if (!except.includes(pid) && sim.whereIs(pid)) return pid;
  }
  return undefined;
}

function traceOf(sim: SimCluster, files: Map<string, Uint8Array>, ttys: string[]): Trace {
  const procs: Trace['procs'] = {};
  const of = (pid: string) => (procs[pid] ??= { out: [], exit: null });
  for (const tty of ttys) {
    for (const r of sim.publishedTo(tty)) {
      const m = r.body as TtyMessage;
      if (m.kind === 'out') of(m.pid).out.push(`${m.fd}|${m.data}`);
      else if (m.kind === 'exit') of(m.pid).exit = { code: m.code, at: r.at - START };
    }
  }
  const sorted: Trace['procs'] = {};
  for (const pid of Object.keys(procs).sort(byPid)) sorted[pid] = procs[pid]!;
  const text = new TextDecoder();
  return { procs: sorted, files: Object.fromEntries([...files].sort(([a], [b]) => a.localeCompare(b)).map(([p, b]) => [p, text.decode(b)])) };
}

/** Pids (`<home>-<n>`) by home, then number. */
function byPid(a: string, b: string): number {
  const [ha, na] = a.split('-');
  const [hb, nb] = b.split('-');
  return (ha ?? '').localeCompare(hb ?? '') || Number(na) - Number(nb);
}

/** Where two traces differ, one line per difference (empty when equal). */
export function traceDiff(want: Trace, got: Trace): string[] {
  const out: string[] = [];
  const show = (v: unknown) => JSON.stringify(v);
  for (const pid of new Set([...Object.keys(want.procs), ...Object.keys(got.procs)])) {
    const a = want.procs[pid];
    const b = got.procs[pid];
    if (!a || !b) {
      out.push(`${pid}: ${a ? 'missing with migrations' : 'only with migrations'}: ${show(a ?? b)}`);
      continue;
    }
    const i = firstDifference(a.out, b.out);
    if (i >= 0) out.push(`${pid} output from write ${i}: still ${show(a.out.slice(i, i + 3))}, moved ${show(b.out.slice(i, i + 3))}`);
    if (show(a.exit) !== show(b.exit)) out.push(`${pid} exit: still ${show(a.exit)}, moved ${show(b.exit)}`);
  }
  for (const path of new Set([...Object.keys(want.files), ...Object.keys(got.files)])) {
    if (want.files[path] !== got.files[path]) out.push(`file ${path}: still ${show(want.files[path])}, moved ${show(got.files[path])}`);
  }
  return out;
}

function firstDifference(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

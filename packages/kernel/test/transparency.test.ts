import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { emitted, allPrograms, scriptResults } from './helpers.js';
import { memFs } from './memFs.js';
import { SimCluster } from './simCluster.js';
import { STRATEGIES, formatScenario, scenarioArb, type Scenario } from './randomProgram.js';
import { runScenario, traceDiff, type MoveOutcome } from './transparencyRun.js';

/**
 * Invariant 5 (DESIGN §5): a program's observable trace — console output of every process,
 * files, exit codes and times, times read by the home clock, pids — is the same with or without
 * migrations at any safe points. Random programs (memory, files, sleeps, timers, messages,
 * spawns; see `randomProgram.ts`) run once still and once moved around under a random schedule
 * (chains, moves home, overlapping moves, refusals by a host lacking the program, stream moves
 * that fail after the freeze) and a random interleaving of messages and slices; the traces must
 * be equal.
 *
 * `WISP_SEED=<n>` replays a run (fast-check prints the seed and the path of a failure);
 * `WISP_RUNS=<n>` sets the runs per property.
 */
const RUNS = Number(process.env.WISP_RUNS ?? 200);
const seed = process.env.WISP_SEED !== undefined ? Number(process.env.WISP_SEED) : undefined;

/** Checks one scenario; returns its migrations' outcomes. */
function transparent(s: Scenario): MoveOutcome[] {
  const still = runScenario(s, false);
  const moved = runScenario(s, true);
  const diff = traceDiff(still.trace, moved.trace);
  if (diff.length > 0) throw new Error(`the trace differs with migrations\nmoves:\n${formatMoves(moved.moves)}\ndifferences:\n  ${diff.join('\n  ')}`);
  return moved.moves;
}

function formatMoves(moves: MoveOutcome[]): string {
  return moves.map((m) => `  ${m.pid} ${m.from}→${m.to} ${m.strategy}: ${m.outcome}`).join('\n');
}

function check(strategy: Strategy | undefined): void {
  let runs = 0;
  let migrated = 0;
  let aborted = 0;
  fc.assert(
    fc.property(scenarioArb(strategy), (s) => {
      runs++;
      const moves = transparent(s);
      if (moves.some((m) => m.outcome === 'committed' || m.outcome.startsWith('evicted h'))) migrated++;
      if (moves.some((m) => m.outcome.startsWith('aborted'))) aborted++;
    }),
    { numRuns: RUNS, ...(seed !== undefined ? { seed } : {}) },
  );
  // Not vacuous: most runs really moved something, and the abort path was taken too.
  expect(migrated, `${migrated} of ${runs} runs committed a migration`).toBeGreaterThan(runs / 2);
  expect(aborted, `${aborted} of ${runs} runs aborted a migration`).toBeGreaterThan(0);
}

describe('transparency: the same trace with or without migrations', () => {
  test.each(STRATEGIES)('%s', (strategy) => check(strategy));
  test('every strategy, mixed within a run', () => check(undefined));

  test('the scenario listing is readable', () => {
    const s: Scenario = {
      ops: [{ k: 'grow', pages: 2 }, { k: 'spawn', on: 'h2', ops: [{ k: 'send', text: 'hi' }] }, { k: 'time' }],
      mainOn: 'h1',
      peerOn: 'h3',
      sched: 0,
      failMoves: [],
      moves: [{ gap: 3, who: 'main', hop: 1, strategy: 'lazy', overlap: false }],
    };
    expect(formatScenario(s)).toBe('\nmain on h1, listener on h3, interleaving 0\n  grow 2\n  spawn on h2:\n    send "hi"\n  time\nmoves:\n  after 3 steps: main +1 (lazy)\n');
  });
});

/** Bugs the property found, each pinned by a deterministic scenario. */
describe('transparency regressions', () => {
  function cluster() {
    return new SimCluster({ hosts: ['h1', 'h2', 'h3'], registry: allPrograms(), fs: memFs().fs });
  }

  test('a message reaching the source while the image is in flight is passed on at once, not retried later', () => {
    const s = cluster();
    const start = s.now;
    const sink = s.spawn('h1', 'sink');
    const sender = s.spawn('h3', 'script', [JSON.stringify([['sleep', 10], ['send', sink.pid, { type: 'msg', n: 1 }], ['time']])]);
    s.jumpToNextTimer();
    s.step(); // the sleep ends: the sender may run
    const moving = s.request(s.subject('h1', 'migrate'), { pid: sink.pid, to: 'h2', strategy: 'flush' });
    while (!s.requests.some((r) => r.subject === s.subject('h2', 'transfer'))) s.step();
    // The image is on its way to h2: the send now reaches h1.
    expect(s.slice('h3')).toBe(true);
    s.settle();
    expect(moving.value<MigrationRecord>().outcome).toBe('committed');
    expect(emitted(s, sink.pid, 'got').map((g) => (g.event as { n: number }).n)).toEqual([1]);
    expect(s.eventsOf('proc.emit').find((e) => e.data.pid === sink.pid)?.host).toBe('h2');
    // Before the fix the source answered EAGAIN and the sender tried again 5 ms later.
    expect(scriptResults(s, sender.pid).find((r) => r.call === 'time')?.value).toBe(start + 10);
  });
});

describe('transparency regressions: signals routed by the home', () => {
  function cluster() {
    return new SimCluster({ hosts: ['h1', 'h2', 'h3'], registry: allPrograms(), fs: memFs().fs });
  }
  /** Starts moving `pid` from h1 to h2 and runs until `verb` is on its way to h2. */
  function moveUntil(s: SimCluster, pid: string, verb: string) {
    const moving = s.request(s.subject('h1', 'migrate'), { pid, to: 'h2', strategy: 'copy' });
    while (!s.requests.some((r) => r.subject === s.subject('h2', verb))) s.step();
    return moving;
  }

  test('a signal the home routes while the image is in flight is taken where the process arrives, not lost in the frozen PCB', () => {
    const s = cluster();
    const sink = s.spawn('h1', 'sink');
    const moving = moveUntil(s, sink.pid, 'transfer');
    const kill = s.request(s.subject('h1', 'kill'), { pid: sink.pid, signal: 'USR1' });
    s.settle();
    expect(kill.answer?.ok).toBe(true);
    expect(moving.value<MigrationRecord>().outcome).toBe('committed');
    const got = s.eventsOf('proc.emit').filter((e) => e.data.pid === sink.pid);
    expect(got.map((e) => [e.host, (e.data.event as { event: unknown }).event])).toEqual([['h2', { type: 'sys.signal', signal: 'USR1' }]]);
  });

  test('KILL routed by the home after the commit was sent ends the process where it runs, once', () => {
    const s = cluster();
    const sink = s.spawn('h1', 'sink');
    const moving = moveUntil(s, sink.pid, 'commit');
    const kill = s.request(s.subject('h1', 'kill'), { pid: sink.pid, signal: 'KILL' });
    s.settle();
    expect(kill.answer?.ok).toBe(true);
    expect(moving.value<MigrationRecord>().outcome).toBe('committed');
    // Before the fix the source killed its frozen copy and reported the exit while h2 ran it on.
    expect(s.eventsOf('proc.exit').filter((e) => e.data.pid === sink.pid).map((e) => e.host)).toEqual(['h2']);
    expect(s.whereIs(sink.pid)).toBeUndefined();
    expect(s.kernel('h2').processCount).toBe(0);
    expect(s.tty(sink.tty).filter((m) => m.kind === 'exit')).toEqual([{ kind: 'exit', pid: sink.pid, code: 137, root: true }]);
  });
});

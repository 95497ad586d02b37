import { describe, expect, test } from 'vitest';
import { ALL_FAULTS, STRATEGIES, check, configA, configAAllFaults } from '@wisp/check';

// Configuration (a): 2 hosts, the file server and one worker migrating once, with a drop, a
// duplicate and a crash allowed on every path — explored exhaustively under each strategy.
// (`pnpm check` runs the same configuration with two rounds of work instead of one.)
describe('model: one process migrates once, with faults', () => {
  test.each(STRATEGIES)('%s: every invariant holds in every reachable state', (strategy) => {
    const r = check(configA(strategy, 1));
    console.log(`(a) ${strategy}: ${r.bfs.states} states, ${r.bfs.transitions} transitions, ${r.bfs.terminal} terminal, depth ${r.bfs.depth}, ${r.bfs.seconds.toFixed(2)} s`);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.bfs.complete).toBe(true);
    // Faults, interleavings and the migration at every point make for many states.
    expect(r.bfs.states).toBeGreaterThan(5_000);
    expect(r.bfs.terminal).toBeGreaterThan(10);
    expect(r.invariants).toHaveLength(12);
  }, 120_000);
});

// The same with every fault the checker has — drop, duplicate, reorder, delay, crash, restart,
// partition, pause — at most one per path (two per path is beyond 3 million states), one round of
// work, exhaustively: 110 000–190 000 states per strategy, about 6–10 s each on an idle core.
// (`pnpm check --config a-all` runs it with two rounds.)
describe('model: one process migrates once, with every fault', () => {
  test.each(STRATEGIES)('%s: all 8 faults, at most one per path: every invariant holds in every reachable state', (strategy) => {
    const opts = configAAllFaults(strategy, 1);
    expect(opts.faults).toEqual(ALL_FAULTS);
    const r = check(opts);
    console.log(`(a, all faults) ${strategy}: ${r.bfs.states} states, ${r.bfs.transitions} transitions, ${r.bfs.terminal} terminal, depth ${r.bfs.depth}, ${r.bfs.seconds.toFixed(2)} s`);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.bfs.complete).toBe(true);
    expect(r.bfs.states).toBeGreaterThan(100_000);
    expect(r.bfs.terminal).toBeGreaterThan(100);
    expect(r.invariants).toHaveLength(12);
  }, 300_000);
});

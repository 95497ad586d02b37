import { describe, expect, test } from 'vitest';
import { STRATEGIES, check, configA } from '@wisp/check';

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

import { describe, expect, test } from 'vitest';
import { check, configB } from '@wisp/check';

// Configuration (b): 3 hosts, a worker, a listener and a talker; two migrations at once and an
// eviction of h2, at any point.
describe('model: two concurrent migrations and an eviction', () => {
  test('bounded breadth-first with a drop: every invariant holds', () => {
    const r = check({ ...configB(['drop']), maxStates: 20_000 });
    console.log(`(b) bfs: ${r.bfs.states} states, ${r.bfs.transitions} transitions, depth ${r.bfs.depth}, ${r.bfs.seconds.toFixed(2)} s`);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.bfs.states).toBe(20_000);
  }, 120_000);

  test('10 000 random walks with drops, duplicates, delays and a crash: every invariant holds', () => {
    const r = check({ ...configB(['drop', 'duplicate', 'delay', 'crash']), maxStates: 1, walks: 10_000, seed: 2024 });
    const w = r.walks!;
    console.log(`(b) walks: ${w.states} distinct states, ${w.transitions} steps, longest ${w.depth}, ${w.terminal} ended, ${w.seconds.toFixed(2)} s`);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(w.terminal).toBe(10_000);
    expect(w.states).toBeGreaterThan(10_000);
  }, 120_000);
});

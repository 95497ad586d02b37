import { describe, expect, test } from 'vitest';
import { exploreProtocolMachines } from '@wisp/check';

// Every protocol machine's reachable states, explored with xstate/graph, with its local invariants.
describe('protocol machines (xstate/graph)', () => {
  const reports = exploreProtocolMachines();
  test.each(reports.map((r) => [r.name, r] as const))('%s: local invariants hold in every reachable state', (_name, r) => {
    console.log(`${r.name}: ${r.states} states, ${r.edges} edges`);
    expect(r.violations).toEqual([]);
    expect(r.states).toBeGreaterThan(3);
  });
});

import { describe, expect, test } from 'vitest';
import { bfs, configA, noStaleEffect, prepare, type Invariant } from '@wisp/check';

// Fencing as the checker sees it: every call a process forwards home and every message it sends
// carries its directory epoch, and the checker keeps, per pid, the newest epoch of an effect
// taken; one taken with an older epoch breaks `noStaleEffect`.
describe('model: no older-epoch effect after a newer one', () => {
  test('effects are tracked by epoch: a worker that moved writes home at epoch 2, and nothing older is taken after', () => {
    // Without faults: the migration at every point of the run is enough to move the worker.
    const p = prepare({ ...configA('flush', 1), faults: [] });
    let newestSeen = 0;
    const watch: Invariant = {
      name: 'watch',
      kind: 'state',
      check: (w) => {
        newestSeen = Math.max(newestSeen, w.newest[p.model.pids[0]!] ?? 0);
        return null;
      },
    };
    const r = bfs(p.model, p.start, [...p.invariants, watch], p.ctx);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(p.invariants).toContain(noStaleEffect);
    // Epoch 1 at home; a committed move gives the target epoch 2, whose console writes go home.
    expect(newestSeen).toBe(2);
    expect(r.complete).toBe(true);
  });

  test('a step that takes an older-epoch effect is reported', () => {
    const p = prepare(configA('flush', 1));
    const stale = { ...p.start, notes: [{ kind: 'stale' as const, pid: 'h1-1', epoch: 1, newest: 2, what: 'write at h1' }] };
    expect(noStaleEffect.check(stale, p.ctx)).toBe("h1-1's write at h1 was taken at epoch 1 after one at epoch 2");
    expect(noStaleEffect.check(p.start, p.ctx)).toBeNull();
  });
});

import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import { sourceMachine } from '../src/migration/sourceMachine.js';

/** A precopy session driven to its rounds: `accepted`, then the given rounds' outcomes. */
function precopy(rounds: Array<{ dirtyPages: number; sentPages: number }>) {
  const a = createActor(sourceMachine, { input: { pid: 'h1-1', to: 'h2', strategy: 'precopy' } }).start();
  a.send({ type: 'accepted' });
  for (const r of rounds) a.send({ type: 'roundDone', ...r });
  return a.getSnapshot();
}

describe('source machine: precopy rounds', () => {
  test('rounds go on while each halves what it sent', () => {
    const s = precopy([
      { dirtyPages: 6000, sentPages: 65536 },
      { dirtyPages: 900, sentPages: 6000 },
    ]);
    expect(s.value).toBe('precopying');
    expect(s.context.rounds).toBe(3);
  });

  test('a round that re-dirtied more than half of what it sent ends the rounds: freeze', () => {
    // A process rewriting all its pages: a second round would send them all again.
    const all = precopy([{ dirtyPages: 65536, sentPages: 65536 }]);
    expect(all.value).toBe('freezing');
    expect(all.context.rounds).toBe(1);
    // A hot set rewritten as fast as it goes: one round to send the rest, one to learn that.
    const hot = precopy([
      { dirtyPages: 6554, sentPages: 65536 },
      { dirtyPages: 6554, sentPages: 6554 },
    ]);
    expect(hot.value).toBe('freezing');
    expect(hot.context.rounds).toBe(2);
  });

  test('few dirty pages, or the round limit, end the rounds', () => {
    expect(precopy([{ dirtyPages: 16, sentPages: 65536 }]).value).toBe('freezing');
    const bounded = precopy(Array.from({ length: 4 }, () => ({ dirtyPages: 100, sentPages: 1000 })));
    expect(bounded.value).toBe('freezing');
    expect(bounded.context.rounds).toBe(4);
  });
});

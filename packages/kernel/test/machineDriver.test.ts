import { describe, expect, test } from 'vitest';
import { setup, assign } from 'xstate';
import { MachineDriver } from '../src/migration/machineDriver.js';
import { sourceMachine, type SourceContext } from '../src/migration/sourceMachine.js';

describe('MachineDriver initial snapshots reused by shape', () => {
  test('a second session of one shape starts in the same state with its own context and entry actions', () => {
    const a = new MachineDriver(sourceMachine, 'm1', { pid: 'h1-1', to: 'h2', strategy: 'flush', now: 5 }, 'flush false');
    const b = new MachineDriver(sourceMachine, 'm2', { pid: 'h1-2', to: 'h3', strategy: 'flush', now: 9 }, 'flush false');
    const [sa, sb] = [a.start(), b.start()];
    expect(b.state).toBe(a.state);
    expect(sb.map((x) => x.type)).toEqual(sa.map((x) => x.type));
    expect((b.snapshot.context as SourceContext).to).toBe('h3');
    expect((b.snapshot.context as SourceContext).record.startedAt).toBe(9);
    expect(sb.every((x) => (x.context as SourceContext).to === 'h3')).toBe(true);
    expect((a.snapshot.context as SourceContext).to).toBe('h2');
    // Both go on independently.
    b.send({ type: 'frozen', at: 10, dirtyPages: 0, streams: 0 });
    expect(b.state).toBe('committing');
    expect(a.state).toBe('freezing');
  });

  test('a machine whose initial steps assign is not templated: each session computes its own', () => {
    const m = setup({ types: { context: {} as { n: number }, input: {} as { n: number } } }).createMachine({
      context: ({ input }) => ({ n: input.n }),
      entry: assign({ n: ({ context }) => context.n * 2 }),
    });
    new MachineDriver(m, 'x', { n: 1 }, 'one');
    const d = new MachineDriver(m, 'y', { n: 4 }, 'one');
    expect(d.snapshot.context).toEqual({ n: 8 });
  });
});

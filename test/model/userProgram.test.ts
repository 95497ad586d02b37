import { assign, setup } from 'xstate';
import { describe, expect, test } from 'vitest';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';
import { check, type Invariant } from '@wisp/check';

// The README's example: a user checks their own program inside a small cluster with the public
// API. `ticker n` prints `tick 1` … `tick n`, a sleep apart, by the home clock's console.
const ticker = defineProgram({
  name: 'ticker',
  logic: setup({ types: { context: {} as { n: number; max: number }, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ n: 0, max: Number(input.args[0] ?? 2) }),
    initial: 'sleeping',
    states: {
      sleeping: { entry: sys.sleep(50), on: { 'sys.result': { target: 'printing', actions: assign({ n: ({ context }) => context.n + 1 }) } } },
      printing: {
        entry: sys.write(1, ({ context }) => `tick ${context.n}\n`),
        on: { 'sys.result': [{ guard: ({ context }) => context.n >= context.max, target: 'done' }, { target: 'sleeping' }] },
      },
      done: { type: 'final' },
    },
  }),
});

/** Whatever happens, the console shows ticks 1, 2, … in order, none twice or skipped. */
const ticksInOrder: Invariant = {
  name: 'ticks in order',
  kind: 'state',
  check(w) {
    const lines = (w.obs.console['h1-1'] ?? '').split('\n').filter(Boolean);
    const bad = lines.findIndex((l, i) => l !== `tick ${i + 1}`);
    return bad < 0 ? null : `line ${bad + 1} is ${JSON.stringify(lines[bad])}`;
  },
};

describe('checking a user program', () => {
  test('ticker migrating h1 → h2 with a drop and a crash: the built-in invariants and the user one hold', () => {
    const r = check({
      hosts: 2,
      programs: [ticker],
      spawn: [{ program: 'ticker', args: ['2'], home: 'h1' }],
      client: [{ host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: 'flush' } }],
      faults: ['drop', 'crash'],
      invariants: [ticksInOrder],
    });
    console.log(`ticker: ${r.bfs.states} states, ${r.bfs.seconds.toFixed(2)} s`);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.bfs.complete).toBe(true);
    expect(r.invariants).toContain('ticks in order');
    expect(r.bfs.states).toBeGreaterThan(100);
  });

  test('a user invariant that does not hold is reported with a counterexample', () => {
    const neverTwo: Invariant = { name: 'never two ticks', kind: 'state', check: (w) => ((w.obs.console['h1-1'] ?? '').includes('tick 2') ? 'tick 2 printed' : null) };
    const r = check({ hosts: 2, programs: [ticker], spawn: [{ program: 'ticker', args: ['2'], home: 'h1' }], invariants: [neverTwo] });
    expect(r.ok).toBe(false);
    expect(r.violation!.invariant).toContain('never two ticks');
    expect(r.violation!.format()).toMatch(/tick 2 printed/);
  });
});

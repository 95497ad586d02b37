import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

interface CounterContext {
  n: number;
  ms: number;
  /** Last number printed. */
  i: number;
  error: string | null;
}

/**
 * `counter [n=5] [ms=100]` — prints `count 1` … `count n` on stdout, one line at a time,
 * sleeping `ms` between lines, then exits 0.
 *
 * Shows console output going to the home console (forwarded home when the process runs
 * elsewhere) and `sys.sleep`, a kernel timer that is part of the PCB.
 */
export const counter = defineProgram({
  name: 'counter',
  version: '1',
  summary: 'counter [n=5] [ms=100] — print count 1..n, sleeping ms between lines',
  logic: setup({
    types: { context: {} as CounterContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'counter',
    context: ({ input }) => {
      const p = parseArgs('counter', input.args, [
        { name: 'n', kind: 'int', default: 5 },
        { name: 'ms', kind: 'int', default: 100, max: 2_147_483_647 },
      ]);
      return { ...p.values, i: 0, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [
          { guard: ({ context }) => context.error !== null, target: 'usage' },
          { guard: ({ context }) => context.n === 0, target: 'done' },
          { target: 'printing' },
        ],
      },
      printing: {
        entry: [assign({ i: ({ context }) => context.i + 1 }), sys.write(1, ({ context }) => `count ${context.i}\n`)],
        always: [{ guard: ({ context }) => context.i >= context.n, target: 'done' }, { target: 'sleeping' }],
      },
      sleeping: {
        entry: sys.sleep(({ context }) => context.ms),
        on: { 'sys.result': { guard: resultOf('sleep'), target: 'printing' } },
      },
      done: { type: 'final', output: { code: 0 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, resultError, resultValue, type ExitOutput, type KernelEvents } from './common.js';

interface ClockContext {
  n: number;
  ms: number;
  /** Lines printed so far. */
  i: number;
  error: string | null;
}

/**
 * `clock [n=3] [ms=200]` — prints `time <ISO time> on-home-clock` `n` times, sleeping `ms`
 * between readings, then exits 0.
 *
 * The time comes only from `sys.time()`, which is answered by the home host (forwarded home
 * when the process runs elsewhere), so a process on a host with a skewed clock — or one that
 * moves between hosts — still reads its home's clock and never sees time jump.
 */
export const clock = defineProgram({
  name: 'clock',
  version: '1',
  summary: 'clock [n=3] [ms=200] — print the home host time n times, ms apart',
  logic: setup({
    types: { context: {} as ClockContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
    actions: {
      count: assign({ i: ({ context }) => context.i + 1 }),
      print: sys.write(1, ({ event }) => `time ${new Date(resultValue<number>(event)).toISOString()} on-home-clock\n`),
    },
  }).createMachine({
    id: 'clock',
    context: ({ input }) => {
      const p = parseArgs('clock', input.args, [
        { name: 'n', kind: 'int', default: 3 },
        { name: 'ms', kind: 'int', default: 200, max: 2_147_483_647 },
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
          { target: 'reading' },
        ],
      },
      reading: {
        entry: sys.time(),
        on: {
          'sys.result': [
            { guard: ({ context, event }) => resultOf('time', true)({ event }) && context.i + 1 >= context.n, target: 'done', actions: ['count', 'print'] },
            { guard: resultOf('time', true), target: 'sleeping', actions: ['count', 'print'] },
            { guard: resultOf('time', false), target: 'failed', actions: assign({ error: ({ event }) => resultError(event) }) },
          ],
        },
      },
      sleeping: {
        entry: sys.sleep(({ context }) => context.ms),
        on: { 'sys.result': { guard: resultOf('sleep'), target: 'reading' } },
      },
      done: { type: 'final', output: { code: 0 } },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `clock: ${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

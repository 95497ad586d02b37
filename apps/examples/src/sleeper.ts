import { setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput, type SysSignal } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

interface SleeperContext {
  ms: number;
  error: string | null;
}

/**
 * `sleeper [ms=60000]` — sleeps `ms` then exits 0. A target for signals:
 *
 * - `USR1` is handled: it prints `got USR1` and keeps sleeping until the original deadline.
 *   A handled signal does not interrupt a Wisp `sys.sleep` (there is no EINTR), so the sleep
 *   already issued is still outstanding and is not re-issued — re-issuing would leave two
 *   sleeps pending and the first to finish would end the process anyway.
 * - `TERM` (and every other signal) is not handled, so the default action kills the process
 *   with 128 + the signal number (143 for TERM; `KILL` always gives 137).
 */
export const sleeper = defineProgram({
  name: 'sleeper',
  version: '1',
  summary: 'sleeper [ms=60000] — sleep, print "got USR1" on USR1; TERM kills it',
  logic: setup({
    types: { context: {} as SleeperContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'sleeper',
    context: ({ input }) => {
      const p = parseArgs('sleeper', input.args, [{ name: 'ms', kind: 'int', default: 60000, max: 2_147_483_647 }]);
      return { ...p.values, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'sleeping' }],
      },
      sleeping: {
        entry: sys.sleep(({ context }) => context.ms),
        on: {
          'sys.result': { guard: resultOf('sleep'), target: 'done' },
          'sys.signal': { guard: ({ event }) => (event as SysSignal).signal === 'USR1', actions: sys.write(1, 'got USR1\n') },
        },
      },
      done: { type: 'final', output: { code: 0 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

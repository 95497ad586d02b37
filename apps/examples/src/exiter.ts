import { setup } from 'xstate';
import { defineProgram, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

interface ExiterContext {
  code: number;
  error: string | null;
}

/**
 * `exiter [code=0]` — prints `exiting <code>` and ends itself with `sys.exit(code)` (not by
 * reaching a final state). The child of {@link parent}.
 */
export const exiter = defineProgram({
  name: 'exiter',
  version: '1',
  summary: 'exiter [code=0] — print "exiting <code>" and sys.exit(code)',
  logic: setup({
    types: { context: {} as ExiterContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'exiter',
    context: ({ input }) => {
      const p = parseArgs('exiter', input.args, [{ name: 'code', kind: 'int', default: 0, max: 255 }]);
      return { ...p.values, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'exiting' }],
      },
      exiting: {
        // sys.exit ends the process at once; the write before it is performed first, in order.
        entry: [sys.write(1, ({ context }) => `exiting ${context.code}\n`), sys.exit(({ context }) => context.code)],
      },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

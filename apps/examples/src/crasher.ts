import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput } from '@wisp/proc';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

/** The message `crasher` dies with. */
export const CRASH_MESSAGE = 'deliberate crash inside assign';

/**
 * `crasher` — shows what a crash looks like: it asks for its pid, and on that first event an
 * `assign` throws. The kernel throws the transition away (nothing it did takes effect),
 * prints `crasher: <message>` on the home console's stderr and ends the process with exit
 * code 70 (EX_SOFTWARE).
 */
export const crasher = defineProgram({
  name: 'crasher',
  version: '1',
  summary: 'crasher — throw inside an assign on the first event (exit 70)',
  logic: setup({
    types: { context: {} as { pid: string }, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'crasher',
    context: { pid: '' },
    output: passOutput,
    initial: 'asking',
    states: {
      asking: {
        entry: sys.getpid(),
        on: {
          'sys.result': {
            target: 'unreachable',
            actions: [
              assign(() => {
                throw new Error(CRASH_MESSAGE);
              }),
              // Never performed: the transition is atomic and the assign above throws.
              sys.write(1, 'this line is never printed\n'),
            ],
          },
        },
      },
      unreachable: { type: 'final', output: { code: 0 } },
    },
  }),
});

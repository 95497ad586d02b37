import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { onHost, passOutput, resultError, resultValue, type ExitOutput, type KernelEvents } from './common.js';

interface ParentContext {
  on: string | null;
  code: number;
  child: string;
  /** The child's exit status, which becomes ours. */
  childCode: number;
  error: string | null;
}

/**
 * `parent [on] [code=3]` — spawns {@link exiter} with `code` on host `on` when given (`anywhere`:
 * an idle host migd grants, and prints `child on <host>`), waits for it with `sys.wait`, prints
 * `child exited <code>` and exits with the child's code.
 *
 * Shows exit status travelling to the parent through the home host, whichever host the child
 * ran on. Exits 1 when the child cannot be started or waited for.
 */
export const parent = defineProgram({
  name: 'parent',
  version: '1',
  summary: 'parent [on=HOST] [code=3] — spawn exiter code, wait, exit with its code',
  logic: setup({
    types: { context: {} as ParentContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
    actions: {
      fail: assign({ error: ({ event }) => resultError(event) }),
    },
  }).createMachine({
    id: 'parent',
    context: ({ input }) => {
      const p = parseArgs('parent', input.args, [
        { name: 'on', kind: 'string', default: null },
        { name: 'code', kind: 'int', default: 3, max: 255 },
      ]);
      return { ...p.values, child: '', childCode: 0, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'spawning' }],
      },
      spawning: {
        entry: sys.spawn(
          'exiter',
          ({ context }) => [String(context.code)],
          ({ context }) => onHost(context.on),
        ),
        on: {
          'sys.result': [
            {
              guard: ({ context, event }) => context.on === 'anywhere' && resultOf('spawn', true)({ event }),
              target: 'waiting',
              actions: [
                assign({ child: ({ event }) => resultValue<{ pid: string }>(event).pid }),
                sys.write(1, ({ event }) => `child on ${resultValue<{ host: string }>(event).host}\n`),
              ],
            },
            {
              guard: resultOf('spawn', true),
              target: 'waiting',
              actions: assign({ child: ({ event }) => resultValue<{ pid: string }>(event).pid }),
            },
            { guard: resultOf('spawn', false), target: 'failed', actions: 'fail' },
          ],
        },
      },
      waiting: {
        entry: sys.wait(({ context }) => context.child),
        on: {
          'sys.result': [
            {
              guard: resultOf('wait', true),
              target: 'done',
              actions: [
                assign({ childCode: ({ event }) => resultValue<{ code: number }>(event).code }),
                sys.write(1, ({ context }) => `child exited ${context.childCode}\n`),
              ],
            },
            { guard: resultOf('wait', false), target: 'failed', actions: 'fail' },
          ],
        },
      },
      done: { type: 'final', output: ({ context }) => ({ code: context.childCode }) },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `parent: ${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';

/**
 * `opener <n> <tag>` — the migrate bench's open-file load: opens `n` files (`/bench-open-<tag>-<i>`,
 * created) on the file server one after another, prints `ready` (or `failed` if an open did not
 * succeed), then sleeps until killed. With `n` = 0 it is a null process: no memory, no streams,
 * one pending sleep.
 */
export const opener = defineProgram({
  name: 'opener',
  logic: setup({
    types: { context: {} as { n: number; tag: string; i: number; failed: boolean }, input: {} as ProcInput, events: {} as { type: 'sys.result'; call?: string; ok?: boolean } },
  }).createMachine({
    context: ({ input }) => ({ n: Number(input.args[0] ?? 0), tag: String(input.args[1] ?? 'x'), i: 0, failed: false }),
    initial: 'next',
    states: {
      next: { always: [{ guard: ({ context }) => context.i >= context.n, target: 'ready' }, { target: 'opening' }] },
      opening: {
        entry: sys.open(({ context }) => `/bench-open-${context.tag}-${context.i}`, 'w'),
        on: {
          'sys.result': {
            target: 'next',
            actions: assign(({ context, event }) => ({ i: context.i + 1, failed: context.failed || !resultOf('open', true)({ event }) })),
          },
        },
      },
      ready: { entry: sys.write(1, ({ context }) => (context.failed ? 'failed\n' : 'ready\n')), on: { 'sys.result': 'sleeping' } },
      sleeping: { entry: sys.sleep(600_000), on: { 'sys.result': 'sleeping' } },
    },
  }),
});

import { assign, raise, setup } from 'xstate';
import { defineProgram, memory, sys, type ProcInput } from '@wisp/proc';
import { opener } from './opener.js';

/**
 * `dirtier <MiB> <fraction>` — the migrate bench's synthetic load: grows its address space to
 * `MiB`, writes every page once (one word each, in one transition), prints `ready`, then keeps
 * rewriting its hot set — `fraction` of its pages, every (1/fraction)-th page, the same ones each
 * time — one word per page, one round per transition, sleeping 5 ms between rounds, until
 * killed. A fixed hot set is what "dirties that fraction of its pages" means for precopy: a
 * stripe that moved on every round would in time dirty every page, whatever the fraction.
 */
export const dirtier = defineProgram({
  name: 'dirtier',
  logic: setup({
    types: { context: {} as { pages: number; step: number; round: number }, input: {} as ProcInput, events: {} as { type: 'round' } | { type: 'sys.result' } },
  }).createMachine({
    context: ({ input }) => ({ pages: Number(input.args[0]) * 256, step: Math.max(1, Math.round(1 / Number(input.args[1]))), round: 0 }),
    initial: 'growing',
    states: {
      growing: { entry: sys.grow(({ context }) => context.pages * 4096), on: { 'sys.result': 'touching' } },
      touching: {
        entry: [
          assign(({ context }) => {
            const m = memory();
            for (let p = 0; p < context.pages; p++) m.setU32(p * 4096, p);
            return {};
          }),
          sys.write(1, 'ready\n'),
        ],
        on: { 'sys.result': 'running' },
      },
      running: {
        entry: raise({ type: 'round' }, { delay: 5 }),
        on: {
          round: {
            target: 'running',
            reenter: true,
            actions: assign(({ context }) => {
              const m = memory();
              for (let p = 0; p < context.pages; p += context.step) m.setU32(p * 4096 + 4, context.round);
              return { round: context.round + 1 };
            }),
          },
        },
      },
    },
  }),
});

/** Programs the migrate bench loads into its hosts (`--programs`). */
export const programs = [dirtier, opener];

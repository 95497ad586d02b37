import { assign, setup } from 'xstate';
import { defineProgram, memory, sys, type ProcInput, type SysResult } from '@wisp/proc';

/** Messages `scribbler` takes. */
type Touch = { type: 'touch'; pages: number[]; v: number };
type Dump = { type: 'dump' };

/** The word `scribbler` writes at the start of page `p` when it fills its space. */
export const filled = (p: number) => p + 1;
/** The word a `touch` with value `v` writes at the start of page `p`. */
export const touched = (p: number, v: number) => v * 100_000 + p;

/**
 * `scribbler <pages>` — grows its space to `pages` pages, writes `filled(p)` at the start of
 * every page p and `1000 + p` at byte 8, prints `ready`; then on `touch` writes `touched(p, v)` at
 * the start of each page named and prints `touched`, and on `dump` prints both words of every
 * page as JSON (`[[w0, w8], …]`): its memory, as the host it runs on sees it.
 */
export const scribbler = defineProgram({
  name: 'scribbler',
  logic: setup({
    types: { context: {} as { pages: number; out: string }, input: {} as ProcInput, events: {} as SysResult | Touch | Dump },
  }).createMachine({
    context: ({ input }) => ({ pages: Number(input.args[0]), out: '' }),
    initial: 'growing',
    states: {
      growing: { entry: sys.grow(({ context }) => context.pages * 4096), on: { 'sys.result': 'filling' } },
      filling: {
        entry: [
          assign(({ context }) => {
            const m = memory();
            for (let p = 0; p < context.pages; p++) {
              m.setU32(p * 4096, filled(p));
              m.setU32(p * 4096 + 8, 1000 + p);
            }
            return {};
          }),
          sys.write(1, 'ready\n'),
        ],
        on: { 'sys.result': 'idle' },
      },
      idle: {
        on: {
          touch: {
            target: 'reporting',
            actions: assign(({ event }) => {
              const m = memory();
              for (const p of event.pages) m.setU32(p * 4096, touched(p, event.v));
              return { out: 'touched\n' };
            }),
          },
          dump: {
            target: 'reporting',
            actions: assign(({ context }) => {
              const m = memory();
              const words: number[][] = [];
              for (let p = 0; p < context.pages; p++) words.push([m.u32(p * 4096), m.u32(p * 4096 + 8)]);
              return { out: `${JSON.stringify(words)}\n` };
            }),
          },
        },
      },
      reporting: { entry: sys.write(1, ({ context }) => context.out), on: { 'sys.result': 'idle' } },
    },
  }),
});

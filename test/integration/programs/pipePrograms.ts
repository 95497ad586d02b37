import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';

/** Lines `spew` writes per console write: big writes keep the run short, many lines keep it honest. */
export const SPEW_BLOCK = 1000;

/** Line `i` (from 1) of `spew`'s output: numbered, with a multi-byte character so bytes ≠ characters. */
export function spewLine(i: number): string {
  return `line ${String(i).padStart(7, '0')} ─ the quick brown fox jumps over the lazy dog\n`;
}

type SpewCtx = { n: number; i: number };

/**
 * `spew <n>` — prints lines 1…n ({@link spewLine}) on stdout, {@link SPEW_BLOCK} lines per
 * write, then exits 0: console output large enough to fill any pipe between `wisp run` and its reader.
 */
export const spew = defineProgram({
  name: 'spew',
  logic: setup({ types: { context: {} as SpewCtx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ n: Number(input.args[0] ?? '0'), i: 0 }),
    initial: 'start',
    states: {
      start: { always: [{ guard: ({ context }) => context.n <= 0, target: 'done' }, { target: 'writing' }] },
      writing: {
        entry: [
          sys.write(1, ({ context }) => {
            const lines: string[] = [];
            for (let k = context.i + 1; k <= Math.min(context.n, context.i + SPEW_BLOCK); k++) lines.push(spewLine(k));
            return lines.join('');
          }),
          assign({ i: ({ context }) => Math.min(context.n, context.i + SPEW_BLOCK) }),
        ],
        on: { 'sys.result': [{ guard: ({ context }) => context.i >= context.n, target: 'done' }, { target: 'writing', reenter: true }] },
      },
      done: { type: 'final' },
    },
  }),
});

export const programs = [spew];

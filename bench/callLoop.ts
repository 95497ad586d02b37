import { assign, setup } from 'xstate';
import { defineProgram, sys } from '@wisp/proc';

/** Gaps are measured from this many calls on, so JIT warm-up is left out. */
export const WARMUP_CALLS = 100;

/**
 * Marks of the running loop, in the OS process that runs it (a benchmark program may read its
 * host's clock: it measures itself, it is not meant to migrate).
 */
let marks: number[] = [];

/**
 * A program that makes `n` calls of one kind back to back — each call made as soon as the
 * previous result arrives — and then prints the gaps between results (µs, after the warm-up)
 * on its console as one JSON line. `call` builds the `sys.*` action.
 */
export function callLoop(name: string, call: () => ReturnType<typeof sys.time>) {
  return defineProgram({
    name,
    logic: setup({
      actions: {
        start: () => void (marks = []),
        mark: () => void marks.push(performance.now()),
        report: sys.write(1, () => `${JSON.stringify(gapsOf(marks))}\n`),
      },
    }).createMachine({
      context: ({ input }: { input: { args: string[] } }) => ({ left: Number(input.args[0]) }),
      initial: 'calling',
      entry: 'start',
      states: {
        calling: {
          entry: ['mark', call()],
          on: {
            'sys.result': [
              { guard: ({ context }) => context.left <= 1, target: 'reporting', actions: 'mark' },
              { target: 'calling', reenter: true, actions: assign({ left: ({ context }) => context.left - 1 }) },
            ],
          },
        },
        reporting: { entry: 'report', on: { 'sys.result': 'done' } },
        done: { type: 'final' },
      },
    }),
  });
}

function gapsOf(m: number[]): number[] {
  const g: number[] = [];
  for (let i = WARMUP_CALLS + 1; i < m.length; i++) g.push(Math.round((m[i]! - m[i - 1]!) * 1000 * 10) / 10);
  return g;
}

/** The programs of the forward bench. */
export const benchPrograms = [callLoop('timeloop', () => sys.time()), callLoop('pidloop', () => sys.getpid())];

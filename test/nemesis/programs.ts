import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';

/**
 * Programs of the nemesis test, loaded by host processes with `--programs`: `scribe`, whose
 * every step leaves a numbered trace in three places (its console, a file, a peer), and
 * `tally`, the peer that prints each numbered message it takes.
 */

interface ScribeContext {
  n: number;
  ms: number;
  path: string;
  peer: string;
  fd: number;
  i: number;
}

const failed = ({ event }: { event: SysResult }) => !event.ok;

/**
 * `scribe <n> <ms> <path> <peer>` — opens `path` for appending, then for i = 1…n: prints
 * `line i`, appends `line i` to the file, sends `{ type: 'num', n: i }` to `peer` and sleeps
 * `ms`. Exits 0; any failed call ends it with 1 and the error on stderr.
 */
export const scribe = defineProgram({
  name: 'scribe',
  logic: setup({ types: { context: {} as ScribeContext, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ n: Number(input.args[0]), ms: Number(input.args[1]), path: input.args[2]!, peer: input.args[3]!, fd: -1, i: 0 }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open(({ context }) => context.path, 'a'),
        on: { 'sys.result': [{ guard: failed, target: 'failed' }, { target: 'next', actions: assign({ fd: ({ event }) => event.value as number }) }] },
      },
      next: { always: [{ guard: ({ context }) => context.i >= context.n, target: 'done' }, { target: 'printing', actions: assign({ i: ({ context }) => context.i + 1 }) }] },
      printing: { entry: sys.write(1, ({ context }) => `line ${context.i}\n`), on: { 'sys.result': [{ guard: failed, target: 'failed' }, { target: 'appending' }] } },
      appending: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => `line ${context.i}\n`),
        on: { 'sys.result': [{ guard: failed, target: 'failed' }, { target: 'sending' }] },
      },
      sending: { entry: sys.send(({ context }) => context.peer, ({ context }) => ({ type: 'num', n: context.i })), on: { 'sys.result': [{ guard: failed, target: 'failed' }, { target: 'sleeping' }] } },
      sleeping: { entry: sys.sleep(({ context }) => context.ms), on: { 'sys.result': 'next' } },
      failed: { entry: sys.write(2, ({ event }) => `scribe: ${(event as SysResult).error?.code} ${(event as SysResult).error?.message}\n`), on: { 'sys.result': 'failing' } },
      failing: { entry: sys.exit(1) },
      done: { entry: sys.exit(0) },
    },
  }),
});

/** `tally` — prints `got <n>` for every `{ type: 'num', n }` it takes, forever. */
export const tally = defineProgram({
  name: 'tally',
  logic: setup({ types: { input: {} as ProcInput, events: {} as SysResult | { type: 'num'; n: number } } }).createMachine({
    initial: 'idle',
    states: {
      idle: { on: { num: 'printing' } },
      printing: { entry: sys.write(1, ({ event }) => `got ${(event as { n: number }).n}\n`), on: { 'sys.result': 'idle' } },
    },
  }),
});

/** Every program of this module (what `--programs` loads). */
export const programs = [scribe, tally];

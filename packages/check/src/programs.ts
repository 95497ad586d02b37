import { assign, emit, enqueueActions, setup } from 'xstate';
import { defineProgram, memory, sys, type ProcInput, type SysResult } from '@wisp/proc';

/**
 * Programs made to be checked: each exercises what an invariant is about and reports it in its
 * observable trace (emits, console, files, exit code).
 */

interface WorkerContext {
  pages: number;
  rounds: number;
  ms: number;
  n: number;
  bad: number;
  fd: number;
}

/**
 * `worker <pages> <rounds> [ms=100]` — memory, a file and the console (invariants 3, 4, 5). Grows
 * to `pages` pages and opens `/out` for writing; then `rounds` times: sleeps `ms`, checks that
 * the first word of every page still holds the last round's number (counting pages that do
 * not), writes the new number, emits `{ type: 'mem', n, bad }` and appends `r<n>\n` to `/out`.
 * Then closes the file, prints `worker done\n` and exits with 1 if any page was ever wrong.
 */
export const worker = defineProgram({
  name: 'worker',
  summary: 'worker <pages> <rounds> [ms] — checks its memory, writes /out, prints done',
  logic: setup({
    types: { context: {} as WorkerContext, input: {} as ProcInput, events: {} as SysResult },
  }).createMachine({
    context: ({ input }) => ({ pages: Number(input.args[0] ?? 1), rounds: Number(input.args[1] ?? 1), ms: Number(input.args[2] ?? 100), n: 0, bad: 0, fd: -1 }),
    initial: 'growing',
    output: ({ context }) => ({ code: context.bad > 0 ? 1 : 0 }),
    states: {
      growing: { entry: sys.grow(({ context }) => context.pages * 4096), on: { 'sys.result': 'opening' } },
      opening: {
        entry: sys.open('/out', 'w'),
        on: { 'sys.result': { target: 'sleeping', actions: assign({ fd: ({ event }) => (event.ok ? (event.value as number) : -1) }) } },
      },
      sleeping: {
        entry: sys.sleep(({ context }) => context.ms),
        on: {
          'sys.result': {
            target: 'writing',
            actions: [
              assign(({ context }) => {
                const m = memory();
                let bad = 0;
                for (let p = 0; p < context.pages; p++) {
                  if (m.u32(p * 4096) !== context.n) bad++;
                  m.setU32(p * 4096, context.n + 1);
                }
                return { n: context.n + 1, bad: context.bad + bad };
              }),
              emit(({ context }) => ({ type: 'mem', n: context.n, bad: context.bad }) as never),
            ],
          },
        },
      },
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => `r${context.n}\n`),
        on: { 'sys.result': [{ guard: ({ context }) => context.n >= context.rounds, target: 'closing' }, { target: 'sleeping' }] },
      },
      closing: { entry: sys.close(({ context }) => context.fd), on: { 'sys.result': 'reporting' } },
      reporting: { entry: sys.write(1, 'worker done\n'), on: { 'sys.result': 'done' } },
      done: { type: 'final' },
    },
  }),
});

/**
 * `talker <pid> <count>` — messages (invariant 2). Sends `{ type: 'msg', n }` for n = 1…count
 * to `pid`, two at a time (both in one transition, so they are in flight together), emitting
 * `{ type: 'sent', n }` for each one acknowledged; exits 0.
 */
export const talker = defineProgram({
  name: 'talker',
  summary: 'talker <pid> <count> — sends numbered messages, two at a time',
  logic: setup({
    types: { context: {} as { to: string; count: number; next: number; waiting: number }, input: {} as ProcInput, events: {} as SysResult },
  }).createMachine({
    context: ({ input }) => ({ to: input.args[0] ?? '', count: Number(input.args[1] ?? 2), next: 1, waiting: 0 }),
    initial: 'sending',
    states: {
      sending: {
        entry: enqueueActions(({ context, enqueue }) => {
          const k = Math.min(2, context.count - context.next + 1);
          for (let i = 0; i < k; i++) enqueue(sys.send(context.to, { type: 'msg', n: context.next + i }));
          enqueue.assign({ waiting: k, next: context.next + k });
        }),
        always: { guard: ({ context }) => context.waiting === 0, target: 'done' },
        on: {
          'sys.result': [
            {
              guard: ({ context }) => context.waiting <= 1,
              target: 'next',
              actions: [emit(({ event }) => ({ type: 'sent', ok: event.ok }) as never), assign({ waiting: 0 })],
            },
            { actions: [emit(({ event }) => ({ type: 'sent', ok: event.ok }) as never), assign({ waiting: ({ context }) => context.waiting - 1 })] },
          ],
        },
      },
      next: { always: [{ guard: ({ context }) => context.next > context.count, target: 'done' }, { target: 'sending' }] },
      done: { type: 'final' },
    },
  }),
});

/**
 * `listener <count>` — takes `msg` events, emitting `{ type: 'got', from, n }` for each, and
 * exits 0 after `count` of them.
 */
export const listener = defineProgram({
  name: 'listener',
  summary: 'listener <count> — emits each message it gets; exits after count',
  logic: setup({
    types: { context: {} as { count: number; got: number }, input: {} as ProcInput, events: {} as { type: 'msg'; n: number; from: string } },
  }).createMachine({
    context: ({ input }) => ({ count: Number(input.args[0] ?? 2), got: 0 }),
    initial: 'listening',
    states: {
      listening: {
        always: { guard: ({ context }) => context.got >= context.count, target: 'done' },
        on: {
          msg: { actions: [emit(({ event }) => ({ type: 'got', from: event.from, n: event.n }) as never), assign({ got: ({ context }) => context.got + 1 })] },
        },
      },
      done: { type: 'final' },
    },
  }),
});

/** Every program of this module. */
export const checkPrograms = [worker, talker, listener];

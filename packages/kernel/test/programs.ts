import { assign, emit, enqueueActions, raise, setup } from 'xstate';
import { defineProgram, memory, sys, type ProcInput, type SysResult } from '@wisp/proc';

/**
 * Small programs for kernel tests. They report through `emit` (a `proc.emit` cluster event),
 * which needs no syscall, so tests can watch transitions without changing them.
 */

/**
 * `spinner [ticks=5]` — CPU-bound: one transition per tick, yielding between ticks with a
 * zero-delay raise; emits `{ type: 'tick', n }` on each, exits 0 after the last.
 */
export const spinner = defineProgram({
  name: 'spinner',
  summary: 'spinner [ticks] — emit a tick per transition, yielding between',
  logic: setup({
    types: { context: {} as { ticks: number; n: number }, input: {} as ProcInput, events: {} as { type: 'tick' } },
  }).createMachine({
    context: ({ input }) => ({ ticks: Number(input.args[0] ?? 5), n: 0 }),
    initial: 'spinning',
    states: {
      spinning: {
        entry: raise({ type: 'tick' }, { delay: 0 }),
        on: {
          tick: [
            {
              guard: ({ context }) => context.n + 1 >= context.ticks,
              target: 'done',
              actions: [assign({ n: ({ context }) => context.n + 1 }), emit(({ context }) => ({ type: 'tick', n: context.n }) as never)],
            },
            {
              actions: [
                assign({ n: ({ context }) => context.n + 1 }),
                emit(({ context }) => ({ type: 'tick', n: context.n }) as never),
                raise({ type: 'tick' }, { delay: 0 }),
              ],
            },
          ],
        },
      },
      done: { type: 'final' },
    },
  }),
});

/** One step of a {@link script}: a syscall name and its arguments. */
export type ScriptStep = [string, ...unknown[]];

/**
 * `script <json steps>` — issues the syscalls listed in its first argument, one at a time,
 * waiting for each result, and emits `{ type: 'result', i, call, ok, value, error }` for each.
 * The string `$child` in an argument stands for the pid of the last child it spawned.
 * Exits 0 after the last step (unless a step was `exit`).
 */
export const script = defineProgram({
  name: 'script',
  summary: 'script <json> — run a list of syscalls, emitting each result',
  logic: setup({
    types: {
      context: {} as { steps: ScriptStep[]; i: number; child: string | null },
      input: {} as ProcInput,
      events: {} as SysResult,
    },
  }).createMachine({
    context: ({ input }) => ({ steps: JSON.parse(input.args[0] ?? '[]') as ScriptStep[], i: 0, child: null }),
    initial: 'next',
    states: {
      next: {
        always: [{ guard: ({ context }) => context.i >= context.steps.length, target: 'done' }, { target: 'calling' }],
      },
      calling: {
        entry: enqueueActions(({ context, enqueue }) => {
          const [call, ...raw] = context.steps[context.i]!;
          const args = raw.map((a) => (a === '$child' ? context.child : a));
          const make = (sys as unknown as Record<string, (...a: unknown[]) => never>)[call];
          if (!make) throw new Error(`script: no syscall ${call}`);
          enqueue(make(...args));
        }),
        on: {
          'sys.result': {
            target: 'next',
            actions: [
              emit(({ context, event }) => ({ type: 'result', i: context.i, call: event.call, ok: event.ok, value: event.value, error: event.error }) as never),
              assign({
                i: ({ context }) => context.i + 1,
                child: ({ context, event }) =>
                  event.call === 'spawn' && event.ok ? (event.value as { pid: string }).pid : context.child,
              }),
            ],
          },
        },
      },
      done: { type: 'final' },
    },
  }),
});

/**
 * `sink` — takes every event (signals included, except KILL which cannot be handled) and
 * emits `{ type: 'got', event }`; never exits by itself.
 */
export const sink = defineProgram({
  name: 'sink',
  summary: 'sink — emit every event it gets',
  logic: setup({ types: { input: {} as ProcInput } }).createMachine({
    initial: 'open',
    states: {
      open: { on: { '*': { actions: emit(({ event }) => ({ type: 'got', event }) as never) } } },
    },
  }),
});

/**
 * `alarm [ms=100]` — waits in `armed` with an `after: ms` transition; `disarm` leaves the state
 * (cancelling it) for `disarmed`, where it sleeps 1000 ms and exits 0. When the `after` fires
 * it emits `fired` and exits 3.
 */
export const alarm = defineProgram({
  name: 'alarm',
  summary: 'alarm [ms] — after ms emit fired, unless disarmed first',
  logic: setup({
    types: { context: {} as { ms: number }, input: {} as ProcInput, events: {} as { type: 'disarm' } | SysResult },
    delays: { wait: ({ context }) => context.ms },
  }).createMachine({
    context: ({ input }) => ({ ms: Number(input.args[0] ?? 100) }),
    initial: 'armed',
    output: ({ event }) => ({ code: (event as { output?: { code?: number } }).output?.code ?? 3 }),
    states: {
      armed: {
        after: { wait: { target: 'fired' } },
        on: { disarm: 'disarmed' },
      },
      fired: { entry: emit({ type: 'fired' } as never), type: 'final' },
      disarmed: {
        entry: [emit({ type: 'disarmed' } as never), sys.sleep(1000)],
        on: { 'sys.result': 'quiet' },
      },
      quiet: { type: 'final', output: { code: 0 } },
    },
  }),
});

/**
 * `pager <pages> <steps> [ms=100]` — grows its address space to `pages` pages, then `steps`
 * times: sleeps `ms`, adds 1 to the first u32 of every page and emits `{ type: 'step', n, sum }`
 * with the sum of those counters (`pages × n` when memory is intact). Messages it gets are
 * emitted as `got`. Exits 0.
 */
export const pager = defineProgram({
  name: 'pager',
  logic: setup({
    types: { context: {} as { pages: number; steps: number; ms: number; n: number; sum: number }, input: {} as ProcInput, events: {} as SysResult | { type: 'msg'; n: number } },
  }).createMachine({
    context: ({ input }) => ({ pages: Number(input.args[0]), steps: Number(input.args[1]), ms: Number(input.args[2] ?? 100), n: 0, sum: 0 }),
    initial: 'growing',
    on: { msg: { actions: emit(({ event }) => ({ type: 'got', event }) as never) } },
    states: {
      growing: { entry: sys.grow(({ context }) => context.pages * 4096), on: { 'sys.result': 'sleeping' } },
      sleeping: {
        entry: sys.sleep(({ context }) => context.ms),
        on: {
          'sys.result': {
            target: 'stepped',
            actions: assign(({ context }) => {
              const m = memory();
              let sum = 0;
              for (let p = 0; p < context.pages; p++) {
                const v = m.u32(p * 4096) + 1;
                m.setU32(p * 4096, v);
                sum += v;
              }
              return { n: context.n + 1, sum };
            }),
          },
        },
      },
      stepped: {
        entry: emit(({ context }) => ({ type: 'step', n: context.n, sum: context.sum }) as never),
        always: [{ guard: ({ context }) => context.n >= context.steps, target: 'done' }, { target: 'sleeping' }],
      },
      done: { type: 'final' },
    },
  }),
});

/** Every test program. */
export const testPrograms = [spinner, script, sink, alarm, pager];

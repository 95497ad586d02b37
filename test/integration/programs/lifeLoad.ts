import { assign, raise, setup } from 'xstate';
import { defineProgram, memory, resultOf, sys, type ProcInput, type SysResult } from '@wisp/proc';
import { lifeGridBytes, lifeSeedRows, lifeStepRows } from '../../../apps/examples/src/life.js';

/**
 * Programs for the migration load test (issue 4), loaded by host processes with `--programs`:
 * `lifeload`, Conway's Life (life's own grid code) with an open file, a pending timer and a
 * stream of numbered messages to check, and `numsend`, the peer that sends them.
 */

/** A numbered message from `numsend`. */
type Num = { type: 'num'; n: number; from?: string };

interface LoadContext {
  side: number;
  generations: number;
  ms: number;
  path: string;
  /** Messages expected, numbered 1…messages, from one sender. */
  messages: number;
  /** Delay of the alarm (a kernel timer armed at start), ms. */
  alarmMs: number;
  /** Grid rows computed per transition (one scheduler slice, one safe point). */
  chunkRows: number;
  gen: number;
  row: number;
  sum: number;
  fd: number;
  /** Home-clock time when the alarm was armed. */
  t0: number;
  /** Home-clock time when the alarm went off (read by the handler), null while pending. */
  alarmAt: number | null;
  /** The alarm event came and its time is being read. */
  alarmRang: boolean;
  /** Number of the next message expected. */
  next: number;
  got: number;
  /** The first message out of order, missing or duplicated. */
  bad: string | null;
  error: string | null;
}

type LoadEvent = SysResult | Num | { type: 'chunk' } | { type: 'alarm' };

const ok = ({ event }: { event: LoadEvent }) => (event as SysResult).ok;
const failure = ({ event }: { event: LoadEvent }) => {
  const r = event as SysResult;
  return `lifeload: ${r.call} failed: ${r.error?.code} ${r.error?.message}\n`;
};
const genLine = (c: LoadContext) => `gen ${c.gen} checksum ${c.sum}\n`;

function parseLoadArgs(args: string[]): Omit<LoadContext, 'gen' | 'row' | 'sum' | 'fd' | 't0' | 'alarmAt' | 'alarmRang' | 'next' | 'got' | 'bad'> {
  const [side, generations, ms, path, messages, alarmMs, chunkRows = '1'] = args;
  const ints = { side, generations, ms, messages, alarmMs, chunkRows };
  const values = Object.fromEntries(Object.entries(ints).map(([k, v]) => [k, Number(v)])) as Record<keyof typeof ints, number>;
  const badInt = Object.entries(values).find(([, v]) => !Number.isSafeInteger(v) || v < 0);
  const error =
    args.length < 6 || !path?.startsWith('/')
      ? 'usage: lifeload <side> <generations> <ms> <path> <messages> <alarmMs> [chunkRows=1]'
      : badInt
        ? `lifeload: ${badInt[0]} must be a non-negative integer`
        : values.side < 3 || values.side > 11585 || values.chunkRows < 1 || values.generations < 1
          ? 'lifeload: side must be 3…11585, generations and chunkRows at least 1'
          : null;
  return { ...values, path: path ?? '', error };
}

/**
 * `lifeload <side> <generations> <ms> <path> <messages> <alarmMs> [chunkRows=1]` — life on a
 * `side`² torus in the address space (2·side² bytes), with everything else a migration must carry:
 *
 * - an **open file**: `path` is opened for writing at start and each generation's line
 *   (`gen N checksum C`) is written to it after it is printed; closed at the end;
 * - a **pending timer**: an `alarm` event delayed `alarmMs` (a kernel timer) armed at start; its
 *   handler reads the home clock, so the time it went off is by the home clock;
 * - **numbered messages** `{ type: 'num', n }` from a peer: they must come once each, in order,
 *   1…`messages`; the first one out of order (a gap, a duplicate) ends the process at once with
 *   exit 1 and `lifeload: message …` on stderr.
 *
 * After the last generation it waits for every message and the alarm, then prints
 * `messages: got <n> in order` and `alarm: armed at <t0> for <alarmMs> ms, went off at <t1>`
 * (home clock, ms since the epoch) and exits 0. `chunkRows` rows of the grid per transition.
 */
export const lifeload = defineProgram({
  name: 'lifeload',
  logic: setup({
    types: { context: {} as LoadContext, input: {} as ProcInput, events: {} as LoadEvent },
    actions: {
      // Each chunk comes by a kernel timer (a delayed raise with an id), not straight through the
      // mailbox: the host polls for I/O between chunks, so messages keep flowing while it computes.
      yield: raise({ type: 'chunk' }, { delay: 0, id: 'chunk' }),
      seedChunk: assign(({ context }) => {
        const end = Math.min(context.side, context.row + context.chunkRows);
        lifeSeedRows(memory(), context.side, context.row, end);
        return { row: end };
      }),
      stepChunk: assign(({ context }) => {
        const end = Math.min(context.side, context.row + context.chunkRows);
        return { row: end, sum: lifeStepRows(memory(), context.side, context.gen, context.row, end, context.sum) };
      }),
      nextGeneration: assign(({ context }) => ({ gen: context.gen + 1, row: 0, sum: 0 })),
    },
    guards: {
      rowsLeft: ({ context }) => context.row < context.side,
      more: ({ context }) => context.gen < context.generations,
      inOrder: ({ context, event }) => (event as Num).n === context.next && context.next <= context.messages,
      allIn: ({ context }) => context.got === context.messages && context.alarmAt !== null,
    },
  }).createMachine({
    id: 'lifeload',
    context: ({ input }) => ({ ...parseLoadArgs(input.args), gen: 0, row: 0, sum: 0, fd: -1, t0: 0, alarmAt: null, alarmRang: false, next: 1, got: 0, bad: null }),
    // Messages and the alarm are taken in any state (the kernel hands them over only between
    // calls, so the alarm's `time` call is the only one outstanding when its result comes).
    on: {
      num: [
        { guard: 'inOrder', actions: assign({ next: ({ context }) => context.next + 1, got: ({ context }) => context.got + 1 }) },
        {
          target: '.outOfOrder',
          actions: assign({
            bad: ({ context, event }) =>
              `message ${(event as Num).n} from ${(event as Num).from} when ${context.next} was due (${context.got} taken in order before it)`,
          }),
        },
      ],
      alarm: { actions: [assign({ alarmRang: true }), sys.time()] },
      'sys.result': {
        guard: ({ context, event }) => context.alarmRang && context.alarmAt === null && resultOf('time', true)({ event }),
        actions: assign({ alarmAt: ({ event }) => (event as SysResult).value as number }),
      },
    },
    initial: 'start',
    states: {
      start: { always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'growing' }] },
      growing: {
        entry: sys.grow(({ context }) => lifeGridBytes(context.side)),
        on: { 'sys.result': [{ guard: ok, target: 'opening' }, { target: 'failed' }] },
      },
      opening: {
        entry: sys.open(({ context }) => context.path, 'w'),
        on: { 'sys.result': [{ guard: ok, target: 'arming', actions: assign({ fd: ({ event }) => (event as SysResult).value as number }) }, { target: 'failed' }] },
      },
      arming: {
        entry: sys.time(),
        on: {
          'sys.result': [
            {
              guard: ok,
              target: 'seeding',
              actions: [
                assign({ t0: ({ event }) => (event as SysResult).value as number }),
                raise({ type: 'alarm' }, { id: 'alarm', delay: ({ context }) => context.alarmMs }),
              ],
            },
            { target: 'failed' },
          ],
        },
      },
      seeding: {
        entry: 'yield',
        on: { chunk: [{ guard: 'rowsLeft', actions: ['seedChunk', 'yield'] }, { target: 'stepping', actions: 'nextGeneration' }] },
      },
      stepping: {
        entry: 'yield',
        on: { chunk: [{ guard: 'rowsLeft', actions: ['stepChunk', 'yield'] }, { target: 'printing' }] },
      },
      printing: {
        entry: sys.write(1, ({ context }) => genLine(context)),
        on: { 'sys.result': [{ guard: ok, target: 'filing' }, { target: 'failed' }] },
      },
      filing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => genLine(context)),
        on: {
          'sys.result': [
            { guard: ({ context, event }) => ok({ event }) && context.gen < context.generations, target: 'resting', actions: 'nextGeneration' },
            { guard: ok, target: 'draining' },
            { target: 'failed' },
          ],
        },
      },
      resting: { entry: sys.sleep(({ context }) => context.ms), on: { 'sys.result': 'stepping' } },
      draining: { always: { guard: 'allIn', target: 'reporting' } },
      reporting: {
        entry: sys.write(
          1,
          ({ context }) => `messages: got ${context.got} in order\nalarm: armed at ${context.t0} for ${context.alarmMs} ms, went off at ${context.alarmAt}\n`,
        ),
        on: { 'sys.result': 'closing' },
      },
      closing: { entry: sys.close(({ context }) => context.fd), on: { 'sys.result': [{ guard: ok, target: 'done' }, { target: 'failed' }] } },
      outOfOrder: { entry: sys.write(2, ({ context }) => `lifeload: ${context.bad}\n`), on: { 'sys.result': { actions: sys.exit(1) } } },
      usage: { entry: sys.write(2, ({ context }) => `${context.error}\n`), on: { 'sys.result': { actions: sys.exit(2) } } },
      failed: { entry: sys.write(2, failure), on: { 'sys.result': { actions: sys.exit(1) } } },
      done: { type: 'final' },
    },
  }),
});

/** `numsend` reports progress every this many messages. */
export const PROGRESS_EVERY = 1000;

interface SendContext {
  to: string;
  count: number;
  i: number;
}

/**
 * `numsend <pid> <count>` — prints `sending <count> to <pid>`, then sends `{ type: 'num', n }`
 * for n = 1…count to `pid`, each as soon as the last one was taken (a send returns once the
 * receiver's host has it), printing `sent <n>` every {@link PROGRESS_EVERY} and after the last
 * one, and exits 0; a failed send prints
 * `numsend: send of <n> failed: …` on stderr and exits 1.
 */
export const numsend = defineProgram({
  name: 'numsend',
  logic: setup({ types: { context: {} as SendContext, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ to: input.args[0] ?? '', count: Number(input.args[1] ?? 0), i: 1 }),
    initial: 'announcing',
    states: {
      announcing: { entry: sys.write(1, ({ context }) => `sending ${context.count} to ${context.to}\n`), on: { 'sys.result': 'sending' } },
      sending: {
        entry: sys.send(({ context }) => context.to, ({ context }) => ({ type: 'num', n: context.i })),
        on: {
          'sys.result': [
            { guard: ({ context, event }) => event.ok && context.i < context.count && context.i % PROGRESS_EVERY === 0, target: 'progress' },
            { guard: ({ context, event }) => event.ok && context.i < context.count, target: 'sending', reenter: true, actions: assign({ i: ({ context }) => context.i + 1 }) },
            { guard: ({ event }) => event.ok, target: 'finishing' },
            { target: 'failed' },
          ],
        },
      },
      progress: {
        entry: sys.write(1, ({ context }) => `sent ${context.i}\n`),
        on: { 'sys.result': { target: 'sending', actions: assign({ i: ({ context }) => context.i + 1 }) } },
      },
      finishing: { entry: sys.write(1, ({ context }) => `sent ${context.count}\n`), on: { 'sys.result': 'done' } },
      failed: {
        entry: sys.write(2, ({ context, event }) => `numsend: send of ${context.i} failed: ${event.error?.code} ${event.error?.message}\n`),
        on: { 'sys.result': { actions: sys.exit(1) } },
      },
      done: { type: 'final' },
    },
  }),
});

/** Every program of this module (what `--programs` loads). */
export const programs = [lifeload, numsend];

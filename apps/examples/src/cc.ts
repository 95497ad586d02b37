import { assign, raise, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE } from './args.js';
import { passOutput, resultValue, type ExitOutput, type KernelEvents, fileError } from './common.js';

/**
 * Byte-steps of hashing per transition: well under a ms, so a host running cc still answers its
 * peers promptly (it yields to I/O only every few hundred slices) and other processes get the CPU.
 */
export const CC_SLICE_WORK = 1 << 17;
/** Rounds over the source when `-r` is not given. */
export const CC_DEFAULT_ROUNDS = 200;

interface CcContext {
  src: string;
  out: string;
  rounds: number;
  fd: number;
  text: string;
  /** Rounds done so far. */
  done: number;
  /** The eight 32-bit lanes of the running hash. */
  lanes: number[];
  error: string | null;
}

/** Parses `cc <src> -o <out> [-r rounds]`. */
export function parseCcArgs(args: readonly string[]): { src: string; out: string; rounds: number } | string {
  const usage = 'usage: cc <src> -o <out> [-r rounds]';
  let src = '';
  let out = '';
  let rounds = CC_DEFAULT_ROUNDS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '-r') {
      const v = args[++i];
      if (v === undefined) return `cc: ${a} needs a value\n${usage}`;
      if (a === '-o') out = v;
      else if (/^[0-9]{1,9}$/.test(v) && Number(v) >= 1) rounds = Number(v);
      else return `cc: -r wants a whole number ≥ 1, got '${v}'\n${usage}`;
    } else if (src === '') src = a;
    else return `cc: unexpected argument '${a}'\n${usage}`;
  }
  if (src === '' || out === '') return usage;
  return { src, out, rounds };
}

/** The lanes before any round. */
export function initialLanes(): number[] {
  return [0x811c9dc5, 0x01000193, 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c];
}

/**
 * `rounds` rounds of mixing `text` into the lanes (FNV-like multiply-xor with rotations): the
 * "compilation". Pure and deterministic, so an object is the same bytes wherever it was built.
 */
export function mixRounds(lanes: readonly number[], text: string, rounds: number): number[] {
  const l = lanes.slice();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < text.length; i++) {
      const k = i & 7;
      let h = l[k]! ^ text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
      l[k] = ((h << 13) | (h >>> 19)) ^ l[(k + 1) & 7]!;
    }
    l[r & 7] = (l[r & 7]! + r) | 0;
  }
  return l;
}

/** The object file: a header, then every source line with a hash of the final lanes and the line. */
export function objectText(src: string, rounds: number, lanes: readonly number[], text: string): string {
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const body = lines.map((line) => `${hex(mixRounds(lanes, line, 1)[0]!)} ${line}`);
  return `; object of ${src}, ${rounds} rounds, digest ${lanes.map(hex).join('')}\n${body.join('\n')}\n`;
}

const failure = (path: string, event: unknown): string => fileError('cc', path, event);

/**
 * `cc <src> -o <out> [-r rounds]` — a CPU-bound "compiler" over the file server's files: reads
 * `src`, runs `rounds` rounds of a hash over it ({@link mixRounds}), yielding between slices of
 * about {@link CC_SLICE_WORK} byte-steps (a zero-delay raise, as `primes` does), then writes
 * `out` ({@link objectText}) and exits 0. File errors go to stderr with exit 1.
 */
export const cc = defineProgram({
  name: 'cc',
  version: '1',
  summary: 'cc <src> -o <out> [-r rounds] — CPU-bound: hash a source file for many rounds, write an object',
  logic: setup({
    types: { context: {} as CcContext, input: {} as ProcInput, events: {} as KernelEvents | { type: 'slice' }, output: {} as ExitOutput },
    actions: {
      compileSlice: assign(({ context }) => {
        const per = Math.max(1, Math.floor(CC_SLICE_WORK / Math.max(1, context.text.length)));
        const n = Math.min(per, context.rounds - context.done);
        return { lanes: mixRounds(context.lanes, context.text, n), done: context.done + n };
      }),
      yield: raise({ type: 'slice' }, { delay: 0 }),
    },
    guards: { compiled: ({ context }) => context.done >= context.rounds },
  }).createMachine({
    id: 'cc',
    context: ({ input }) => {
      const p = parseCcArgs(input.args);
      const base = { fd: -1, text: '', done: 0, lanes: initialLanes() };
      return typeof p === 'string' ? { ...base, src: '', out: '', rounds: 0, error: p } : { ...base, ...p, error: null };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: { always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'opening' }] },
      opening: {
        entry: sys.open(({ context }) => context.src, 'r'),
        on: {
          'sys.result': [
            { guard: resultOf('open', true), target: 'reading', actions: assign({ fd: ({ event }) => resultValue<number>(event) }) },
            { guard: resultOf('open', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.src, event) }) },
          ],
        },
      },
      reading: {
        entry: sys.read(({ context }) => context.fd, 65536),
        on: {
          'sys.result': [
            { guard: ({ event }) => resultOf('read', true)({ event }) && resultValue<string>(event) === '', target: 'closingIn' },
            { guard: resultOf('read', true), target: 'reading', reenter: true, actions: assign({ text: ({ context, event }) => context.text + resultValue<string>(event) }) },
            { guard: resultOf('read', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.src, event) }) },
          ],
        },
      },
      closingIn: {
        entry: sys.close(({ context }) => context.fd),
        on: { 'sys.result': { guard: resultOf('close'), target: 'compiling' } },
      },
      compiling: {
        entry: 'yield',
        on: { slice: [{ guard: 'compiled', target: 'openingOut' }, { actions: ['compileSlice', 'yield'] }] },
      },
      openingOut: {
        entry: sys.open(({ context }) => context.out, 'w'),
        on: {
          'sys.result': [
            { guard: resultOf('open', true), target: 'writing', actions: assign({ fd: ({ event }) => resultValue<number>(event) }) },
            { guard: resultOf('open', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.out, event) }) },
          ],
        },
      },
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => objectText(context.src, context.rounds, context.lanes, context.text)),
        on: {
          'sys.result': [
            { guard: resultOf('write', true), target: 'closingOut' },
            { guard: resultOf('write', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.out, event) }) },
          ],
        },
      },
      closingOut: {
        entry: sys.close(({ context }) => context.fd),
        on: {
          'sys.result': [
            { guard: resultOf('close', true), target: 'done' },
            { guard: resultOf('close', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.out, event) }) },
          ],
        },
      },
      done: { type: 'final', output: { code: 0 } },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

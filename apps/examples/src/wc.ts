import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE } from './args.js';
import { passOutput, resultValue, type ExitOutput, type KernelEvents, fileError } from './common.js';

/** Bytes asked for per `sys.read`. */
export const WC_CHUNK = 65536;

interface WcContext {
  path: string;
  fd: number;
  lines: number;
  words: number;
  bytes: number;
  /** Whether the last character seen was inside a word (words span chunk boundaries). */
  inWord: boolean;
  error: string | null;
}

const utf8 = new TextEncoder();

/** Counts of one chunk, continuing from `inWord`. */
export function countChunk(text: string, inWord: boolean): { lines: number; words: number; bytes: number; inWord: boolean } {
  let lines = 0;
  let words = 0;
  for (const ch of text) {
    if (ch === '\n') lines++;
    if (/\s/.test(ch)) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return { lines, words, bytes: utf8.encode(text).length, inWord };
}

const failure = (path: string, event: unknown): string => fileError('wc', path, event);

/**
 * `wc <path>` — counts the lines (`\n`), words (runs of non-whitespace) and bytes (UTF-8) of
 * a file, reading it 64 KiB at a time, and prints `<lines> <words> <bytes> <path>\n` (the
 * numbers of `wc`, single-space separated rather than column-aligned). Exits 0; on a file
 * error prints `wc: <path>: <code> <message>` on stderr and exits 1.
 *
 * Bytes are counted on the text `sys.read` returns, so a multi-byte character split across
 * a chunk boundary counts as the replacement characters it decodes to.
 */
export const wc = defineProgram({
  name: 'wc',
  version: '1',
  summary: 'wc <path> — print the lines, words and bytes of a file',
  logic: setup({
    types: { context: {} as WcContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'wc',
    context: ({ input }) => {
      const path = input.args[0] ?? '';
      const error = input.args.length !== 1 || path === '' ? 'usage: wc <path>' : null;
      return { path, fd: -1, lines: 0, words: 0, bytes: 0, inWord: false, error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'opening' }],
      },
      opening: {
        entry: sys.open(({ context }) => context.path, 'r'),
        on: {
          'sys.result': [
            { guard: resultOf('open', true), target: 'reading', actions: assign({ fd: ({ event }) => resultValue<number>(event) }) },
            { guard: resultOf('open', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      reading: {
        entry: sys.read(({ context }) => context.fd, WC_CHUNK),
        on: {
          'sys.result': [
            { guard: ({ event }) => resultOf('read', true)({ event }) && resultValue<string>(event) === '', target: 'closing' },
            {
              guard: resultOf('read', true),
              target: 'reading',
              reenter: true,
              actions: assign(({ context, event }) => {
                const c = countChunk(resultValue<string>(event), context.inWord);
                return { lines: context.lines + c.lines, words: context.words + c.words, bytes: context.bytes + c.bytes, inWord: c.inWord };
              }),
            },
            { guard: resultOf('read', false), target: 'failedOpen', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      closing: {
        entry: sys.close(({ context }) => context.fd),
        on: {
          'sys.result': [
            { guard: resultOf('close', true), target: 'done' },
            { guard: resultOf('close', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      failedOpen: {
        // A read failed: close the fd (whatever the answer), then report.
        entry: sys.close(({ context }) => context.fd),
        on: { 'sys.result': { guard: resultOf('close'), target: 'failed' } },
      },
      done: {
        type: 'final',
        entry: sys.write(1, ({ context }) => `${context.lines} ${context.words} ${context.bytes} ${context.path}\n`),
        output: { code: 0 },
      },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

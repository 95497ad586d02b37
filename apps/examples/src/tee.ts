import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE } from './args.js';
import { passOutput, resultValue, type ExitOutput, type KernelEvents, fileError } from './common.js';

interface TeeContext {
  path: string;
  /** The remaining args joined by spaces plus '\n', or null when there were none. */
  text: string | null;
  fd: number;
  /** What is being copied to the file and stdout. */
  chunk: string;
  stdinDone: boolean;
  textDone: boolean;
  error: string | null;
}

const failure = (path: string, event: unknown): string => fileError('tee', path, event);

/**
 * `tee <path> [text…]` — creates (or truncates) `path`, copies stdin to both the file and
 * stdout until end of file, then writes the remaining args joined by spaces plus '\n' (when
 * there are any) to both, closes the file and exits 0. Each chunk goes to the file first,
 * then to stdout. On a file error prints `tee: <path>: <code> <message>` on stderr and
 * exits 1. (`wisp run tee …` gives it the CLI's standard input; started otherwise, stdin reads
 * as end of file at once.)
 */
export const tee = defineProgram({
  name: 'tee',
  version: '1',
  summary: 'tee <path> [text…] — copy stdin, then the text, to a file and stdout',
  logic: setup({
    types: { context: {} as TeeContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'tee',
    context: ({ input }) => {
      const [path = '', ...rest] = input.args;
      return {
        path,
        text: rest.length > 0 ? `${rest.join(' ')}\n` : null,
        fd: -1,
        chunk: '',
        stdinDone: false,
        textDone: false,
        error: path === '' ? 'usage: tee <path> [text…]' : null,
      };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'opening' }],
      },
      opening: {
        entry: sys.open(({ context }) => context.path, 'w'),
        on: {
          'sys.result': [
            { guard: resultOf('open', true), target: 'reading', actions: assign({ fd: ({ event }) => resultValue<number>(event) }) },
            { guard: resultOf('open', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      reading: {
        entry: sys.read(0),
        on: {
          'sys.result': [
            {
              guard: ({ event }) => resultOf('read', true)({ event }) && resultValue<string>(event) === '',
              target: 'afterStdin',
              actions: assign({ stdinDone: true }),
            },
            { guard: resultOf('read', true), target: 'writingFile', actions: assign({ chunk: ({ event }) => resultValue<string>(event) }) },
            { guard: resultOf('read', false), target: 'failedOpen', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      afterStdin: {
        always: [
          {
            guard: ({ context }) => context.text !== null && !context.textDone,
            target: 'writingFile',
            actions: assign({ chunk: ({ context }) => context.text ?? '', textDone: true }),
          },
          { target: 'closing' },
        ],
      },
      writingFile: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => context.chunk),
        on: {
          'sys.result': [
            { guard: resultOf('write', true), target: 'writingOut' },
            { guard: resultOf('write', false), target: 'failedOpen', actions: assign({ error: ({ context, event }) => failure(context.path, event) }) },
          ],
        },
      },
      writingOut: {
        entry: sys.write(1, ({ context }) => context.chunk),
        on: {
          'sys.result': [
            { guard: ({ context, event }) => resultOf('write')({ event }) && context.stdinDone, target: 'afterStdin' },
            { guard: resultOf('write'), target: 'reading' },
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
        // A read or write failed: close the fd (whatever the answer), then report.
        entry: sys.close(({ context }) => context.fd),
        on: { 'sys.result': { guard: resultOf('close'), target: 'failed' } },
      },
      done: { type: 'final', output: { code: 0 } },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

import { assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE } from './args.js';
import { passOutput, resultValue, type ExitOutput, type KernelEvents, fileError } from './common.js';

interface LinkContext {
  out: string;
  objects: string[];
  /** Index of the object being read. */
  at: number;
  fd: number;
  image: string;
  error: string | null;
}

/** Parses `link -o <out> <obj>…`. */
export function parseLinkArgs(args: readonly string[]): { out: string; objects: string[] } | string {
  const usage = 'usage: link -o <out> <obj>…';
  const objects: string[] = [];
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o') {
      const v = args[++i];
      if (v === undefined) return `link: -o needs a value\n${usage}`;
      out = v;
    } else objects.push(args[i]!);
  }
  return out === '' || objects.length === 0 ? usage : { out, objects };
}

const failure = (path: string, event: unknown): string => fileError('link', path, event);

/**
 * `link -o <out> <obj>…` — concatenates object files, in order, each after a `== <obj> ==` line,
 * into `out`, then prints `link: <out>: N objects, B chars` and exits 0. File errors go to stderr
 * with exit 1.
 */
export const link = defineProgram({
  name: 'link',
  version: '1',
  summary: 'link -o <out> <obj>… — concatenate object files into one',
  logic: setup({
    types: { context: {} as LinkContext, input: {} as ProcInput, events: {} as KernelEvents, output: {} as ExitOutput },
  }).createMachine({
    id: 'link',
    context: ({ input }) => {
      const p = parseLinkArgs(input.args);
      const base = { at: 0, fd: -1, image: '' };
      return typeof p === 'string' ? { ...base, out: '', objects: [], error: p } : { ...base, ...p, error: null };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: { always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'opening' }] },
      opening: {
        entry: sys.open(({ context }) => context.objects[context.at]!, 'r'),
        on: {
          'sys.result': [
            {
              guard: resultOf('open', true),
              target: 'reading',
              actions: assign({ fd: ({ event }) => resultValue<number>(event), image: ({ context }) => `${context.image}== ${context.objects[context.at]} ==\n` }),
            },
            { guard: resultOf('open', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.objects[context.at]!, event) }) },
          ],
        },
      },
      reading: {
        entry: sys.read(({ context }) => context.fd, 65536),
        on: {
          'sys.result': [
            { guard: ({ event }) => resultOf('read', true)({ event }) && resultValue<string>(event) === '', target: 'closing' },
            { guard: resultOf('read', true), target: 'reading', reenter: true, actions: assign({ image: ({ context, event }) => context.image + resultValue<string>(event) }) },
            { guard: resultOf('read', false), target: 'failed', actions: assign({ error: ({ context, event }) => failure(context.objects[context.at]!, event) }) },
          ],
        },
      },
      closing: {
        entry: sys.close(({ context }) => context.fd),
        on: {
          'sys.result': [
            { guard: ({ context, event }) => resultOf('close')({ event }) && context.at + 1 < context.objects.length, target: 'opening', actions: assign({ at: ({ context }) => context.at + 1 }) },
            { guard: resultOf('close'), target: 'openingOut' },
          ],
        },
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
        entry: sys.write(({ context }) => context.fd, ({ context }) => context.image),
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
      done: {
        type: 'final',
        entry: sys.write(1, ({ context }) => `link: ${context.out}: ${context.objects.length} objects, ${context.image.length} chars\n`),
        output: { code: 0 },
      },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

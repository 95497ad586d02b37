import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';

/**
 * Programs for the file integration tests, loaded by host processes with `--programs`.
 */

const ok = ({ event }: { event: SysResult }) => event.ok;
const errorLine = (who: string) => ({ event }: { event: unknown }) => `${who}: ${(event as SysResult).error?.code} ${(event as SysResult).error?.message}\n`;

type HoldCtx = { path: string; mode: string; fd: number };
type HoldEvent = SysResult | { type: 'write'; text: string } | { type: 'read' } | { type: 'seek'; offset: number } | { type: 'close' };

/**
 * `fhold <path> <mode>` — opens a file and holds it open, driven by messages: `write {text}`,
 * `read`, `seek {offset}`, `close` (then exits 0). Each answer is one line on stdout:
 * `open <fd>`, `wrote <n>`, `read <JSON text>`, `seeked <pos>`, or `error <code>`.
 */
export const fhold = defineProgram({
  name: 'fhold',
  logic: setup({ types: { context: {} as HoldCtx, input: {} as ProcInput, events: {} as HoldEvent } }).createMachine({
    context: ({ input }) => ({ path: input.args[0]!, mode: input.args[1] ?? 'r', fd: -1 }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open(({ context }) => context.path, ({ context }) => context.mode),
        on: {
          'sys.result': [
            { guard: ok, target: 'announcing', actions: assign({ fd: ({ event }) => (event as SysResult).value as number }) },
            { target: 'failed' },
          ],
        },
      },
      announcing: { entry: sys.write(1, ({ context }) => `open ${context.fd}\n`), on: { 'sys.result': 'idle' } },
      idle: {
        on: {
          write: 'writing',
          read: 'reading',
          seek: 'seeking',
          close: 'closing',
        },
      },
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ event }) => (event as { text: string }).text),
        on: { 'sys.result': 'answering' },
      },
      reading: { entry: sys.read(({ context }) => context.fd, 65536), on: { 'sys.result': 'answering' } },
      seeking: {
        entry: sys.seek(({ context }) => context.fd, ({ event }) => (event as { offset: number }).offset, 'set'),
        on: { 'sys.result': 'answering' },
      },
      answering: {
        entry: sys.write(1, ({ event }) => {
          const r = event as SysResult;
          if (!r.ok) return `error ${r.error?.code}\n`;
          if (r.call === 'write') return `wrote ${String(r.value)}\n`;
          if (r.call === 'read') return `read ${JSON.stringify(r.value)}\n`;
          return `seeked ${String(r.value)}\n`;
        }),
        on: { 'sys.result': 'idle' },
      },
      closing: { entry: sys.close(({ context }) => context.fd), on: { 'sys.result': [{ guard: ok, target: 'done' }, { target: 'failed' }] } },
      failed: { entry: sys.write(2, errorLine('fhold')), on: { 'sys.result': { actions: sys.exit(1) } } },
      done: { type: 'final' },
    },
  }),
});

type AppendCtx = { n: number; i: number; fd: number };
/** The write just answered succeeded and was not the last one. */
const again = ({ context, event }: { context: AppendCtx; event: SysResult }) => event.ok && context.i + 1 < context.n;
const fail = (who: string) => ({ entry: sys.write(2, errorLine(who)), on: { 'sys.result': { actions: sys.exit(1) } } });

/**
 * `appender <path> <n> <childHost>` — opens `path` for appending, spawns `appender-child` on
 * `childHost` (which inherits the fd), appends `parent i\n` n times (one write each) while the
 * child appends, waits for the child and exits 0 (1 on any failure, or when the child failed).
 */
export const appender = defineProgram({
  name: 'appender',
  logic: setup({ types: { context: {} as AppendCtx & { path: string; on: string }, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ path: input.args[0]!, n: Number(input.args[1]), on: input.args[2]!, i: 0, fd: -1 }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open(({ context }) => context.path, 'a'),
        on: { 'sys.result': [{ guard: ok, target: 'spawning', actions: assign({ fd: ({ event }) => event.value as number }) }, { target: 'failed' }] },
      },
      spawning: {
        entry: sys.spawn('appender-child', ({ context }) => [String(context.n), String(context.fd)], ({ context }) => ({ on: context.on })),
        on: { 'sys.result': [{ guard: ok, target: 'writing' }, { target: 'failed' }] },
      },
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => `parent ${context.i}\n`),
        on: {
          'sys.result': [
            { guard: again, target: 'writing', reenter: true, actions: assign({ i: ({ context }) => context.i + 1 }) },
            { guard: ok, target: 'waiting' },
            { target: 'failed' },
          ],
        },
      },
      waiting: {
        entry: sys.wait(null),
        on: { 'sys.result': [{ guard: ({ event }) => event.ok && (event.value as { code: number }).code === 0, target: 'done' }, { target: 'failed' }] },
      },
      failed: fail('appender'),
      done: { type: 'final' },
    },
  }),
});

/** `appender-child <n> <fd>` — appends `child i\n` n times to the inherited fd, one write each. */
export const appenderChild = defineProgram({
  name: 'appender-child',
  logic: setup({ types: { context: {} as AppendCtx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ n: Number(input.args[0]), i: 0, fd: Number(input.args[1]) }),
    initial: 'writing',
    states: {
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => `child ${context.i}\n`),
        on: {
          'sys.result': [
            { guard: again, target: 'writing', reenter: true, actions: assign({ i: ({ context }) => context.i + 1 }) },
            { guard: ok, target: 'done' },
            { target: 'failed' },
          ],
        },
      },
      failed: fail('appender-child'),
      done: { type: 'final' },
    },
  }),
});

/** Every program of this module (what `--programs` loads). */
export const programs = [fhold, appender, appenderChild];

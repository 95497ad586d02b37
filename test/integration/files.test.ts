import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';
import { startFsCluster, type FsCluster } from './fsCluster.js';
import { runToEnd } from './runProgram.js';

const CLUSTER = 'filetest';

type Ctx = { args: string[]; fd: number; text: string };
const ok = ({ event }: { event: SysResult }) => event.ok;

/**
 * `fput <path> <text>` — writes text to a file (open 'w', write, close); exit 0, or 1 with the
 * error code on stderr.
 */
const fput = defineProgram({
  name: 'fput',
  logic: setup({ types: { context: {} as Ctx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ args: input.args, fd: -1, text: '' }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open(({ context }) => context.args[0]!, 'w'),
        on: { 'sys.result': [{ guard: ok, target: 'writing', actions: assign({ fd: ({ event }) => event.value as number }) }, { target: 'failed' }] },
      },
      writing: {
        entry: sys.write(({ context }) => context.fd, ({ context }) => context.args[1] ?? ''),
        on: { 'sys.result': [{ guard: ok, target: 'closing' }, { target: 'failed' }] },
      },
      closing: {
        entry: sys.close(({ context }) => context.fd),
        on: { 'sys.result': [{ guard: ok, target: 'done' }, { target: 'failed' }] },
      },
      failed: {
        entry: sys.write(2, ({ event }) => `fput: ${(event as SysResult).error?.code}\n`),
        on: { 'sys.result': { actions: sys.exit(1) } },
      },
      done: { type: 'final' },
    },
  }),
});

/** `fcat <path>` — reads a file (one read) and prints it on stdout. */
const fcat = defineProgram({
  name: 'fcat',
  logic: setup({ types: { context: {} as Ctx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ args: input.args, fd: -1, text: '' }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open(({ context }) => context.args[0]!, 'r'),
        on: { 'sys.result': [{ guard: ok, target: 'reading', actions: assign({ fd: ({ event }) => event.value as number }) }, { target: 'failed' }] },
      },
      reading: {
        entry: sys.read(({ context }) => context.fd, 65536),
        on: { 'sys.result': [{ guard: ok, target: 'printing', actions: assign({ text: ({ event }) => event.value as string }) }, { target: 'failed' }] },
      },
      printing: {
        entry: sys.write(1, ({ context }) => context.text),
        on: { 'sys.result': 'closing' },
      },
      closing: {
        entry: sys.close(({ context }) => context.fd),
        on: { 'sys.result': [{ guard: ok, target: 'done' }, { target: 'failed' }] },
      },
      failed: {
        entry: sys.write(2, ({ event }) => `fcat: ${(event as SysResult).error?.code}\n`),
        on: { 'sys.result': { actions: sys.exit(1) } },
      },
      done: { type: 'final' },
    },
  }),
});

let c: FsCluster;

beforeAll(async () => {
  c = await startFsCluster(CLUSTER, ['h1', 'h2'], [fput, fcat]);
}, 30_000);

afterAll(async () => {
  await c?.stop();
});

describe('file calls through a file server', () => {
  it('a file written by a program on h1 is read back by a program on h2', async () => {
    const w = await runToEnd(c.client, 'fput', ['/hello.txt', 'hello from h1\n'], { home: 'h1' });
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const r = await runToEnd(c.client, 'fcat', ['/hello.txt'], { home: 'h1', on: 'h2' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from h1\n');
    expect(r.code).toBe(0);
  });

  it('a missing file is ENOENT for the program', async () => {
    const r = await runToEnd(c.client, 'fcat', ['/no/such/file'], { home: 'h1', on: 'h2' });
    expect(r.stderr).toBe('fcat: ENOENT\n');
    expect(r.code).toBe(1);
  });
});

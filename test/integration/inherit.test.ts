import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { defineProgram, sys, type ProcInput, type SysResult } from '@wisp/proc';
import { startFsCluster, type FsCluster } from './fsCluster.js';
import { runToEnd } from './runProgram.js';

const CLUSTER = 'inherittest';
const N = 50;

type Ctx = { n: number; i: number; fd: number };
const ok = ({ event }: { event: SysResult }) => event.ok;
/** The write just answered succeeded and was not the last one. */
const again = ({ context, event }: { context: Ctx; event: SysResult }) => event.ok && context.i + 1 < context.n;
const fail = (who: string) => ({
  entry: sys.write(2, ({ event }: { event: unknown }) => `${who}: ${(event as SysResult).error?.code} ${(event as SysResult).error?.message}\n`),
  on: { 'sys.result': { actions: sys.exit(1) } },
});

/**
 * `appender <n>` — opens `/log.txt` for appending, spawns `appender-child <n>` on h2 (which
 * inherits the fd), appends `parent i\n` n times (one write each) while the child appends, waits
 * for the child and exits with 0 (or 1 on any failure, or when the child failed).
 */
const appender = defineProgram({
  name: 'appender',
  logic: setup({ types: { context: {} as Ctx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
    context: ({ input }) => ({ n: Number(input.args[0]), i: 0, fd: -1 }),
    initial: 'opening',
    states: {
      opening: {
        entry: sys.open('/log.txt', 'a'),
        on: { 'sys.result': [{ guard: ok, target: 'spawning', actions: assign({ fd: ({ event }) => event.value as number }) }, { target: 'failed' }] },
      },
      spawning: {
        entry: sys.spawn('appender-child', ({ context }) => [String(context.n), String(context.fd)], { on: 'h2' }),
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
        on: {
          'sys.result': [
            { guard: ({ event }) => event.ok && (event.value as { code: number }).code === 0, target: 'done' },
            { target: 'failed' },
          ],
        },
      },
      failed: fail('appender'),
      done: { type: 'final' },
    },
  }),
});

/** `appender-child <n> <fd>` — appends `child i\n` n times to the inherited fd, one write each. */
const appenderChild = defineProgram({
  name: 'appender-child',
  logic: setup({ types: { context: {} as Ctx, input: {} as ProcInput, events: {} as SysResult } }).createMachine({
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

let c: FsCluster;

beforeAll(async () => {
  c = await startFsCluster(CLUSTER, ['h1', 'h2'], [appender, appenderChild]);
}, 30_000);

afterAll(async () => {
  await c?.stop();
});

describe('a spawned child inherits its parent’s fds', () => {
  it('parent on h1 and child on h2 append to one shared stream without losing a line', async () => {
    const r = await runToEnd(c.client, 'appender', [String(N)], { home: 'h1' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const expected = [...Array.from({ length: N }, (_, i) => `parent ${i}`), ...Array.from({ length: N }, (_, i) => `child ${i}`)];
    const expectedBytes = expected.reduce((n, l) => n + l.length + 1, 0);

    const fs = c.fs[0]!;
    const { stream } = await fs.open('/log.txt', 'r');
    const chunks: Uint8Array[] = [];
    for (;;) {
      const b = await fs.read(stream, 65536);
      if (b.length === 0) break;
      chunks.push(b);
    }
    await fs.close(stream);
    const text = new TextDecoder().decode(Buffer.concat(chunks));

    expect(text.length).toBe(expectedBytes);
    expect((await fs.stat('/log.txt')).size).toBe(expectedBytes);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2 * N);
    expect([...lines].sort()).toEqual([...expected].sort());
    // Each writer's lines stay in its own order.
    expect(lines.filter((l) => l.startsWith('parent '))).toEqual(expected.slice(0, N));
    expect(lines.filter((l) => l.startsWith('child '))).toEqual(expected.slice(N));
  }, 30_000);
});

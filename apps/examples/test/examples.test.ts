import { describe, expect, test } from 'vitest';
import { SimCluster } from '../../../packages/kernel/test/simCluster.js';
import { CRASH_MESSAGE, PRIMES_CHUNK, USAGE_EXIT_CODE, examplePrograms, exampleRegistry } from '../src/index.js';

const HOUR = 3600_000;

function sim(...hosts: (string | { id: string; skewMs: number })[]): SimCluster {
  return new SimCluster({ hosts: hosts.length ? hosts : ['h1'], registry: exampleRegistry() });
}

describe('example programs', () => {
  test('the registry holds every program at version 1, each with a summary', () => {
    expect(exampleRegistry().list()).toEqual(
      ['cc', 'clock', 'counter', 'crasher', 'exiter', 'life', 'link', 'parent', 'pingpong', 'pong', 'primes', 'sleeper', 'tee', 'wc'].map((n) => `${n}@1`),
    );
    for (const p of examplePrograms) expect(p.summary, p.name).toMatch(/^\S+/);
  });

  test('counter prints count 1..n, ms apart, and exits 0', () => {
    const s = sim();
    const t0 = s.now;
    const p = s.spawn('h1', 'counter');
    s.settle();
    expect(s.output(p.tty)).toBe('count 1\ncount 2\ncount 3\ncount 4\ncount 5\n');
    expect(s.exitCode(p.tty)).toBe(0);
    expect(s.exitTime(p.tty, p.pid)).toBe(t0 + 4 * 100);
    const lines = s.publishedTo(p.tty).filter((r) => (r.body as { kind: string }).kind === 'out');
    expect(lines.map((r) => r.at - t0)).toEqual([0, 100, 200, 300, 400]);

    const q = s.spawn('h1', 'counter', ['2', '7']);
    s.settle();
    expect(s.output(q.tty)).toBe('count 1\ncount 2\n');
    const z = s.spawn('h1', 'counter', ['0']);
    s.settle();
    expect(s.output(z.tty)).toBe('');
    expect(s.exitCode(z.tty)).toBe(0);
  });

  test('primes counts the primes below the limit, one chunk per slice', () => {
    const s = sim();
    const p = { tty: 'tty.primes' };
    const spawn = s.request(s.subject('h1', 'spawn'), { program: 'primes', args: [], tty: p.tty });
    s.step(); // the spawn request: the process starts and queues its first chunk
    let slices = 0;
    while (s.slice('h1')) slices++;
    s.settle();
    expect(spawn.value()).toEqual({ pid: 'h1-1', host: 'h1' });
    expect(s.output(p.tty)).toBe('primes below 20000: 2262\n');
    expect(s.exitCode(p.tty)).toBe(0);
    expect(slices).toBe(Math.ceil((20000 - 2) / PRIMES_CHUNK));

    for (const [limit, count] of [
      ['0', 0],
      ['2', 0],
      ['3', 1],
      ['100', 25],
      ['1000', 168],
    ] as const) {
      const q = s.spawn('h1', 'primes', [limit]);
      s.settle();
      expect(s.output(q.tty)).toBe(`primes below ${limit}: ${count}\n`);
    }
  });

  test('primes shares the CPU: a counter keeps its pace while primes runs', () => {
    const s = sim();
    const t0 = s.now;
    const c = s.spawn('h1', 'counter', ['3', '0']);
    const p = s.spawn('h1', 'primes', ['200000']);
    s.settle();
    expect(s.output(p.tty)).toBe('primes below 200000: 17984\n');
    expect(s.output(c.tty)).toBe('count 1\ncount 2\ncount 3\n');
    // The counter finished long before primes did, in the same virtual instant.
    const out = s.consoleLog.filter((l) => l.host === 'h1');
    expect(out.findIndex((l) => l.pid === c.pid && l.data === 'count 3\n')).toBeLessThan(out.findIndex((l) => l.pid === p.pid));
    expect(s.now).toBe(t0);
  });

  test.each([[[]], [['3']], [['4', 'h2']]])('pingpong %j plays its rounds and reaps the child', (args) => {
    const s = sim('h1', 'h2');
    const p = s.spawn('h1', 'pingpong', args);
    s.settle();
    const rounds = Number(args[0] ?? 5);
    const child = s.eventsOf('proc.start').find((e) => e.data.program === 'pong')!;
    expect(child.host).toBe(args[1] ?? 'h1');
    const expected = Array.from({ length: rounds }, (_, i) => `ping ${i + 1} -> pong ${i + 1}\n`).join('') + `child ${String(child.data.pid)} exited 0\n`;
    expect(s.output(p.tty)).toBe(expected);
    expect(s.exitCode(p.tty)).toBe(0);
    expect(s.kernel('h1').processCount + s.kernel('h2').processCount).toBe(0);
  });

  test('pingpong with the child on another host sends its messages over proc subjects', () => {
    const s = sim('h1', 'h2');
    const p = s.spawn('h1', 'pingpong', ['2', 'h2']);
    s.settle();
    const pong = 'h1-2';
    expect(s.requestsFrom('h1').filter((r) => r.subject === `wisp.default.proc.${pong}`).map((r) => (r.body as { event: unknown }).event)).toEqual([
      { type: 'ping', seq: 1 },
      { type: 'ping', seq: 2 },
      { type: 'stop' },
    ]);
    expect(s.requestsFrom('h2').filter((r) => r.subject === `wisp.default.proc.${p.pid}`)).toHaveLength(2);
  });

  test('pingpong reports a child that cannot be started', () => {
    const s = sim('h1');
    const p = s.spawn('h1', 'pingpong', ['2', 'h7']);
    s.settle();
    expect(s.output(p.tty, 2)).toMatch(/^pingpong: spawn failed: EHOSTUNREACH/);
    expect(s.exitCode(p.tty)).toBe(1);
  });

  test('clock prints the home time, also when it runs on a skewed host', () => {
    const s = sim('h1', { id: 'h2', skewMs: 2 * HOUR });
    const t0 = s.now;
    const p = s.spawn('h1', 'clock', [], { on: 'h2' });
    s.settle();
    const times = [0, 200, 400].map((d) => `time ${new Date(t0 + d).toISOString()} on-home-clock\n`).join('');
    expect(s.output(p.tty)).toBe(times);
    expect(s.exitCode(p.tty)).toBe(0);
    // Every reading was forwarded home.
    expect(s.requestsFrom('h2').filter((r) => (r.body as { call?: string }).call === 'time')).toHaveLength(3);
  });

  test('sleeper sleeps, answers USR1, and dies of TERM', () => {
    const s = sim('h1', 'h2');
    const t0 = s.now;
    const a = s.spawn('h1', 'sleeper', ['1000'], { on: 'h2' });
    s.advance(300);
    expect(s.call('h1', 'kill', { pid: a.pid, signal: 'USR1' })).toEqual({ ok: true, value: {}, boot: 'h1' });
    s.advance(300);
    expect(s.call('h2', 'kill', { pid: a.pid, signal: 'USR1' })).toEqual({ ok: true, value: {}, boot: 'h2' });
    s.settle();
    expect(s.output(a.tty)).toBe('got USR1\ngot USR1\n');
    expect(s.exitCode(a.tty)).toBe(0);
    expect(s.exitTime(a.tty, a.pid)).toBe(t0 + 1000);

    const b = s.spawn('h1', 'sleeper');
    s.advance(10);
    s.call('h1', 'kill', { pid: b.pid, signal: 'TERM' });
    expect(s.exitCode(b.tty)).toBe(143);
    expect(s.output(b.tty)).toBe('');
    expect(s.armedTimers()).toEqual([]);
  });

  test.each([
    [[], 3, 'h1'],
    [['', '0'], 0, 'h1'],
    [['h2'], 3, 'h2'],
    [['h2', '42'], 42, 'h2'],
  ])('parent %j exits with its child’s code', (args, code, childHost) => {
    const s = sim('h1', 'h2');
    const p = s.spawn('h1', 'parent', args);
    s.settle();
    expect(s.output(p.tty)).toBe(`exiting ${code}\nchild exited ${code}\n`);
    expect(s.exitCode(p.tty)).toBe(code);
    expect(s.eventsOf('proc.start').find((e) => e.data.program === 'exiter')?.host).toBe(childHost);
  });

  test('exiter prints and exits with its code, at home or away', () => {
    const s = sim('h1', 'h2');
    const a = s.spawn('h1', 'exiter', ['9']);
    const b = s.spawn('h1', 'exiter', ['255'], { on: 'h2' });
    const c = s.spawn('h1', 'exiter');
    s.settle();
    expect([s.output(a.tty), s.exitCode(a.tty)]).toEqual(['exiting 9\n', 9]);
    expect([s.output(b.tty), s.exitCode(b.tty)]).toEqual(['exiting 255\n', 255]);
    expect([s.output(c.tty), s.exitCode(c.tty)]).toEqual(['exiting 0\n', 0]);
  });

  test('crasher crashes with exit code 70 and says why on stderr', () => {
    const s = sim('h1');
    const p = s.spawn('h1', 'crasher');
    s.settle();
    expect(s.exitCode(p.tty)).toBe(70);
    expect(s.output(p.tty, 2)).toBe(`crasher: ${CRASH_MESSAGE}\n`);
    expect(s.output(p.tty, 1)).toBe(''); // the write after the throwing assign never happened
  });

  test.each([
    ['counter', ['x']],
    ['counter', ['5', '-1']],
    ['counter', ['1', '2', '3']],
    ['primes', ['1e5']],
    ['pingpong', ['-2']],
    ['clock', ['3', 'soon']],
    ['sleeper', ['99999999999']],
    ['parent', ['h2', '256']],
    ['exiter', ['3.5']],
  ])('%s %j is a usage error', (program, args) => {
    const s = sim('h1');
    const p = s.spawn('h1', program, args);
    s.settle();
    expect(s.exitCode(p.tty)).toBe(USAGE_EXIT_CODE);
    expect(s.output(p.tty, 2)).toMatch(new RegExp(`^${program}: .*\\nusage: ${program}`));
    expect(s.output(p.tty, 1)).toBe('');
  });
});

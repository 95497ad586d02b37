import { describe, expect, test } from 'vitest';
import { createMachine, emit } from 'xstate';
import { defineProgram, ProgramRegistry, sys, type SysResult } from '@wisp/proc';
import { counter } from '../../../apps/examples/src/index.js';
import { allPrograms, cluster, emitted, scriptResults } from './helpers.js';
import type { ScriptStep } from './programs.js';
import { SimCluster, SimRequestError } from './simCluster.js';

const steps = (...s: ScriptStep[]) => [JSON.stringify(s)];
const HOUR = 3600_000;

describe('home duties', () => {
  test('pids encode the home host and increase, wherever the process runs', () => {
    const sim = cluster('h1', 'h2');
    const pids = [
      sim.spawn('h1', 'sink').pid,
      sim.spawn('h1', 'sink').pid,
      sim.spawn('h1', 'sink', [], { on: 'h2' }).pid,
      sim.spawn('h2', 'sink').pid,
      sim.spawn('h1', 'sink').pid,
    ];
    expect(pids).toEqual(['h1-1', 'h1-2', 'h1-3', 'h2-1', 'h1-4']);
    expect(sim.whereIs('h1-3')).toBe('h2');
    // A child of a process away from home also gets its pid from the home.
    const p = sim.spawn('h1', 'script', steps(['spawn', 'sink', [], {}], ['spawn', 'sink', [], { on: 'h2' }]), { on: 'h2' });
    sim.run();
    expect(p.pid).toBe('h1-5');
    expect(scriptResults(sim, p.pid).map((r) => r.value)).toEqual([
      { pid: 'h1-6', host: 'h1' },
      { pid: 'h1-7', host: 'h2' },
    ]);
  });

  test('time is the home clock, even on a skewed host', () => {
    const sim = cluster('h1', { id: 'h2', skewMs: 5 * HOUR });
    const t0 = sim.now;
    const away = sim.spawn('h1', 'clock', ['2', '100'], { on: 'h2' });
    sim.settle();
    expect(sim.output(away.tty)).toBe(
      `time ${new Date(t0).toISOString()} on-home-clock\ntime ${new Date(t0 + 100).toISOString()} on-home-clock\n`,
    );
    // Homed on the skewed host, a process reads that host's clock.
    const t1 = sim.now;
    const skewed = sim.spawn('h2', 'clock', ['1']);
    sim.settle();
    expect(sim.output(skewed.tty)).toBe(`time ${new Date(t1 + 5 * HOUR).toISOString()} on-home-clock\n`);
  });

  test('a process spawned on another host prints on its home console and tty', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'counter', ['3', '10'], { on: 'h2' });
    expect(p.host).toBe('h2');
    expect(sim.eventsOf('proc.start', 'h2').map((e) => e.data.pid)).toEqual([p.pid]);
    sim.settle();
    expect(sim.output(p.tty)).toBe('count 1\ncount 2\ncount 3\n');
    expect(sim.consoleText('h1', { pid: p.pid })).toBe('count 1\ncount 2\ncount 3\n');
    expect(sim.consoleText('h2')).toBe('');
    expect(sim.exitCode(p.tty)).toBe(0);
    expect(sim.tty(p.tty).at(-1)).toEqual({ kind: 'exit', pid: p.pid, code: 0, root: true });
  });

  test('exit status reaches a waiting parent across hosts', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'parent', ['h2', '3']);
    sim.settle();
    expect(sim.output(p.tty)).toBe('exiting 3\nchild exited 3\n');
    expect(sim.exitCode(p.tty)).toBe(3);
    // The child's exit went home from h2, and the home published it as a non-root exit.
    expect(sim.tty(p.tty)).toContainEqual({ kind: 'exit', pid: 'h1-2', code: 3, root: false });
  });

  test('spawn anywhere with no migd running: the child runs at home and the parent is told where', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'parent', ['anywhere', '4'], { on: 'h2' });
    sim.settle();
    // The child (at home) and the parent (on h2) write concurrently: compare lines as a set, then the last.
    const lines = sim.output(p.tty).split('\n').filter(Boolean);
    expect([...lines].sort()).toEqual(['child exited 4', 'child on h1', 'exiting 4']);
    expect(lines.at(-1)).toBe('child exited 4');
    expect(sim.exitCode(p.tty)).toBe(4);
  });

  test('exit status is kept for a parent that waits after the child exited', () => {
    const sim = cluster('h1', 'h2');
    const t0 = sim.now;
    const p = sim.spawn('h1', 'script', steps(['spawn', 'exiter', ['7'], { on: 'h2' }], ['sleep', 100], ['wait', '$child'], ['wait', null]));
    sim.run();
    // The child is gone before the parent even starts to wait.
    expect(sim.whereIs('h1-2')).toBeUndefined();
    expect(sim.tty(p.tty)).toContainEqual({ kind: 'exit', pid: 'h1-2', code: 7, root: false });
    sim.settle();
    const r = scriptResults(sim, p.pid);
    expect(r[2]).toMatchObject({ call: 'wait', ok: true, value: { pid: 'h1-2', code: 7 } });
    // Reaped once: a second wait has no child left.
    expect(r[3]).toMatchObject({ call: 'wait', ok: false, error: { code: 'ECHILD' } });
    expect(sim.now).toBe(t0 + 100);
  });

  test('a parent away from home waits for a child on a third host', () => {
    const sim = cluster('h1', 'h2', 'h3');
    const p = sim.spawn('h1', 'script', steps(['spawn', 'sleeper', ['300'], { on: 'h2' }], ['wait', '$child']), { on: 'h3' });
    sim.run();
    const wait = sim.requestsFrom('h3').find((r) => (r.body as { call?: string }).call === 'wait');
    expect(wait?.subject).toBe('wisp.default.host.h1.syscall');
    sim.settle();
    expect(scriptResults(sim, p.pid)[1]).toMatchObject({ call: 'wait', ok: true, value: { pid: 'h1-2', code: 0 } });
    expect(sim.exitCode(p.tty)).toBe(0);
  });

  test('a kill sent to any host reaches the process through its home', () => {
    const sim = cluster('h1', 'h2', 'h3');
    const p = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h2' });
    const since = sim.requests.length;
    const answer = sim.call('h3', 'kill', { pid: p.pid, signal: 'TERM' });
    expect(answer).toEqual({ ok: true, value: {}, boot: expect.any(String) });
    expect(sim.requests.slice(since).map((r) => `${r.from} -> ${r.subject}`)).toEqual([
      'client -> wisp.default.host.h3.kill',
      'h3 -> wisp.default.host.h1.kill',
      'h1 -> wisp.default.host.h2.signal',
      'h2 -> wisp.default.host.h1.syscall', // the exit status, home
    ]);
    expect(sim.exitCode(p.tty)).toBe(143);
    expect(sim.whereIs(p.pid)).toBeUndefined();
    // And from a process on yet another host.
    const q = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h3' });
    const killer = sim.spawn('h2', 'script', steps(['kill', q.pid, 'USR2']));
    sim.run();
    expect(scriptResults(sim, killer.pid)[0]).toMatchObject({ call: 'kill', ok: true });
    expect(sim.exitCode(q.tty)).toBe(128 + 12);
  });

  test('an unhandled TERM exits 143, KILL exits 137, a handled USR1 does not end the process', () => {
    const sim = cluster('h1');
    const t0 = sim.now;
    const a = sim.spawn('h1', 'sleeper', ['1000']);
    const b = sim.spawn('h1', 'sleeper', ['1000']);
    const c = sim.spawn('h1', 'sleeper', ['1000']);
    const d = sim.spawn('h1', 'sink');
    sim.advance(10);
    for (const [pid, signal] of [
      [a.pid, 'TERM'],
      [b.pid, 'KILL'],
      [c.pid, 'USR1'],
      [d.pid, 'TERM'],
    ] as const) {
      expect(sim.call('h1', 'kill', { pid, signal })).toEqual({ ok: true, value: {}, boot: expect.any(String) });
    }
    expect(sim.exitCode(a.tty)).toBe(143);
    expect(sim.exitCode(b.tty)).toBe(137);
    expect(sim.output(c.tty)).toBe('got USR1\n');
    expect(sim.exitCode(c.tty)).toBeUndefined();
    // sink handles every signal it can, so TERM is just an event to it; KILL still ends it.
    expect(emitted(sim, d.pid, 'got')).toEqual([{ type: 'got', event: { type: 'sys.signal', signal: 'TERM' } }]);
    expect(sim.call('h1', 'kill', { pid: d.pid, signal: 'KILL' })).toEqual({ ok: true, value: {}, boot: expect.any(String) });
    expect(sim.exitCode(d.tty)).toBe(137);
    sim.settle();
    expect(sim.exitCode(c.tty)).toBe(0);
    expect(sim.exitTime(c.tty, c.pid)).toBe(t0 + 1000); // the original deadline
    // The dead are gone: a second kill finds nobody.
    expect(sim.call('h1', 'kill', { pid: a.pid, signal: 'TERM' })).toMatchObject({ ok: false, error: { code: 'ESRCH' } });
  });

  test('wait with no children fails with ECHILD', () => {
    const sim = cluster('h1', 'h2');
    const other = sim.spawn('h1', 'sink');
    const p = sim.spawn('h1', 'script', steps(['wait', null], ['wait', other.pid], ['wait', 'h2-1']));
    const q = sim.spawn('h1', 'script', steps(['wait', null]), { on: 'h2' });
    sim.settle();
    expect(scriptResults(sim, p.pid).map((r) => r.error?.code)).toEqual(['ECHILD', 'ECHILD', 'ECHILD']);
    expect(scriptResults(sim, q.pid).map((r) => r.error?.code)).toEqual(['ECHILD']);
    expect(sim.exitCode(p.tty)).toBe(0); // and it carried on
  });

  test('spawn of an unknown program fails with ENOPROG, here or on the target host', () => {
    const sim = new SimCluster({ hosts: ['h1', { id: 'h2', registry: new ProgramRegistry([counter]) }], registry: allPrograms() });
    const p = sim.spawn('h1', 'script', steps(['spawn', 'nope', [], {}], ['spawn', 'sleeper', [], { on: 'h2' }], ['spawn', 'counter', ['1', '1'], { on: 'h2' }], ['wait', '$child'], ['wait', null]));
    sim.settle();
    const r = scriptResults(sim, p.pid);
    expect(r.map((x) => [x.ok, x.error?.code])).toEqual([
      [false, 'ENOPROG'],
      [false, 'ENOPROG'], // h2 lacks sleeper: refused at create
      [true, undefined],
      [true, undefined],
      [false, 'ECHILD'], // the failed spawns left no child behind
    ]);
    expect(() => sim.spawn('h1', 'nope')).toThrow(SimRequestError);
    expect(() => sim.spawn('h1', 'nope')).toThrow(/ENOPROG/);
    expect(() => sim.spawn('h1', 'sleeper', [], { on: 'h2' })).toThrow(/ENOPROG/);
  });

  test('spawn on an unknown host fails with EHOSTUNREACH and leaves no record', () => {
    const sim = cluster('h1');
    const p = sim.spawn('h1', 'script', steps(['spawn', 'sink', [], { on: 'h9' }], ['wait', null]));
    sim.settle();
    expect(scriptResults(sim, p.pid).map((x) => x.error?.code)).toEqual(['EHOSTUNREACH', 'ECHILD']);
    expect(() => sim.spawn('h1', 'sink', [], { on: 'h9' })).toThrow(/EHOSTUNREACH/);
    expect(sim.call('h1', 'ps', {})).toEqual({ ok: true, value: { procs: [] }, boot: expect.any(String) });
  });

  test('bad syscall arguments get EINVAL and the process keeps running', () => {
    const sim = cluster('h1', 'h2');
    const bad: ScriptStep[] = [
      ['sleep', -1],
      ['sleep', 'soon'],
      ['write', 'x', 'data'],
      ['write', 1, 42],
      ['send', 'not a pid', { type: 'x' }],
      ['send', 'h1-1', { notype: true }],
      ['spawn', '', [], {}],
      ['spawn', 'sink', 'args', {}],
      ['spawn', 'sink', [], { on: 'bad-host' }],
      ['spawn', 'sink', [], { where: 'h2' }],
      ['exit', 999],
      ['exit', -1],
      ['wait', 'nobody'],
      ['kill', 'h1-1', 'NOPE'],
      ['kill', 'garbage', 'TERM'],
      ['grow', -5],
    ];
    for (const on of ['h1', 'h2']) {
      const p = sim.spawn('h1', 'script', steps(...bad, ['getpid']), { on });
      sim.settle();
      const r = scriptResults(sim, p.pid);
      expect(r.slice(0, bad.length).map((x) => [x.call, x.error?.code])).toEqual(bad.map(([call]) => [call, 'EINVAL']));
      expect(r[bad.length]).toMatchObject({ call: 'getpid', ok: true, value: p.pid });
      expect(sim.exitCode(p.tty)).toBe(0);
    }
  });

  test('a crash is reported on the home stderr and exits 70, also away from home', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'crasher', [], { on: 'h2' });
    sim.settle();
    expect(sim.output(p.tty, 2)).toBe('crasher: deliberate crash inside assign\n');
    expect(sim.output(p.tty, 1)).toBe('');
    expect(sim.exitCode(p.tty)).toBe(70);
    expect(sim.logs.filter((l) => l.level === 'error').map((l) => l.host)).toEqual(['h2']);
  });

  test('an exit code from a final state that does not fit 0-255 still reaches home', () => {
    const codeOf = (code: unknown) =>
      defineProgram({ name: `code${String(code)}`, logic: createMachine({ initial: 'done', states: { done: { type: 'final' } }, output: { code } }) });
    const programs = [codeOf(300), codeOf(-1), codeOf('x'), codeOf(1.5)];
    const sim = new SimCluster({ hosts: ['h1', 'h2'], registry: new ProgramRegistry(programs) });
    const got = programs.map((p) => {
      const proc = sim.spawn('h1', p.name, [], { on: 'h2' });
      sim.run();
      return sim.exitCode(proc.tty);
    });
    expect(got).toEqual([300 & 0xff, 255, 255, 255]);
    expect(sim.kernel('h1').processCount + sim.kernel('h2').processCount).toBe(0);
  });

  test('a second pending wait replaces the first, which fails instead of hanging', () => {
    const twoWaits = defineProgram({
      name: 'twowaits',
      logic: createMachine({
        initial: 'spawning',
        states: {
          spawning: { entry: sys.spawn('sleeper', ['50']), on: { 'sys.result': 'waiting' } },
          waiting: {
            entry: [sys.wait(null), sys.wait(null)],
            on: { 'sys.result': { actions: emit(({ event }) => {
              const r = event as unknown as SysResult;
              return { type: 'result', ok: r.ok, value: r.value, error: r.error } as never;
            }) } },
          },
        },
      }),
    });
    const reg = allPrograms().register(twoWaits);
    for (const on of ['h1', 'h2']) {
      const sim = new SimCluster({ hosts: ['h1', 'h2'], registry: reg });
      const p = sim.spawn('h1', 'twowaits', [], { on });
      sim.settle();
      expect(emitted(sim, p.pid, 'result')).toEqual([
        { type: 'result', ok: false, error: { code: 'EINVAL', message: 'replaced by a later wait' } },
        { type: 'result', ok: true, value: { pid: 'h1-2', code: 0 } },
      ]);
    }
  });
});

import { describe, expect, test } from 'vitest';
import { cluster, emitted, scriptResults } from './helpers.js';
import type { ScriptStep } from './programs.js';

const steps = (...s: ScriptStep[]) => [JSON.stringify(s)];

describe('syscall routing', () => {
  test('a process away from home forwards time, write, spawn, wait, kill and exit to its home', () => {
    const sim = cluster('h1', 'h2');
    const target = sim.spawn('h1', 'sink', [], { on: 'h2' });
    expect(sim.whereIs(target.pid)).toBe('h2');
    const since = sim.requests.length;
    const p = sim.spawn(
      'h1',
      'script',
      steps(
        ['getpid'],
        ['sleep', 10],
        ['send', target.pid, { type: 'hello' }],
        ['time'],
        ['write', 1, 'hi\n'],
        ['spawn', 'exiter', ['4'], {}],
        ['wait', '$child'],
        ['kill', target.pid, 'KILL'], // sink handles TERM; KILL cannot be handled
        ['exit', 5],
      ),
      { on: 'h2' },
    );
    const t0 = sim.now;
    sim.settle();

    // Everything h2 sent went to h1's syscall subject: nothing for getpid, sleep or the local send.
    const fromH2 = sim.requestsFrom('h2', since);
    expect(new Set(fromH2.map((r) => r.subject))).toEqual(new Set(['wisp.default.host.h1.syscall']));
    const calls = fromH2.map((r) => r.body as { pid: string; call: string; args: unknown[] }).map((b) => `${b.pid === p.pid ? 'script' : b.pid === target.pid ? 'sink' : b.pid}:${b.call}`);
    expect(calls).toEqual(['script:time', 'script:write', 'script:spawn', 'script:wait', 'script:kill', 'sink:exit', 'script:exit']);

    const r = scriptResults(sim, p.pid);
    expect(r.map((x) => [x.call, x.ok])).toEqual([
      ['getpid', true],
      ['sleep', true],
      ['send', true],
      ['time', true],
      ['write', true],
      ['spawn', true],
      ['wait', true],
      ['kill', true],
    ]);
    expect(r[0]!.value).toBe(p.pid);
    expect(r[3]!.value).toBe(t0 + 10); // after the sleep, by h1's clock
    expect(r[5]!.value).toEqual({ pid: 'h1-3', host: 'h1' }); // spawned at home, pid from home
    expect(r[6]!.value).toEqual({ pid: 'h1-3', code: 4 });
    expect(emitted(sim, target.pid, 'got')[0]).toEqual({ type: 'got', event: { type: 'hello', from: p.pid } });
    expect(sim.output(p.tty)).toBe('hi\nexiting 4\n');
    expect(sim.exitCode(p.tty)).toBe(5);
    expect(sim.consoleText('h2')).toBe('');
  });

  test('a process at home makes no network requests for local and home calls', () => {
    const sim = cluster('h1', 'h2');
    const target = sim.spawn('h1', 'sink');
    const since = sim.requests.length;
    const p = sim.spawn('h1', 'script', steps(['getpid'], ['sleep', 5], ['send', target.pid, { type: 'x' }], ['time'], ['write', 1, 'x\n'], ['spawn', 'exiter', [], {}], ['wait', '$child']));
    sim.settle();
    expect(scriptResults(sim, p.pid).every((x) => x.ok)).toBe(true);
    expect(sim.requests.slice(since).filter((q) => q.from !== 'client')).toEqual([]);
    expect(sim.exitCode(p.tty)).toBe(0);
  });

  test('a send to a pid running on another host goes out on its proc subject', () => {
    const sim = cluster('h1', 'h2');
    const target = sim.spawn('h2', 'sink');
    const since = sim.requests.length;
    const p = sim.spawn('h1', 'script', steps(['send', target.pid, { type: 'over', n: 1 }], ['send', 'h2-99', { type: 'nobody' }]));
    sim.settle();
    const out = sim.requestsFrom('h1', since);
    expect(out.map((q) => q.subject)).toEqual([`wisp.default.proc.${target.pid}`, 'wisp.default.proc.h2-99']);
    expect(out[0]!.body).toEqual({ from: p.pid, event: { type: 'over', n: 1 }, seq: 1, epoch: 1 });
    expect(emitted(sim, target.pid, 'got')).toEqual([{ type: 'got', event: { type: 'over', n: 1, from: p.pid } }]);
    const r = scriptResults(sim, p.pid);
    expect(r[0]).toMatchObject({ call: 'send', ok: true });
    expect(r[1]).toMatchObject({ call: 'send', ok: false, error: { code: 'ESRCH' } });
  });

  test('a send that finds nobody on the subject asks the directory: a living pid is sent to again until its host subscribes again, so the message arrives once; a pid with no record is ESRCH at once', () => {
    const sim = cluster('h1', 'h2');
    const target = sim.spawn('h2', 'sink');
    sim.settle();
    const resubscribe = sim.cutSubscription(target.pid);
    const since = sim.requests.length;
    const p = sim.spawn('h1', 'script', steps(['send', target.pid, { type: 'late', n: 1 }], ['send', 'h2-99', { type: 'nobody' }]));
    // Until the first retry is on its way: the directory was read in between.
    while (sim.requestsFrom('h1', since).filter((q) => q.subject === `wisp.default.proc.${target.pid}`).length < 2) expect(sim.step() || sim.jumpToNextTimer()).toBe(true);
    expect(sim.directoryOps.some((o) => o.host === 'h1' && o.op.op === 'get' && o.op.pid === target.pid)).toBe(true);
    resubscribe();
    sim.settle();
    expect(emitted(sim, target.pid, 'got')).toEqual([{ type: 'got', event: { type: 'late', n: 1, from: p.pid } }]);
    const r = scriptResults(sim, p.pid);
    expect(r[0]).toMatchObject({ call: 'send', ok: true });
    expect(r[1]).toMatchObject({ call: 'send', ok: false, error: { code: 'ESRCH', message: 'no process h2-99' } });
  });

  test('messages between two processes keep per-sender order', () => {
    const sim = cluster('h1', 'h2');
    const target = sim.spawn('h2', 'sink');
    const sends: ScriptStep[] = Array.from({ length: 20 }, (_, n) => ['send', target.pid, { type: 'm', n }]);
    sim.spawn('h1', 'script', steps(...sends));
    sim.settle();
    expect(emitted(sim, target.pid, 'got').map((g) => (g.event as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });
});

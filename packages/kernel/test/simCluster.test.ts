import { describe, expect, test } from 'vitest';
import { allPrograms, cluster, scriptResults } from './helpers.js';
import type { ScriptStep } from './programs.js';
import { SimCluster } from './simCluster.js';

const steps = (...s: ScriptStep[]) => [JSON.stringify(s)];

describe('the sim cluster harness', () => {
  test('each host reads the virtual clock plus its skew', () => {
    const sim = cluster('h1', { id: 'h2', skewMs: -500 });
    expect(sim.hostNow('h2') - sim.hostNow('h1')).toBe(-500);
    expect(sim.call('h2', 'info', {})).toMatchObject({ ok: true, value: { id: 'h2', clockSkewMs: -500, procs: 0 } });
    sim.advance(1234);
    expect(sim.hostNow('h1')).toBe(sim.now);
  });

  test('a subject nobody listens on answers EHOSTUNREACH; a lost request times out', () => {
    const sim = cluster('h1', 'h2');
    expect(sim.call('h9', 'info', {})).toMatchObject({ ok: false, error: { code: 'EHOSTUNREACH' } });
    const lost = sim.request(sim.subject('h2', 'info'), {}, 250);
    sim.removeHost('h2'); // crashes with the request still in its queue
    sim.run();
    expect(lost.answer).toBeUndefined();
    sim.advance(249);
    expect(lost.answer).toBeUndefined();
    sim.advance(1);
    expect(lost.answer).toMatchObject({ ok: false, error: { code: 'ETIMEDOUT' } });
  });

  test('a process whose home is gone gets EHOSTUNREACH for home calls, and local calls still work', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'script', steps(['sleep', 100], ['time'], ['getpid']), { on: 'h2' });
    sim.removeHost('h1');
    sim.settle();
    expect(scriptResults(sim, p.pid).map((r) => [r.call, r.ok ? 'ok' : r.error?.code])).toEqual([
      ['sleep', 'ok'],
      ['time', 'EHOSTUNREACH'],
      ['getpid', 'ok'],
    ]);
  });

  test('bodies travel as JSON; replies are encoded as the runtime does, with the host boot', () => {
    const sim = cluster('h1');
    // A deliver is answered with {} and the event arrives as its JSON form.
    const q = sim.spawn('h1', 'sink');
    const r = sim.send(q.pid, { type: 'x', when: new Date(0) as unknown as string });
    sim.run();
    expect(r.answer).toEqual({ ok: true, value: {}, boot: 'h1' });
    expect(sim.requests.at(-1)?.body).toEqual({ from: 'client', event: { type: 'x', when: '1970-01-01T00:00:00.000Z' } });
  });

  test('run() reports a livelock instead of spinning forever', () => {
    const small = new SimCluster({ hosts: ['h1'], registry: allPrograms(), maxSteps: 50 });
    expect(() => small.spawn('h1', 'spinner', ['1000'])).toThrow(/did not go quiet/);
  });
});

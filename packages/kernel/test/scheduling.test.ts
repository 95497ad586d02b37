import { describe, expect, test } from 'vitest';
import type { Effect } from '../src/index.js';
import { bareKernel, cluster, emitted, replies, spawnOn } from './helpers.js';

/** `pid:n` for each tick a spinner emitted in these effects. */
function ticks(effects: Effect[]): string[] {
  return effects.flatMap((e) =>
    e.type === 'event' && e.kind === 'proc.emit' && (e.data.event as { type: string }).type === 'tick'
      ? [`${String(e.data.pid)}:${String((e.data.event as { n: number }).n)}`]
      : [],
  );
}

describe('scheduling', () => {
  test('two CPU-bound processes interleave round-robin, one transition per slice', () => {
    const k = bareKernel();
    const a = spawnOn(k, 'spinner', ['3']);
    const b = spawnOn(k, 'spinner', ['3']);
    const trace: string[] = [];
    let slices = 0;
    while (k.hasWork) {
      k.run(0, 1);
      const t = ticks(k.takeEffects());
      expect(t.length).toBeLessThanOrEqual(1); // never two transitions in one slice
      trace.push(...t);
      if (++slices > 100) throw new Error('runaway');
    }
    expect(trace).toEqual([`${a}:1`, `${b}:1`, `${a}:2`, `${b}:2`, `${a}:3`, `${b}:3`]);
    expect(slices).toBe(6);
    expect(k.processCount).toBe(0);
  });

  test('run() honours its budget and reports whether work remains', () => {
    const k = bareKernel();
    spawnOn(k, 'spinner', ['10']);
    expect(k.run(0, 4)).toBe(true);
    expect(ticks(k.takeEffects())).toHaveLength(4);
    expect(k.run(0, 100)).toBe(false);
    expect(ticks(k.takeEffects())).toHaveLength(6);
  });

  test('a zero-delay raise yields through the mailbox without a timer round trip', () => {
    const k = bareKernel();
    spawnOn(k, 'spinner', ['5']);
    k.run(0, 100);
    expect(k.takeEffects().filter((e) => e.type === 'setTimer')).toEqual([]);
  });

  test('control requests are answered at once, ahead of queued process work', () => {
    const k = bareKernel();
    const busy = spawnOn(k, 'spinner', ['1000']);
    const other = spawnOn(k, 'spinner', ['1000']);
    k.run(0, 4);
    k.takeEffects();
    expect(k.hasWork).toBe(true);

    // ps is answered inside handle(), without a slice running.
    k.handle({ type: 'request', verb: 'ps', body: {}, replyTo: 'ps', now: 1 });
    const [ps] = replies(k.takeEffects());
    expect(ps).toMatchObject({ to: 'ps', ok: true });
    const rows = (ps as { value: { procs: { pid: string; state: string }[] } }).value.procs;
    expect(rows.map((r) => [r.pid, r.state])).toEqual([
      [busy, 'runnable'],
      [other, 'runnable'],
    ]);

    // A kill takes effect before the victim's queued events run.
    k.handle({ type: 'request', verb: 'kill', body: { pid: busy, signal: 'TERM' }, replyTo: 'kill', now: 1 });
    const fx = k.takeEffects();
    expect(replies(fx)).toEqual([{ type: 'reply', to: 'kill', ok: true, value: {} }]);
    expect(fx).toContainEqual({ type: 'event', kind: 'proc.exit', data: { pid: busy, code: 143, host: 'h1' } });
    k.run(1, 10);
    const after = ticks(k.takeEffects());
    expect(after).toHaveLength(10);
    expect(after.every((t) => t.startsWith(`${other}:`))).toBe(true);
  });

  test('a process killed while queued costs no slice and leaves no work behind', () => {
    const k = bareKernel();
    const a = spawnOn(k, 'spinner', ['100']);
    expect(k.hasWork).toBe(true);
    k.handle({ type: 'request', verb: 'kill', body: { pid: a, signal: 'KILL' }, replyTo: null, now: 0 });
    expect(k.hasWork).toBe(false);
    expect(k.run(0, 1)).toBe(false);
    const b = spawnOn(k, 'spinner', ['100']);
    k.handle({ type: 'request', verb: 'kill', body: { pid: b, signal: 'KILL' }, replyTo: null, now: 0 });
    const c = spawnOn(k, 'spinner', ['100']);
    k.takeEffects();
    k.run(0, 1); // b's stale entry is skipped; c gets the slice
    expect(ticks(k.takeEffects())).toEqual([`${c}:1`]);
  });

  test('on the sim network, a kill reaches a busy host between two slices', () => {
    const sim = cluster('h1');
    const spawn = sim.request(sim.subject('h1', 'spawn'), { program: 'spinner', args: ['100000'], tty: 'tty.x' });
    for (let i = 0; i < 6; i++) sim.step();
    const pid = spawn.value<{ pid: string }>().pid;
    const kill = sim.request(sim.subject('h1', 'kill'), { pid, signal: 'TERM' });
    sim.run();
    expect(kill.answer).toEqual({ ok: true, value: {}, boot: expect.any(String) });
    expect(sim.exitCode('tty.x')).toBe(143);
    // The kill was delivered at the first step after it was sent: at most a slice or two ran.
    expect(emitted(sim, pid, 'tick').length).toBeLessThan(8);
  });
});

import { describe, expect, test } from 'vitest';
import { cancel, createMachine, emit, raise } from 'xstate';
import { defineProgram, ProgramRegistry } from '@wisp/proc';
import { Kernel } from '../src/index.js';
import { cluster, emitted } from './helpers.js';
import { SimCluster } from './simCluster.js';

describe('kernel timers', () => {
  test('an `after` fires at its virtual deadline, not before', () => {
    const sim = cluster('h1');
    const t0 = sim.now;
    const p = sim.spawn('h1', 'alarm', ['100']);
    expect(sim.armedTimers('h1')).toEqual([{ host: 'h1', id: expect.any(String), due: t0 + 100 }]);
    sim.advance(99);
    expect(emitted(sim, p.pid, 'fired')).toEqual([]);
    expect(sim.exitCode(p.tty)).toBeUndefined();
    sim.advance(1);
    expect(emitted(sim, p.pid, 'fired')).toHaveLength(1);
    expect(sim.exitCode(p.tty)).toBe(3);
    expect(sim.exitTime(p.tty, p.pid)).toBe(t0 + 100);
  });

  test('sleep fires at its deadline', () => {
    const sim = cluster('h1');
    const t0 = sim.now;
    const p = sim.spawn('h1', 'sleeper', ['500']);
    sim.advance(499);
    const ps = sim.call('h1', 'ps', {});
    expect(ps).toMatchObject({ ok: true, value: { procs: [{ pid: p.pid, state: 'sleeping' }] } });
    sim.advance(1);
    expect(sim.exitCode(p.tty)).toBe(0);
    expect(sim.exitTime(p.tty, p.pid)).toBe(t0 + 500);
  });

  test('timers run on the host clock, skew or not: a sleep lasts as long on a skewed host', () => {
    const sim = cluster('h1', { id: 'h2', skewMs: -86_400_000 });
    const t0 = sim.now;
    const p = sim.spawn('h1', 'sleeper', ['250'], { on: 'h2' });
    sim.settle();
    expect(sim.exitTime(p.tty, p.pid)).toBe(t0 + 250);
  });

  test('a cancelled `after` (its state exited) never fires', () => {
    const sim = cluster('h1');
    const t0 = sim.now;
    const p = sim.spawn('h1', 'alarm', ['100']);
    sim.advance(50);
    sim.send(p.pid, { type: 'disarm' });
    sim.run();
    expect(emitted(sim, p.pid, 'disarmed')).toHaveLength(1);
    // Only the sleep of `disarmed` is left.
    expect(sim.armedTimers('h1').map((t) => t.due)).toEqual([t0 + 50 + 1000]);
    sim.advance(5000);
    expect(emitted(sim, p.pid, 'fired')).toEqual([]);
    expect(sim.exitCode(p.tty)).toBe(0);
    expect(sim.exitTime(p.tty, p.pid)).toBe(t0 + 1050);
  });

  test("a process's timers are removed when it exits", () => {
    const sim = cluster('h1', 'h2');
    const a = sim.spawn('h1', 'alarm', ['10000']);
    const s = sim.spawn('h1', 'sleeper', ['10000'], { on: 'h2' });
    expect(sim.armedTimers()).toHaveLength(2);
    sim.advance(10);
    sim.call('h1', 'kill', { pid: a.pid, signal: 'TERM' });
    sim.call('h1', 'kill', { pid: s.pid, signal: 'KILL' });
    expect(sim.exitCode(a.tty)).toBe(143);
    expect(sim.exitCode(s.tty)).toBe(137);
    expect(sim.armedTimers()).toEqual([]);
    sim.advance(20000);
    expect(emitted(sim, a.pid, 'fired')).toEqual([]);
  });

  test('an undelayed raise is delivered exactly once (xstate handles it inside the transition)', () => {
    const once = defineProgram({
      name: 'once',
      logic: createMachine({
        initial: 'a',
        states: {
          a: { entry: raise({ type: 'go' }), on: { go: { target: 'b', actions: emit({ type: 'went' } as never) } } },
          b: { on: { go: { actions: emit({ type: 'again' } as never) } } },
        },
      }),
    });
    const k = new Kernel({ hostId: 'h1', registry: new ProgramRegistry([once]) });
    k.handle({ type: 'request', verb: 'spawn', body: { program: 'once', args: [] }, replyTo: 'r', now: 0 });
    while (k.hasWork) k.run(0);
    const fx = k.takeEffects();
    expect(fx.filter((e) => e.type === 'setTimer')).toEqual([]);
    const emits = fx.flatMap((e) => (e.type === 'event' && e.kind === 'proc.emit' ? [(e.data.event as { type: string }).type] : []));
    expect(emits).toEqual(['went']);
  });

  test('cancel(id) disarms a delayed raise; without it the raise fires on time', () => {
    const late = defineProgram({
      name: 'late',
      logic: createMachine({
        initial: 'a',
        states: {
          a: {
            entry: raise({ type: 'late' }, { delay: 100, id: 'late' }),
            on: { stop: { actions: cancel('late') }, late: { actions: emit({ type: 'late' } as never) } },
          },
        },
      }),
    });
    const sim = new SimCluster({ hosts: ['h1'], registry: new ProgramRegistry([late]) });
    const t0 = sim.now;
    const cancelled = sim.spawn('h1', 'late');
    const kept = sim.spawn('h1', 'late');
    sim.advance(50);
    sim.send(cancelled.pid, { type: 'stop' });
    sim.run();
    expect(sim.armedTimers('h1').map((t) => t.due)).toEqual([t0 + 100]);
    sim.advance(1000);
    expect(emitted(sim, cancelled.pid, 'late')).toEqual([]);
    expect(emitted(sim, kept.pid, 'late')).toHaveLength(1);
    expect(sim.eventsOf('proc.emit').find((e) => e.data.pid === kept.pid)?.at).toBe(t0 + 100);
  });

  test('odd delays: NaN and negative fire at once, Infinity never, and nothing bad reaches the runtime', () => {
    const odd = defineProgram({
      name: 'odd',
      logic: createMachine({
        initial: 'a',
        states: {
          a: {
            entry: [
              raise({ type: 'nan' }, { delay: Number.NaN, id: 'nan' }),
              raise({ type: 'neg' }, { delay: -50, id: 'neg' }),
              raise({ type: 'never' }, { delay: Infinity, id: 'never' }),
            ],
            on: {
              nan: { actions: emit({ type: 'nan' } as never) },
              neg: { actions: emit({ type: 'neg' } as never) },
              never: { actions: emit({ type: 'never' } as never) },
              stop: { actions: cancel('never') },
            },
          },
        },
      }),
    });
    const sim = new SimCluster({ hosts: ['h1'], registry: new ProgramRegistry([odd]) });
    const p = sim.spawn('h1', 'odd'); // the sim throws on a non-finite or negative setTimer
    expect(emitted(sim, p.pid).map((e) => e.type)).toEqual(['nan', 'neg']);
    sim.advance(365 * 24 * 3600_000);
    expect(emitted(sim, p.pid).map((e) => e.type)).toEqual(['nan', 'neg']);
    sim.send(p.pid, { type: 'stop' });
    sim.run();
    expect(sim.call('h1', 'ps', {})).toMatchObject({ ok: true, value: { procs: [{ pid: p.pid, state: 'idle' }] } });
  });
});

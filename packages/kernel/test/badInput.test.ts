import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { hostCommands, PROTOCOL_VERSION } from '@wisp/protocol';
import type { Effect, Kernel, KernelEvent } from '../src/index.js';
import { bareKernel, cluster, emitted, replies, scriptResults, spawnOn } from './helpers.js';

/** Hands one request to the kernel and returns its effects; fails the test if handle throws. */
function ask(k: Kernel, verb: string, body: unknown, replyTo: string | null = 'r'): Effect[] {
  expect(() => k.handle({ type: 'request', verb, body, replyTo, now: 0 })).not.toThrow();
  return k.takeEffects();
}

function errorCode(effects: Effect[]): string | undefined {
  const rs = replies(effects);
  expect(rs).toHaveLength(1);
  const r = rs[0]!;
  return r.ok ? undefined : r.error.code;
}

describe('bad input', () => {
  test('unknown verbs get an EINVAL reply', () => {
    const k = bareKernel();
    for (const verb of ['nope', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'info.extra']) {
      expect(errorCode(ask(k, verb, {}))).toBe('EINVAL');
    }
  });

  test.each([
    ['info', { extra: 1 }],
    ['ps', null],
    ['spawn', null],
    ['spawn', 'counter'],
    ['spawn', { program: 5 }],
    ['spawn', { program: 'counter', args: 'x' }],
    ['spawn', { program: 'counter', on: 'no-dashes' }],
    ['spawn', { program: 'counter', extra: true }],
    ['spawn', { program: '../etc/passwd' }],
    ['create', {}],
    ['create', { protocol: PROTOCOL_VERSION, pid: 'bad', parent: null, program: 'counter', version: '1', args: [] }],
    ['syscall', { pid: 'h1-1', call: 'open', args: [] }],
    ['syscall', { pid: 'h1-1', call: 'time', args: 'no' }],
    ['syscall', { pid: 'h1-1', call: 'time', args: [], extra: 1 }],
    ['syscall', { pid: 'h2-1', call: 'time', args: [] }],
    ['kill', { pid: 'h1-1' }],
    ['kill', { pid: 'h1-1', signal: 'BOGUS' }],
    ['kill', { pid: 'h1', signal: 'TERM' }],
    ['signal', { pid: 'h1-1', signal: 'SIGTERM' }],
    ['deliver', { from: 'x', event: { type: 'hi' } }],
    ['deliver', { pid: 'h1-1', from: 'x', event: { notype: 1 } }],
    ['deliver', { pid: 'h1-1', from: 'x', event: 'hi' }],
    ['deliver', { pid: 'h1-1', from: '', event: { type: 'hi' } }],
    ['deliver', { pid: 'h1-1', from: 'x', event: { type: 'hi' }, extra: 1 }],
  ] as const)('%s with a malformed body %j gets EINVAL', (verb, body) => {
    const k = bareKernel();
    const pid = spawnOn(k, 'sink');
    expect(pid).toBe('h1-1');
    const effects = ask(k, verb, body);
    expect(errorCode(effects)).toBe('EINVAL');
    // The host logs a warning for it (the runtime only decodes; this is the one validation).
    expect(effects.filter((e) => e.type === 'log' && e.level === 'warn' && e.msg.startsWith(`rejected ${verb} request`))).toHaveLength(1);
    // Nothing reached the process.
    k.run(0);
    expect(k.takeEffects().filter((e) => e.type === 'event')).toEqual([]);
    expect(k.processCount).toBe(1);
  });

  test('well-formed requests that cannot be served get the right code', () => {
    const k = bareKernel();
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION + 1, pid: 'h2-1', parent: null, program: 'sink', version: '1', args: [] }))).toBe('EREFUSED');
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION, pid: 'h2-1', parent: null, program: 'nope', version: '1', args: [] }))).toBe('ENOPROG');
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION, pid: 'h2-1', parent: null, program: 'sink', version: '99', args: [] }))).toBe('ENOPROG');
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION, pid: 'h1-5', parent: null, program: 'sink', version: '1', args: [] }))).toBe('EINVAL');
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION, pid: 'h2-1', parent: null, program: 'sink', version: '1', args: [] }))).toBeUndefined();
    expect(errorCode(ask(k, 'create', { protocol: PROTOCOL_VERSION, pid: 'h2-1', parent: null, program: 'sink', version: '1', args: [] }))).toBe('EINVAL');
    expect(errorCode(ask(k, 'spawn', { program: 'sink', version: '2' }))).toBe('ENOPROG');
    expect(errorCode(ask(k, 'syscall', { pid: 'h1-9', call: 'time', args: [] }))).toBe('ESRCH');
    expect(errorCode(ask(k, 'deliver', { pid: 'h1-9', from: 'x', event: { type: 'hi' } }))).toBe('ESRCH');
    expect(errorCode(ask(k, 'signal', { pid: 'h1-9', signal: 'TERM' }))).toBe('ESRCH');
    expect(errorCode(ask(k, 'kill', { pid: 'h1-9', signal: 'TERM' }))).toBe('ESRCH');
    // A forwarded call with bad arguments, for a process homed here.
    const pid = spawnOn(k, 'sink');
    expect(errorCode(ask(k, 'syscall', { pid, call: 'write', args: [1] }))).toBe('EINVAL');
    expect(errorCode(ask(k, 'syscall', { pid, call: 'exit', args: [1000] }))).toBe('EINVAL');
    expect(errorCode(ask(k, 'syscall', { pid, call: 'time', args: [] }))).toBeUndefined();
  });

  test('a request without a reply subject is handled silently', () => {
    const k = bareKernel();
    expect(replies(ask(k, 'nope', null, null))).toEqual([]);
    expect(replies(ask(k, 'spawn', { program: 'sink' }, null))).toEqual([]);
    expect(k.processCount).toBe(1);
  });

  test('stray responses and timers are ignored', () => {
    const k = bareKernel();
    const events: KernelEvent[] = [
      { type: 'response', token: 12345, ok: true, value: {}, now: 0 },
      { type: 'response', token: -1, ok: false, error: { code: 'EIO', message: 'x' }, now: 0 },
      { type: 'timer', id: 'nope', now: 0 },
      { type: 'bogus', now: 0 } as unknown as KernelEvent,
    ];
    for (const e of events) expect(() => k.handle(e)).not.toThrow();
    expect(k.takeEffects()).toEqual([]);
  });

  test('fuzz: any verb with any body gets exactly one reply and never throws', () => {
    const verbs = [...Object.keys(hostCommands), 'nope', ''];
    fc.assert(
      fc.property(fc.constantFrom(...verbs), fc.anything({ withNullPrototype: true, withObjectString: true }), (verb, body) => {
        const k = bareKernel();
        const fx = ask(k, verb, body, 'fuzz');
        expect(replies(fx).filter((r) => r.to === 'fuzz')).toHaveLength(1);
        // And the kernel still works.
        expect(spawnOn(k, 'counter', ['1', '0'])).toMatch(/^h1-\d+$/);
      }),
      { numRuns: 500 },
    );
  });

  test('fuzz: near-valid bodies (right keys, wrong values) never throw', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()), fc.constantFrom('h1-1', 'h1', 'TERM', 'KILL', 'sink', 'time', 'exit'));
    const body = fc.record(
      { pid: value, from: value, event: fc.oneof(value, fc.record({ type: value })), program: value, args: fc.oneof(value, fc.array(value)), on: value, signal: value, call: value, protocol: value, parent: value, version: value, tty: value },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(hostCommands)), body, (verb, b) => {
        const k = bareKernel();
        spawnOn(k, 'sink');
        const fx = ask(k, verb, b, 'fuzz');
        expect(replies(fx).filter((r) => r.to === 'fuzz')).toHaveLength(1);
        expect(() => k.run(0)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  test('nobody can forge kernel events: sys.* and xstate.* messages are refused', () => {
    const sim = cluster('h1', 'h2');
    const victim = sim.spawn('h1', 'sleeper', ['1000']);
    const sinkAway = sim.spawn('h2', 'sink');
    const forged = [
      { type: 'sys.result', id: 1, call: 'sleep', ok: true, value: null },
      { type: 'sys.signal', signal: 'USR1' },
      { type: 'xstate.after.1000.sleeper.sleeping' },
    ];
    for (const event of forged) {
      const r = sim.send(victim.pid, event);
      sim.run();
      expect(r.answer).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    }
    const p = sim.spawn('h2', 'script', [JSON.stringify(forged.flatMap((e) => [['send', victim.pid, e], ['send', sinkAway.pid, e]]))]);
    sim.run();
    expect(scriptResults(sim, p.pid).map((r) => r.error?.code)).toEqual(Array(6).fill('EINVAL'));
    expect(emitted(sim, sinkAway.pid)).toEqual([]);
    sim.advance(999);
    expect(sim.exitCode(victim.tty)).toBeUndefined();
    expect(sim.output(victim.tty)).toBe('');
    sim.advance(1);
    expect(sim.exitCode(victim.tty)).toBe(0);
  });
});

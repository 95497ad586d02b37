import { describe, expect, test } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '@wisp/protocol';
import type { Effect } from '../src/effects.js';
import { FORWARD_TRIES } from '../src/homeDuties.js';
import type { Kernel } from '../src/kernel.js';
import { bareKernel, replies } from './helpers.js';

type Req = Extract<Effect, { type: 'request' }>;
const syscalls = (effects: Effect[]) => effects.filter((e): e is Req => e.type === 'request' && e.subject.endsWith('.host.h1.syscall'));

const outstanding = (k: Kernel) => k.view().procs.find((p) => p.pid === 'h1-1')!.outstanding;

/** h2 runs `counter 2 10` homed at h1 (as h1's `create` asks); returns its first forwarded call. */
function awayFromHome(): { h2: Kernel; first: Req } {
  const h2 = bareKernel('h2');
  h2.handle({ type: 'request', verb: 'create', body: { protocol: PROTOCOL_VERSION, pid: 'h1-1', parent: null, program: 'counter', version: '', args: ['2', '10'] }, replyTo: 'r.create', now: 0 });
  h2.run(0, 100);
  const calls = syscalls(h2.takeEffects());
  expect(calls).toHaveLength(1);
  return { h2, first: calls[0]! };
}

describe('forwarded home calls survive a lost answer', () => {
  test('a try that times out goes again under the same call id; the program sees only the answer', () => {
    const { h2, first } = awayFromHome();
    const body = first.body as { call: string; callId: number };
    expect(body.call).toBe('write');
    const open = outstanding(h2);
    h2.handle({ type: 'response', token: first.token, ok: false, error: { code: ErrorCode.ETIMEDOUT, message: 'no answer in time' }, now: 5000 });
    const again = syscalls(h2.takeEffects());
    expect(again).toHaveLength(1);
    expect(again[0]!.body).toEqual(first.body);
    // The program did not hear of the lost answer: the call is still open.
    expect(outstanding(h2)).toBe(open);
    h2.handle({ type: 'response', token: again[0]!.token, ok: true, value: 8, now: 5001 });
    expect(outstanding(h2)).toBe(open - 1);
  });

  test(`after ${FORWARD_TRIES} timed-out tries the program gets the ETIMEDOUT`, () => {
    const { h2, first } = awayFromHome();
    let token = first.token;
    for (let i = 1; i < FORWARD_TRIES; i++) {
      h2.handle({ type: 'response', token, ok: false, error: { code: ErrorCode.ETIMEDOUT, message: 'no answer' }, now: i * 5000 });
      const again = syscalls(h2.takeEffects());
      expect(again).toHaveLength(1);
      token = again[0]!.token;
    }
    const open = outstanding(h2);
    h2.handle({ type: 'response', token, ok: false, error: { code: ErrorCode.ETIMEDOUT, message: 'no answer' }, now: FORWARD_TRIES * 5000 });
    expect(syscalls(h2.takeEffects())).toHaveLength(0);
    expect(outstanding(h2)).toBe(open - 1);
  });

  test('the home takes a repeated call id once and answers every try the same', () => {
    const h1 = bareKernel('h1');
    h1.handle({ type: 'request', verb: 'spawn', body: { program: 'sink', args: [], on: 'h2' }, replyTo: 'r.spawn', now: 0 });
    const create = h1.takeEffects().find((e): e is Req => e.type === 'request' && e.subject.endsWith('.host.h2.create'))!;
    h1.handle({ type: 'response', token: create.token, ok: true, value: { pid: 'h1-1', host: 'h2' }, now: 1 });
    h1.takeEffects();
    const write = { pid: 'h1-1', call: 'write', args: [1, 'once\n'], callId: 7 };
    h1.handle({ type: 'request', verb: 'syscall', body: write, replyTo: 'r.try1', now: 2 });
    const firstTry = h1.takeEffects();
    h1.handle({ type: 'request', verb: 'syscall', body: write, replyTo: 'r.try2', now: 3 });
    const secondTry = h1.takeEffects();
    expect(firstTry.filter((e) => e.type === 'console').map((e) => (e as { data: string }).data)).toEqual(['once\n']);
    expect(secondTry.filter((e) => e.type === 'console')).toEqual([]);
    expect(replies(firstTry).map((r) => [r.to, r.ok && r.value])).toEqual([['r.try1', 5]]);
    expect(replies(secondTry).map((r) => [r.to, r.ok && r.value])).toEqual([['r.try2', 5]]);
    // A new call id is a new call.
    h1.handle({ type: 'request', verb: 'syscall', body: { ...write, callId: 8 }, replyTo: 'r.next', now: 4 });
    expect(h1.takeEffects().filter((e) => e.type === 'console')).toHaveLength(1);
  });
});

import { describe, expect, test } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Strategy } from '@wisp/protocol';
import { targetMachine, type TargetEvent } from '../src/migration/targetMachine.js';

const caller = { kind: 'remote' as const, replyTo: 'r' };

/** Steps a target session through `events`; returns the effects of each step (with a refusal's code). */
function run(strategy: Strategy, events: TargetEvent[]) {
  let [s, a] = initialTransition(targetMachine, { pid: 'h1-1', from: 'h1', strategy });
  const name = (x: { type: string; params?: unknown }) => (x.type === 'refuse' ? `refuse:${(x.params as { code: string }).code}` : x.type);
  const steps = [a.map(name)];
  for (const e of events) {
    [s, a] = transition(targetMachine, s as AnyMachineSnapshot, e);
    steps.push(a.map(name));
  }
  return { steps, value: s.value, done: s.status === 'done' };
}

describe('target machine: each request gets one answer by a rule', () => {
  test('pages, image, commit: the process resumes before the commit is answered', () => {
    const r = run('copy', [{ type: 'pages', caller }, { type: 'pages', caller }, { type: 'transfer', caller }, { type: 'commit', caller }]);
    expect(r.steps).toEqual([['armTimer'], ['announce', 'keepPages', 'ack'], ['keepPages', 'ack'], ['install', 'ack'], ['resume', 'ack']]);
    expect(r.value).toBe('committed');
  });

  test('lazy: the pull starts after the commit is answered (the source reads it first)', () => {
    expect(run('lazy', [{ type: 'transfer', caller }, { type: 'commit', caller }]).steps[2]).toEqual(['resume', 'ack', 'pull']);
  });

  test('a commit before the image, and pages or an image after it, are refused; the session goes on', () => {
    const r = run('copy', [{ type: 'commit', caller }, { type: 'transfer', caller }, { type: 'pages', caller }, { type: 'transfer', caller }]);
    expect(r.steps.slice(1)).toEqual([['refuse:ESRCH'], ['install', 'ack'], ['refuse:ESRCH'], ['refuse:ESRCH']]);
    expect(r.value).toBe('resuming');
  });

  test('an image that cannot be rebuilt is refused and the session dropped; abort and timeout drop it too', () => {
    const failed = run('flush', [{ type: 'transfer', caller }, { type: 'failed', error: { code: 'EINVAL', message: 'bad' }, caller }]);
    expect(failed.steps[2]).toEqual(['refuseImage', 'drop']);
    expect(failed.done).toBe(true);
    expect(run('flush', [{ type: 'transfer', caller }, { type: 'abort', caller }]).steps[2]).toEqual(['ack', 'drop']);
    expect(run('flush', [{ type: 'timeout' }]).steps[1]).toEqual(['drop']);
  });
});

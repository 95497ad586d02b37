import { describe, expect, test } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Strategy } from '@wisp/protocol';
import { commitBootRefusal, lateCommitRefusal, targetMachine, type TargetEvent } from '../src/migration/targetMachine.js';

const caller = { kind: 'remote' as const, replyTo: 'r' };
const commit: TargetEvent = { type: 'commit', caller, epoch: 1, revision: 5 };
/** The directory's answer to the claim or a read: the record, or an error code. */
const dir = (step: 'claim' | 'recheck', r: { host: string; epoch: number; revision: number } | null | string): TargetEvent => ({
  type: 'answer',
  step,
  result: typeof r === 'string' ? { ok: false, error: { code: r as never, message: r } } : { ok: true, value: { entry: r ? { host: r.host, boot: r.host === 'h2' ? 'b2' : 'b1', epoch: r.epoch } : null, revision: r?.revision ?? 0 } },
});
const claimed = dir('claim', { host: 'h2', epoch: 2, revision: 6 });

/** Steps a target session through `events`; returns the effects of each step (with a refusal's code). */
function run(strategy: Strategy, events: TargetEvent[]) {
  let [s, a] = initialTransition(targetMachine, { pid: 'h1-1', from: 'h1', strategy, host: 'h2', boot: 'b2' });
  const name = (x: { type: string; params?: unknown }) => (x.type === 'refuse' || x.type === 'refuseCommit' ? `${x.type}:${(x.params as { code: string }).code}` : x.type);
  const steps = [a.map(name)];
  for (const e of events) {
    [s, a] = transition(targetMachine, s as AnyMachineSnapshot, e);
    steps.push(a.map(name));
  }
  return { steps, value: s.value, done: s.status === 'done' };
}

describe('target machine: each request gets one answer by a rule', () => {
  test('pages, image, commit: claimed in the directory, then the process resumes before the commit is answered', () => {
    const r = run('copy', [{ type: 'pages', caller }, { type: 'pages', caller }, { type: 'transfer', caller }, commit, claimed]);
    expect(r.steps).toEqual([['armTimer'], ['announce', 'keepPages', 'ack'], ['keepPages', 'ack'], ['install', 'ack'], ['claim'], ['keepRecord', 'resume', 'ackCommit']]);
    expect(r.value).toBe('committed');
  });

  test('lazy: the pull starts after the commit is answered (the source reads it first)', () => {
    expect(run('lazy', [{ type: 'transfer', caller }, commit, claimed]).steps[3]).toEqual(['keepRecord', 'resume', 'ackCommit', 'pull']);
  });

  test('a commit before the image, and pages or an image after it, are refused; the session goes on', () => {
    const r = run('copy', [commit, { type: 'transfer', caller }, { type: 'pages', caller }, { type: 'transfer', caller }]);
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

describe('target machine: the claim is the commit point', () => {
  const claiming = [{ type: 'transfer', caller }, commit] as TargetEvent[];

  test('the claim refused: read — fenced by the source: refused ESTALE, everything dropped; its own (a duplicate claim won): run', () => {
    const r = run('flush', [...claiming, dir('claim', 'ESTALE'), dir('recheck', { host: 'h1', epoch: 2, revision: 7 })]);
    expect(r.steps.slice(3)).toEqual([['recheck'], ['refuseCommit:ESTALE', 'drop']]);
    expect(r.done).toBe(true);
    expect(run('flush', [...claiming, dir('claim', 'ESTALE'), dir('recheck', { host: 'h2', epoch: 2, revision: 6 })]).steps[4]).toEqual(['keepRecord', 'resume', 'ackCommit']);
  });

  test('no answer to the claim: read; its own → run; unchanged → claim again; fenced or gone → drop', () => {
    expect(run('flush', [...claiming, dir('claim', 'ETIMEDOUT'), dir('recheck', { host: 'h2', epoch: 2, revision: 6 })]).steps.slice(3)).toEqual([['recheck'], ['keepRecord', 'resume', 'ackCommit']]);
    expect(run('flush', [...claiming, dir('claim', 'ETIMEDOUT'), dir('recheck', { host: 'h1', epoch: 1, revision: 5 })]).steps[4]).toEqual(['claim']);
    expect(run('flush', [...claiming, dir('claim', 'ETIMEDOUT'), dir('recheck', { host: 'h1', epoch: 2, revision: 7 })]).steps[4]).toEqual(['refuseCommit:ESTALE', 'drop']);
    expect(run('flush', [...claiming, dir('claim', 'ETIMEDOUT'), dir('recheck', null)]).steps[4]).toEqual(['refuseCommit:ESTALE', 'drop']);
  });

  test('an unanswered read waits and reads again', () => {
    const r = run('flush', [...claiming, dir('claim', 'EHOSTUNREACH'), dir('recheck', 'ETIMEDOUT'), { type: 'retry' }]);
    expect(r.steps.slice(3)).toEqual([['recheck'], ['recheckLater'], ['recheck']]);
  });

  test('while the claim is open, the timeout and an abort change nothing; a repeated commit waits', () => {
    const r = run('flush', [...claiming, { type: 'timeout' }, { type: 'abort', caller }, commit]);
    expect(r.steps.slice(3)).toEqual([[], ['ack'], ['refuse:EAGAIN']]);
    expect(r.value).toBe('claiming');
  });
});

describe('target: a commit meant for another run of this host (boot incarnations)', () => {
  test('refused EBOOT, saying which runs; a commit naming this run, or none, goes on', () => {
    expect(commitBootRefusal({ boot: 'b2-old' }, { hostId: 'h2', boot: 'b2' })).toEqual({
      code: 'EBOOT',
      message: 'host h2 restarted since it took the image (boot b2 now, b2-old then)',
    });
    expect(commitBootRefusal({ boot: 'b2' }, { hostId: 'h2', boot: 'b2' })).toBeNull();
    expect(commitBootRefusal({}, { hostId: 'h2', boot: 'b2' })).toBeNull();
  });

  test('it is not ESRCH, the answer of a run that never had the process', () => {
    expect(lateCommitRefusal('h1-1', { runsHere: false, leavingHere: false, arrivedRecently: false })?.code).toBe('ESRCH');
  });
});

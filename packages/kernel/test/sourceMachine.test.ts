import { describe, expect, test } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Strategy } from '@wisp/protocol';
import { restartOf, sourceMachine, type SourceContext, type SourceEvent, type SourceStep } from '../src/migration/sourceMachine.js';
import { statePath } from '../src/migration/machineDriver.js';

/** A source session stepped purely: its state path, context and the effects each step named. */
function session(strategy: Strategy) {
  let [s, a] = initialTransition(sourceMachine, { pid: 'h1-1', to: 'h2', strategy, host: 'h1', boot: 'b1', epoch: 1, revision: 5 });
  const effects = (acts: Array<{ type: string }>) => acts.map((x) => x.type).filter((t) => !t.startsWith('xstate.'));
  let last = effects(a);
  return {
    send(e: SourceEvent) {
      [s, a] = transition(sourceMachine, s as AnyMachineSnapshot, e);
      last = effects(a);
      return this;
    },
    get state() {
      return statePath(s.value);
    },
    get context() {
      return s.context as SourceContext;
    },
    get effects() {
      return last;
    },
    get done() {
      return s.status === 'done';
    },
  };
}
const ok = (step: SourceStep, stream?: string): SourceEvent => ({ type: 'answer', step, ...(stream ? { stream } : {}), result: { ok: true, value: {} } });
const err = (step: SourceStep, code: string): SourceEvent => ({ type: 'answer', step, result: { ok: false, error: { code: code as never, message: code } } });

/** The directory's answer to a read (`settle`) or a fence. */
const record = (step: 'settle' | 'fence', host: string | null, epoch = 1, revision = 5, boot = host === 'h1' ? 'b1' : 'b2'): SourceEvent => ({
  type: 'answer',
  step,
  result: { ok: true, value: { entry: host ? { host, boot, epoch } : null, revision: host ? revision : 0 } },
});

const frozen = (dirtyPages = 0, streams = 0): SourceEvent => ({ type: 'frozen', at: 1, dirtyPages, streams });

/** A flush session brought to the point where the image and the commit are on their way. */
function committing() {
  // Nothing to write or move (a null process): straight from the freeze to the image.
  const s = session('flush').send(frozen());
  expect(s.state).toBe('committing');
  // Pipelined: the image and the commit leave in the same step.
  expect(s.effects).toEqual(['sendImage', 'sendCommit']);
  return s;
}

/** A precopy session driven to its rounds: each round sends `sentPages`, then `dirtyPages` were re-dirtied. */
function precopy(rounds: Array<{ dirtyPages: number; sentPages: number }>) {
  const s = session('precopy').send(ok('offer'));
  for (const r of rounds) {
    s.send({ type: 'sent', requests: 1, pages: r.sentPages }).send(ok('pages'));
    expect(s.effects).toEqual(['measureRound']);
    s.send({ type: 'measured', dirtyPages: r.dirtyPages });
  }
  return s;
}

describe('source machine: precopy rounds', () => {
  test('rounds go on while each halves what it sent', () => {
    const s = precopy([
      { dirtyPages: 6000, sentPages: 65536 },
      { dirtyPages: 900, sentPages: 6000 },
    ]);
    expect(s.state).toBe('precopying.round');
    expect(s.context.rounds).toBe(3);
  });

  test('a round that re-dirtied more than half of what it sent ends the rounds: freeze', () => {
    // A process rewriting all its pages: a second round would send them all again.
    const all = precopy([{ dirtyPages: 65536, sentPages: 65536 }]);
    expect(all.state).toBe('freezing');
    expect(all.context.rounds).toBe(1);
    // A hot set rewritten as fast as it goes: one round to send the rest, one to learn that.
    const hot = precopy([
      { dirtyPages: 6554, sentPages: 65536 },
      { dirtyPages: 6554, sentPages: 6554 },
    ]);
    expect(hot.state).toBe('freezing');
    expect(hot.context.rounds).toBe(2);
  });

  test('few dirty pages, or the round limit, end the rounds', () => {
    expect(precopy([{ dirtyPages: 16, sentPages: 65536 }]).state).toBe('freezing');
    const bounded = precopy(Array.from({ length: 4 }, () => ({ dirtyPages: 100, sentPages: 1000 })));
    expect(bounded.state).toBe('freezing');
    expect(bounded.context.rounds).toBe(4);
  });

  test('precopy sends the last dirty pages after the freeze, then the streams', () => {
    const s = precopy([{ dirtyPages: 0, sentPages: 10 }]).send(frozen(5, 1));
    expect(s.state).toBe('flushing.writing');
    s.send({ type: 'sent', requests: 1, pages: 5 }).send(ok('pages'));
    expect(s.effects).toEqual(['moveStreams']);
    s.send({ type: 'sent', requests: 1 }).send(ok('move', 'f1'));
    expect(s.state).toBe('committing');
    expect(s.context.moved).toEqual(['f1']);
  });

  test('precopy waits for the offer; a refusal aborts before any page goes', () => {
    const s = session('precopy');
    expect(s.state).toBe('negotiating');
    s.send(err('offer', 'ENOPROG'));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['undo', 'thaw', 'report']);
    expect(s.context.error?.code).toBe('ENOPROG');
  });
});

describe('source machine: the commit', () => {
  test('ok: done, the process lives on the target', () => {
    const s = committing().send(ok('transfer')).send(ok('commit'));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['finish']);
  });

  test('the commit carries the epoch and revision the directory holds for this host', () => {
    expect(committing().context).toMatchObject({ host: 'h1', boot: 'b1', epoch: 1, revision: 5 });
  });

  for (const code of ['ETIMEDOUT', 'EHOSTUNREACH', 'ESRCH', 'EREFUSED']) {
    test(`${code}: the directory decides — read, and the record unchanged: fenced, then resumed here`, () => {
      const s = committing().send(ok('transfer')).send(err('commit', code));
      expect(s.state).toBe('settling');
      expect(s.effects).toEqual(['readDirectory']);
      s.send(record('settle', 'h1'));
      expect(s.state).toBe('fencing');
      expect(s.effects).toEqual(['fence']);
      s.send(record('fence', 'h1', 2, 9));
      expect(s.done).toBe(true);
      expect(s.effects).toEqual(['keepFence', 'undo', 'thaw', 'report']);
      expect(s.context.error?.code).toBe(code);
    });
  }

  test('the target claimed it (the commit answer was lost): done, never resumed here', () => {
    const s = committing().send(ok('transfer')).send(err('commit', 'ETIMEDOUT')).send(record('settle', 'h2', 2, 6));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['finish']);
    // Claimed, then ended there already (no record): the same.
    expect(committing().send(err('commit', 'ETIMEDOUT')).send(record('settle', null)).effects).toEqual(['finish']);
  });

  test('the fence refused (the claim got there first): read again, and the claim wins', () => {
    const s = committing().send(err('commit', 'ETIMEDOUT')).send(record('settle', 'h1')).send(err('fence', 'ESTALE'));
    expect(s.state).toBe('settling');
    s.send(record('settle', 'h2', 2, 6));
    expect(s.effects).toEqual(['finish']);
  });

  test('an unanswered read or fence waits and reads again; the own fence, read back, resumes here', () => {
    const s = committing().send(err('commit', 'ETIMEDOUT')).send(err('settle', 'ETIMEDOUT'));
    expect(s.state).toBe('settleLater');
    expect(s.effects).toEqual(['settleLater']);
    s.send({ type: 'retry' }).send(record('settle', 'h1')).send(err('fence', 'ETIMEDOUT'));
    expect(s.state).toBe('settleLater');
    s.send({ type: 'retry' }).send(record('settle', 'h1', 2, 9));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['keepFence', 'undo', 'thaw', 'report']);
  });

  test('while unsure the process takes no messages (its image is out)', () => {
    const s = committing().send(err('commit', 'ETIMEDOUT'));
    expect(['settling', 'fencing', 'settleLater'].includes(s.state)).toBe(true);
  });

  test('the image refused: the commit behind it fails, and the reason is the image’s', () => {
    const s = committing().send(err('transfer', 'EINVAL'));
    expect(s.state).toBe('committing');
    s.send(err('commit', 'ESRCH')).send(record('settle', 'h1')).send(record('fence', 'h1', 2, 9));
    expect(s.effects).toEqual(['keepFence', 'undo', 'thaw', 'report']);
    expect(s.context.error?.code).toBe('EINVAL');
  });
});

describe('source machine: a target that restarted (boot incarnations)', () => {
  /** The target's answer, from its run `boot`. */
  const from = (boot: string, e: SourceEvent): SourceEvent => ({ ...(e as Extract<SourceEvent, { type: 'answer' }>), result: { ...(e as Extract<SourceEvent, { type: 'answer' }>).result, boot } });
  const restarted = { code: 'EBOOT' as const, message: 'host h2 restarted since it took the image (boot b2-new now, b2 then)' };

  test('the target’s first answer names the run the commit is meant for; later ones and other hosts’ do not change it', () => {
    const s = session('copy');
    expect(s.context.targetBoot).toBeNull();
    s.send(from('b2', ok('offer')));
    expect(s.context.targetBoot).toBe('b2');
    // The directory and the file server carry no boot; a later run's answer does not take over.
    s.send(frozen()).send({ type: 'sent', requests: 1, pages: 1 }).send(from('b2-new', ok('pages')));
    expect(s.context.targetBoot).toBe('b2');
  });

  test('flush: the image taken by one run, the commit refused by the next (ESRCH: no session there) — the reason is EBOOT', () => {
    const s = committing().send(from('b2', ok('transfer'))).send(from('b2-new', err('commit', 'ESRCH')));
    expect(s.state).toBe('settling');
    // The record unchanged (the new run never claimed it): fenced, and the process runs here again.
    s.send(record('settle', 'h1')).send(record('fence', 'h1', 2, 9));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['keepFence', 'undo', 'thaw', 'report']);
    expect(s.context.error).toEqual(restarted);
  });

  test('copy: the pages taken by one run, the commit refused EBOOT by the next (it named the first): that is the reason, over the image’s', () => {
    const s = session('copy').send(from('b2', ok('offer'))).send(frozen()).send({ type: 'sent', requests: 1, pages: 1 }).send(from('b2', ok('pages')));
    expect(s.state).toBe('committing');
    // The new run has no session: the image is refused too, and the commit names the old run.
    s.send(from('b2-new', err('transfer', 'ESRCH')));
    expect(s.context.transferError).toEqual(restarted);
    s.send(from('b2-new', { type: 'answer', step: 'commit', result: { ok: false, error: restarted } }));
    s.send(record('settle', 'h1')).send(record('fence', 'h1', 2, 9));
    expect(s.context.error).toEqual(restarted);
  });

  test('the same run refusing the commit is not a restart; a commit answered by the run that took the image commits', () => {
    const same = committing().send(from('b2', ok('transfer'))).send(from('b2', err('commit', 'ESRCH')));
    expect(same.context.error?.code).toBe('ESRCH');
    const done = committing().send(from('b2', ok('transfer'))).send(from('b2', ok('commit')));
    expect(done.effects).toEqual(['finish']);
  });

  test('precopy: pages refused by the next run (no session there) abort before the commit, with EBOOT as the reason', () => {
    const s = session('precopy').send(from('b2', ok('offer'))).send({ type: 'sent', requests: 2, pages: 2 }).send(from('b2', ok('pages')));
    s.send(from('b2-new', err('pages', 'ESRCH')));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['undo', 'thaw', 'report']);
    expect(s.context.error).toEqual(restarted);
  });

  test('restartOf: another boot than the first answer’s, only for the target’s steps', () => {
    const c = { to: 'h2', targetBoot: 'b2' };
    expect(restartOf(c, from('b2-new', err('commit', 'ESRCH')))).toEqual(restarted);
    expect(restartOf(c, from('b2', err('commit', 'ESRCH')))).toBeNull();
    expect(restartOf(c, err('commit', 'ETIMEDOUT'))).toBeNull();
    expect(restartOf({ to: 'h2', targetBoot: null }, from('b2-new', err('commit', 'ESRCH')))).toBeNull();
    expect(restartOf(c, from('x', err('settle', 'ETIMEDOUT')))).toBeNull();
  });
});

describe('source machine: pipelined offer and multi-request steps', () => {
  test('copy: the offer refused while freezing aborts at once', () => {
    const s = session('copy');
    expect(s.state).toBe('freezing');
    expect(s.effects).toEqual(['offer', 'freeze']);
    s.send(err('offer', 'EREFUSED'));
    expect(s.effects).toEqual(['undo', 'thaw', 'report']);
  });

  test('copy: the offer refused once the image is on its way leaves the verdict to the commit', () => {
    const s = session('copy').send(frozen());
    expect(s.effects).toEqual(['sendAllPages']);
    s.send({ type: 'sent', requests: 0 });
    expect(s.state).toBe('committing');
    s.send(err('offer', 'EREFUSED')).send(err('commit', 'ESRCH'));
    expect(s.context.error?.code).toBe('EREFUSED');
  });

  test('copy: the offer refused while a stream moves does not abort then (the move could not be taken back); the commit decides', () => {
    // Found by the model checker: the abort took back only the streams whose move was answered,
    // and the file's writes were lost.
    const s = session('copy').send(frozen(0, 1)).send({ type: 'sent', requests: 1 });
    s.send(err('offer', 'EBUSY'));
    expect(s.state).toBe('transferring.streams');
    s.send(ok('move', 'f1'));
    expect(s.effects).toEqual(['sendAllPages']);
    s.send({ type: 'sent', requests: 0 }).send(err('commit', 'ESRCH')).send(record('settle', 'h1')).send(record('fence', 'h1', 2, 9));
    expect(s.effects).toEqual(['keepFence', 'undo', 'thaw', 'report']);
    expect(s.context.moved).toEqual(['f1']);
    expect(s.context.error?.code).toBe('EBUSY');
  });

  test('one stream move fails: the step waits for every answer, then aborts, and takes back the one that moved', () => {
    const s = session('flush').send(frozen(0, 2));
    expect(s.effects).toEqual(['moveStreams']);
    s.send({ type: 'sent', requests: 2 });
    s.send(err('move', 'EIO'));
    expect(s.state).toBe('transferring.streams');
    s.send(ok('move', 'f1'));
    expect(s.effects).toEqual(['undo', 'thaw', 'report']);
    expect(s.context.moved).toEqual(['f1']);
  });

  test('a stream move that timed out may yet happen: the abort takes it back too (found by the model checker: EBADF after resuming)', () => {
    const s = session('flush').send(frozen(0, 2)).send({ type: 'sent', requests: 2 });
    s.send({ type: 'answer', step: 'move', stream: 'f2', result: { ok: false, error: { code: 'ETIMEDOUT', message: 'no answer' } } });
    s.send(ok('move', 'f1'));
    expect(s.effects).toEqual(['undo', 'thaw', 'report']);
    expect(s.context.moved).toEqual(['f2', 'f1']);
  });

  test('aborted while its frames are written out: reported now, thawed only when the write ends', () => {
    const s = session('flush').send(frozen(3));
    expect(s.effects).toEqual(['writeOut']);
    s.send({ type: 'sent', requests: 1, pages: 3, inPlace: true });
    s.send({ type: 'failed', error: { code: 'ESRCH', message: 'killed' } });
    expect(s.state).toBe('abortedMidFlush');
    expect(s.effects).toEqual(['undo', 'report']);
    s.send(ok('flush'));
    expect(s.done).toBe(true);
    expect(s.effects).toEqual(['thaw']);
  });
});

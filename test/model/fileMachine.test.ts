import { describe, expect, test } from 'vitest';
import { enqueueActions, type AnyStateMachine } from 'xstate';
import { exploreMachine, fileSpec } from '@wisp/check';
import { fileMachine, type FileConsistencyContext, type FileEvent } from '@wisp/fs';

/** Bug: a file that becomes write-shared stops everyone caching but calls nobody back (dirty blocks stay on the writer). */
const forgetsCallbacks = fileMachine.provide({
  actions: { callBackOthers: enqueueActions(({ enqueue }) => enqueue.assign({ caching: [] })) },
}) as unknown as AnyStateMachine;

/** Bug: an open is answered at once, before the called-back hosts wrote back (it would read stale size and bytes). */
const answersBeforeFlush = fileMachine.provide({
  actions: {
    answerUncached: enqueueActions(({ event, enqueue }) => {
      const e = event as Extract<FileEvent, { type: 'open' | 'move' }>;
      enqueue({ type: 'answer', params: { reply: e.reply, cacheable: false } });
    }),
  },
}) as unknown as AnyStateMachine;

/** Bug: caching is allowed to the opener even when its open makes the file write-shared. */
const cachesWhenShared = fileMachine.provide({
  actions: {
    answerUncached: enqueueActions(({ context, event, enqueue }) => {
      const e = event as Extract<FileEvent, { type: 'open' | 'move' }>;
      const c = context as FileConsistencyContext;
      if (c.awaiting.length > 0) enqueue.assign({ held: [...c.held, { reply: e.reply, cacheable: true, truncate: false }] });
      else enqueue({ type: 'answer', params: { reply: e.reply, cacheable: true } });
    }),
  },
}) as unknown as AnyStateMachine;

// The real machine's exploration runs with the other protocol machines (machines.test.ts).
describe('the file consistency machine under xstate/graph', () => {
  test('exploration finds planted bugs in the consistency rules', () => {
    expect(exploreMachine(fileSpec(forgetsCallbacks)).violations.join('\n')).toContain('called back when it stops caching');
    expect(exploreMachine(fileSpec(answersBeforeFlush)).violations.join('\n')).toContain('answers wait for every callback');
    expect(exploreMachine(fileSpec(cachesWhenShared)).violations.join('\n')).toContain('may cache exactly when the file is not write-shared');
  });
});

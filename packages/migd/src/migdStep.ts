import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { migdMachine, type LogParams, type MigdEvent, type MigdInput, type NotifyParams, type ReplyParams } from './migdMachine.js';

/** A snapshot of {@link migdMachine}. */
export type MigdSnapshot = SnapshotFrom<typeof migdMachine>;

/** One output of migd, as the runtime performs it. */
export type MigdEffect = { type: 'reply'; params: ReplyParams } | { type: 'notify'; params: NotifyParams } | { type: 'log'; params: LogParams };

/** The first snapshot of migd (pure). */
export function startMigd(input: MigdInput): MigdSnapshot {
  return initialTransition(migdMachine, input)[0];
}

/**
 * Feeds one event to migd with XState's pure `transition`: the next snapshot and the effects to
 * perform, in order. Nothing runs; the same call drives unit tests and the NATS runtime.
 */
export function stepMigd(snapshot: MigdSnapshot, event: MigdEvent): [MigdSnapshot, MigdEffect[]] {
  const [next, actions] = transition(migdMachine, snapshot, event);
  const effects: MigdEffect[] = [];
  for (const a of actions) {
    if (a.type === 'reply' || a.type === 'notify' || a.type === 'log') effects.push({ type: a.type, params: a.params } as MigdEffect);
  }
  return [next, effects];
}

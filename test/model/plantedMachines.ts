import { createMachine, type AnyStateMachine } from 'xstate';
import { sourceMachine, targetMachine } from '@wisp/kernel';

/** A copy of a machine with some states replaced: how the checker's tests plant a bug. */
function copyWith(machine: AnyStateMachine, states: (s: Record<string, Record<string, unknown>>) => Record<string, unknown>): AnyStateMachine {
  const config = machine.config as { states: Record<string, Record<string, unknown>> };
  const m = machine as unknown as { implementations: Record<string, unknown> };
  return createMachine({ ...config, states: { ...config.states, ...states(config.states) } } as never, m.implementations as never);
}

/** Bug: the source resumes the process after the target confirmed the commit. */
export const sourceResumesAfterCommit = copyWith(sourceMachine, (s) => ({
  awaitingCommit: { ...s.awaitingCommit, on: { committed: 'aborted', failed: 'aborted' } },
}));

/** Bug: the source never freezes the process; it keeps running while its image is taken and sent. */
export const sourceSkipsFreeze = copyWith(sourceMachine, (s) => ({
  negotiating: { ...s.negotiating, on: { ...(s.negotiating!.on as object), accepted: 'flushing', offerSent: 'flushing' } },
}));

/**
 * Bug: the target answers the commit but drops what it received instead of running it (as a
 * target that acked before it had the whole image would). The source, told the commit took,
 * lets its copy go.
 */
export const targetDropsOnCommit = copyWith(targetMachine, (s) => ({
  committed: { ...s.committed, entry: 'drop' },
}));

import { createMachine, type AnyStateMachine } from 'xstate';
import { sourceMachine, targetMachine } from '@wisp/kernel';

/** A copy of a machine with some states replaced: how the checker's tests plant a bug. */
function copyWith(machine: AnyStateMachine, states: (s: Record<string, Record<string, unknown>>) => Record<string, unknown>): AnyStateMachine {
  const config = machine.config as { states: Record<string, Record<string, unknown>> };
  const m = machine as unknown as { implementations: Record<string, unknown> };
  return createMachine({ ...config, states: { ...config.states, ...states(config.states) } } as never, m.implementations as never);
}

type Transition = { guard?: unknown; target?: string; actions?: unknown };
/** `committing`'s answer rules with those that `pick` replaced by `by`. */
function commitRules(s: Record<string, Record<string, unknown>>, pick: (t: Transition) => boolean, by: (t: Transition) => Transition) {
  const c = s.committing!;
  const on = c.on as { answer: Transition[] };
  return { ...c, on: { ...on, answer: on.answer.map((t) => (pick(t) ? by(t) : t)) } };
}

/** Bug: the source resumes the process after the target confirmed the commit. */
export const sourceResumesAfterCommit = copyWith(sourceMachine, (s) => ({
  committing: commitRules(s, (t) => t.guard === 'commitOk', (t) => ({ guard: t.guard, target: 'aborting' })),
}));

/**
 * Bug in the answer rules: a commit that failed (refused, timed out, no responders) counts as
 * refused and the source resumes the process without reading the directory — though the target
 * may have claimed it and run it.
 */
export const sourceResumesWithoutReadingDirectory = copyWith(sourceMachine, (s) => ({
  committing: commitRules(s, (t) => t.target === 'settling', (t) => ({ guard: t.guard, target: 'aborting', actions: 'noteError' })),
}));

/** Bug: the source never freezes the process; it keeps running while its image is taken and sent. */
export const sourceSkipsFreeze = copyWith(sourceMachine, (s) => ({
  negotiating: { ...s.negotiating, always: { ...(s.negotiating!.always as object), target: 'flushing' } },
}));

/**
 * Bug: the target answers the commit but drops what it received instead of running it (as a
 * target that acked before it had the whole image would). The source, told the commit took,
 * lets its copy go.
 */
export const targetDropsOnCommit = copyWith(targetMachine, (s) => ({
  resuming: { ...s.resuming, on: { ...(s.resuming!.on as object), commit: { target: 'committed', actions: ['drop', 'ack'] } } },
}));

/**
 * Bug: the target runs the process at commit without claiming it in the directory. When the
 * commit's answer is lost, the source reads its own record unchanged, fences it and resumes.
 */
export const targetRunsWithoutClaim = copyWith(targetMachine, (s) => ({
  resuming: { ...s.resuming, on: { ...(s.resuming!.on as object), commit: { target: 'committed', actions: ['resume', 'ack'] } } },
}));

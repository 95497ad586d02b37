import { Actor, StateMachine, StateNode } from 'xstate';
import { Fifo, isKernelScope } from '@wisp/kernel';
import { ProgramRegistry } from '@wisp/proc';
import { forkFresh, notState, type ForksFresh, type HasNonState } from '@wisp/vm';

/**
 * What a copy of a host or file server shares with the original instead of copying: program
 * code (machines, their state nodes, programs, the registry), xstate's inert actors, and the
 * scopes whose closures `Kernel.clone` replaces. All of it is immutable while the checker runs.
 */
export function isShared(o: object): boolean {
  return (
    o instanceof StateMachine ||
    o instanceof StateNode ||
    o instanceof Actor ||
    o instanceof ProgramRegistry ||
    isKernelScope(o) ||
    // A program: name, version and its machine.
    ((o as { logic?: unknown }).logic instanceof StateMachine && typeof (o as { name?: unknown }).name === 'string')
  );
}

/**
 * Objects a fingerprint counts as one constant: a process's or session driver's scope (its
 * closures, rebound by `Kernel.clone`, only collect actions into a list met elsewhere).
 */
export function isIgnored(o: object): boolean {
  return isKernelScope(o);
}

/**
 * The values an object says are not part of its state (scratch buffers, allocators; see
 * `notState` in `@wisp/vm`): a fingerprint leaves out the fields holding them.
 */
export function nonState(o: object): readonly object[] | undefined {
  return notState in o ? (o as HasNonState)[notState]() : undefined;
}

/** Objects fingerprinted by their contents rather than their layout (a queue's items, head first). */
export function specialForm(o: object): unknown[] | undefined {
  return o instanceof Fifo ? (o as Fifo<unknown>).toArray() : undefined;
}

/** What a copy holds in place of `o`, when `o` says a fresh one behaves the same (see `forkFresh` in `@wisp/vm`). */
export function freshCopy(o: object): object | undefined {
  return forkFresh in o ? (o as ForksFresh)[forkFresh]() : undefined;
}

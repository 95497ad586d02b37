import { Actor, StateMachine, StateNode } from 'xstate';
import { Fifo, isKernelScope } from '@wisp/kernel';
import { ProgramRegistry } from '@wisp/proc';

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
 * Fields a fingerprint leaves out because they never change behaviour, by owner: a kernel's
 * drained effect queue and last clock reading (every event brings `now`), both on its context;
 * the migrator's port (a view of that context, met there anyway); a driver's or process's scope
 * (rebound closures); per-step scratch lists (empty between
 * steps); an address space's scratch buffers, buffer pool and small-write log (empty between
 * steps; its hints only choose between two equivalent ways of saving a page).
 */
const SKIPPED: Record<string, Set<string>> = {
  KernelContext: new Set(['effects', 'now']),
  Migrator: new Set(['k']),
  MachineDriver: new Set(['collected', 'scope']),
  PagedAddressSpace: new Set(['pool', 'scratch', 'scratchView', 'alloc', 'words']),
};
const PCB_SKIPPED = new Set(['actions', 'scope']);

/** Whether a fingerprint leaves `key` of `o` out (see {@link SKIPPED}). */
export function isSkipped(o: object, key: string): boolean {
  const name = (Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null)?.constructor?.name;
  if (name === 'Object') return PCB_SKIPPED.has(key) && isPcb(o);
  return name !== undefined && SKIPPED[name]?.has(key) === true;
}

/** A process control block (a plain object): it has a scope and both queues. */
function isPcb(o: object): boolean {
  return 'scope' in o && 'mailbox' in o && 'urgent' in o && 'seqIn' in o;
}

/** Objects fingerprinted by their contents rather than their layout (a queue's items, head first). */
export function specialForm(o: object): unknown[] | undefined {
  return o instanceof Fifo ? (o as Fifo<unknown>).toArray() : undefined;
}

/**
 * Fields a copy starts afresh instead of copying: a page-frame allocator's current slab (1 MiB)
 * and its free list only make allocation cheap; a copy carves new (one-page) slabs when it needs frames.
 */
export function freshFields(o: object): Record<string, unknown> | undefined {
  const name = (Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null)?.constructor?.name;
  // One page per slab: a copy allocates few frames, and each interned state keeps what it allocated.
  return name === 'FrameAllocator' ? { slab: null, next: 0, free: [], perSlab: 1 } : undefined;
}

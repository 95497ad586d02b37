/**
 * How an object tells a model checker which of its parts are not state. A checker forks an
 * object graph by structural copy and tells states apart by a fingerprint of the graph; scratch
 * buffers and allocation caches would make equal states look different, and copying a 1 MiB
 * slab per fork would make forking slow. Objects that hold such parts say so themselves, by these
 * two well-known symbols, so the checker needs no list of field names.
 */

/**
 * `[notState](): readonly object[]` — the values held in this object's fields that are not part
 * of its state (scratch, caches): a fingerprint leaves out every field holding one of them.
 */
export const notState = Symbol.for('wisp.notState');

/**
 * `[forkFresh](): object` — what a structural copy holds in place of this object: a fresh,
 * empty one that behaves the same (an allocator's slabs and free list only make allocation cheap).
 */
export const forkFresh = Symbol.for('wisp.forkFresh');

/** An object that names its non-state parts (see {@link notState}). */
export interface HasNonState {
  [notState](): readonly object[];
}

/** An object a copy replaces by a fresh one (see {@link forkFresh}). */
export interface ForksFresh {
  [forkFresh](): object;
}

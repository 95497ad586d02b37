/**
 * The state of one page:
 * - `zero`: never written; reads as zeros without a fault and becomes resident on first write.
 * - `clean`: resident, and equal to its copy elsewhere (backing file), so it can be dropped.
 * - `dirty`: resident and written since it was last clean.
 * - `absent`: its bytes live elsewhere (backing file, or the source host of a lazy migration);
 *   touching it faults.
 */
export type PageState = 'zero' | 'clean' | 'dirty' | 'absent';

/** Internal page-state codes, one byte per page in the page table. */
export const ZERO = 0;
/** @see ZERO */
export const ABSENT = 1;
/** @see ZERO */
export const CLEAN = 2;
/** @see ZERO */
export const DIRTY = 3;
/**
 * Absent, and owed dirty: the page's latest bytes are not in the backing file (a lazy
 * migration target's page still at the source), so installing it makes it dirty.
 */
export const ABSENT_DIRTY = 4;

/** Page-state code → public name. */
export const STATE_NAMES: readonly PageState[] = ['zero', 'absent', 'clean', 'dirty', 'absent'];

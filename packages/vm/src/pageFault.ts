/**
 * Thrown when an access touches absent pages. The access had no effect; the kernel discards
 * the partial transition, brings in {@link PageFault.pages} (and, if it likes, {@link PageFault.hint})
 * and delivers the same event again. Since xstate wraps errors thrown in guards, the fault is
 * also recorded on the address space: read it with `takeFault()` rather than by error type.
 */
export class PageFault extends Error {
  override readonly name = 'PageFault';

  constructor(
    /** Absent pages the access needed, ascending. */
    readonly pages: readonly number[],
    /** Absent pages just past the needed ones: a read-ahead suggestion, ascending. */
    readonly hint: readonly number[] = [],
    /** Address of the faulting access. */
    readonly addr = -1,
    /** Length of the faulting access in bytes. */
    readonly len = 0,
  ) {
    super(`page fault at ${addr}+${len}: page${pages.length === 1 ? '' : 's'} ${pages.join(', ')} not resident`);
  }

  /** A fault needing the pages of both `this` and `other` (a transition that faulted twice). */
  merge(other: PageFault): PageFault {
    const pages = [...new Set([...this.pages, ...other.pages])].sort((a, b) => a - b);
    const needed = new Set(pages);
    const hint = [...new Set([...this.hint, ...other.hint])].filter((p) => !needed.has(p)).sort((a, b) => a - b);
    return new PageFault(pages, hint, this.addr, this.len);
  }
}

/**
 * The {@link PageFault} in `err` or its `cause` chain, if any. Only a convenience: xstate
 * rewraps a guard's error keeping just its message, so the kernel must use `takeFault()`.
 */
export function findPageFault(err: unknown): PageFault | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof PageFault) return e;
  }
  return undefined;
}

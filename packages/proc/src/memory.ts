import { PagedAddressSpace, type AddressSpace as Space } from '@wisp/vm';

export { PAGE_SIZE, PagedAddressSpace, PageFault, findPageFault } from '@wisp/vm';
export type { AddressSpaceDescription, AddressSpaceImage, PageState } from '@wisp/vm';

/**
 * A process's address space as a program sees it through {@link memory}: typed accessors
 * over `[0, size)` and `grow`. Implemented by `PagedAddressSpace` from `@wisp/vm`.
 */
export type AddressSpace = Space;

/**
 * Builds a fresh, empty {@link PagedAddressSpace}; kept so `new AddressSpace()` still works.
 * The kernel should type its PCB's memory as `PagedAddressSpace` to reach the transaction
 * and pager side.
 */
export const AddressSpace = PagedAddressSpace;

let current: AddressSpace | null = null;

/** The running process's address space; valid only inside a transition. */
export function memory(): AddressSpace {
  if (!current) throw new Error('memory() is only valid inside a transition of a Wisp process');
  return current;
}

/** Runs `fn` with `space` as the ambient {@link memory}; the kernel calls this around a transition. */
export function withMemory<T>(space: AddressSpace, fn: () => T): T {
  const prev = current;
  current = space;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

import type { Extents } from './extents.js';

/**
 * A serializable description of an address space for migration: its shape and which pages
 * hold data, but no bytes. A target built from it (`PagedAddressSpace.fromDescription`) has
 * every non-zero page absent, to be faulted in from the backing file or the source.
 */
export interface AddressSpaceDescription {
  /** Size in bytes. */
  size: number;
  /** Page size in bytes. */
  pageSize: number;
  /** Size limit in bytes. */
  maxSize: number;
  /** Pages that are not zero pages (resident or absent). */
  pages: Extents;
  /**
   * Subset of `pages` whose contents are not in the backing file (dirty at the source, or
   * absent-but-owed-dirty): they become dirty when installed, so a later flush writes them.
   */
  dirty: Extents;
}

/** A description plus the bytes of every non-zero page: the `copy` strategy's payload. */
export interface AddressSpaceImage {
  description: AddressSpaceDescription;
  /** Page number → exactly `pageSize` bytes, for every page in `description.pages`. */
  pages: Array<[page: number, bytes: Uint8Array]>;
}

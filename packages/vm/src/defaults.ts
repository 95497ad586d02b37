/** Default page size in bytes (4 KiB). Page sizes must be powers of two. */
export const PAGE_SIZE = 4096;

/** Default limit on an address space's size (1 GiB); `grow` past it is a RangeError. */
export const MAX_ADDRESS_SPACE = 2 ** 30;

/** The hard ceiling for any limit: addresses must stay exact under 32-bit shifts and masks. */
export const ADDRESS_CEILING = 2 ** 31;

/**
 * A process's address space as a program sees it through `memory()` inside a transition:
 * a flat range of bytes `[0, size)` with typed little-endian accessors. Every access checks
 * its range (RangeError with the address and size) and may throw a `PageFault`, which the
 * kernel handles by fetching the pages and re-running the transition.
 */
export interface AddressSpace {
  /** Current size in bytes. */
  readonly size: number;
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Grows by `bytes` of zeros and returns the new size (`sys.grow`). */
  grow(bytes: number): number;

  /** Reads an unsigned byte. */
  u8(addr: number): number;
  /** Writes a byte (taken modulo 256). */
  setU8(addr: number, v: number): void;
  /** Reads a little-endian u16. */
  u16(addr: number): number;
  /** Writes a little-endian u16. */
  setU16(addr: number, v: number): void;
  /** Reads a little-endian u32. */
  u32(addr: number): number;
  /** Writes a little-endian u32. */
  setU32(addr: number, v: number): void;
  /** Reads a little-endian i32. */
  i32(addr: number): number;
  /** Writes a little-endian i32. */
  setI32(addr: number, v: number): void;
  /** Reads a little-endian f64. */
  f64(addr: number): number;
  /** Writes a little-endian f64. */
  setF64(addr: number, v: number): void;

  /** Copies `len` bytes out from `addr`. */
  bytes(addr: number, len: number): Uint8Array;
  /** Copies `data` in at `addr`. */
  setBytes(addr: number, data: Uint8Array): void;
  /** Sets `len` bytes from `addr` to `value`. */
  fill(addr: number, len: number, value: number): void;

  /** Same as {@link AddressSpace.bytes} (the original name). */
  read(addr: number, len: number): Uint8Array;
  /** Same as {@link AddressSpace.setBytes} (the original name). */
  write(addr: number, data: Uint8Array): void;
}

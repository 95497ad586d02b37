/** Default page size in bytes. */
export const PAGE_SIZE = 4096;

/**
 * A process's address space: pages of bytes, zero-filled on first touch. For now every page
 * is resident; paging and backing files arrive with migration.
 */
export class AddressSpace {
  /** Page number → bytes, for pages ever touched. */
  readonly pages = new Map<number, Uint8Array>();
  private sizeBytes: number;
  readonly pageSize: number;

  constructor(size = 0, pageSize = PAGE_SIZE) {
    this.sizeBytes = size;
    this.pageSize = pageSize;
  }

  /** Current size in bytes. */
  get size(): number {
    return this.sizeBytes;
  }

  /** Grows by `bytes` and returns the new size. */
  grow(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`grow: bad size ${bytes}`);
    this.sizeBytes += bytes;
    return this.sizeBytes;
  }

  private page(n: number): Uint8Array {
    let p = this.pages.get(n);
    if (!p) {
      p = new Uint8Array(this.pageSize);
      this.pages.set(n, p);
    }
    return p;
  }

  private check(addr: number, len: number): void {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + len > this.sizeBytes) {
      throw new RangeError(`address ${addr}+${len} outside the address space (size ${this.sizeBytes})`);
    }
  }

  /** Copies `len` bytes out from `addr`. */
  read(addr: number, len: number): Uint8Array {
    this.check(addr, len);
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const a = addr + done;
      const off = a % this.pageSize;
      const n = Math.min(len - done, this.pageSize - off);
      out.set(this.page(Math.floor(a / this.pageSize)).subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** Copies `data` in at `addr`. */
  write(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    for (let done = 0; done < data.length; ) {
      const a = addr + done;
      const off = a % this.pageSize;
      const n = Math.min(data.length - done, this.pageSize - off);
      this.page(Math.floor(a / this.pageSize)).set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Reads a little-endian u32. */
  u32(addr: number): number {
    return new DataView(this.read(addr, 4).buffer).getUint32(0, true);
  }

  /** Writes a little-endian u32. */
  setU32(addr: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.write(addr, b);
  }

  /** Reads a little-endian f64. */
  f64(addr: number): number {
    return new DataView(this.read(addr, 8).buffer).getFloat64(0, true);
  }

  /** Writes a little-endian f64. */
  setF64(addr: number, v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.write(addr, b);
  }
}

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

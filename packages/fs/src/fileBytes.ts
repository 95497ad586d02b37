import type { StoredFile } from './storage/storage.js';

/** Chunk size of {@link FileBytes}: bounds the copy one write makes of a chunk it shares. */
export const CHUNK = 64 * 1024;

/**
 * A file's contents as fixed-size chunks (the last one grows by doubling up to {@link CHUNK}) and
 * a logical size; bytes past a chunk's length but below `size` read as zero. Writes go in place,
 * except into a chunk that was handed out (to a persist snapshot or a read reply): that chunk is
 * copied first (≤ CHUNK bytes), so what was handed out never changes. A write thus costs
 * O(write size + CHUNK), not O(file size).
 */
export class FileBytes {
  private chunks: Uint8Array[] = [];
  private shared: boolean[] = [];
  size = 0;

  /** Wraps loaded contents without copying; the chunks are views, copied before any change. */
  static from(data: Uint8Array): FileBytes {
    const b = new FileBytes();
    for (let at = 0; at < data.length; at += CHUNK) {
      b.chunks.push(data.subarray(at, Math.min(at + CHUNK, data.length)));
      b.shared.push(true);
    }
    b.size = data.length;
    return b;
  }

  /** Writes `bytes` at `at`, growing the size when it ends past it. */
  write(at: number, bytes: Uint8Array): void {
    const end = at + bytes.length;
    let pos = at;
    while (pos < end) {
      const ci = Math.floor(pos / CHUNK);
      const off = pos - ci * CHUNK;
      const n = Math.min(CHUNK - off, end - pos);
      this.own(ci, off + n).set(bytes.subarray(pos - at, pos - at + n), off);
      pos += n;
    }
    this.size = Math.max(this.size, end);
  }

  /** Cuts to zero bytes. */
  clear(): void {
    this.chunks = [];
    this.shared = [];
    this.size = 0;
  }

  /** Bytes `[at, at + n)` (within size), as a view or copy that later writes never change. */
  read(at: number, n: number): Uint8Array {
    if (n <= 0) return new Uint8Array(0);
    const ci = Math.floor(at / CHUNK);
    const off = at - ci * CHUNK;
    const c = this.chunks[ci];
    if (c && off + n <= c.length) {
      this.shared[ci] = true;
      return c.subarray(off, off + n);
    }
    const out = new Uint8Array(n);
    this.copyInto(out, at, at + n);
    return out;
  }

  /**
   * A stable snapshot for storage. Storage may write it asynchronously and keep a reference
   * (MemoryStorage does), so it must never change; a whole-file copy per write is what made
   * overwrites O(file size). Instead the snapshot captures the chunk list (O(file / CHUNK)) and
   * marks the chunks shared, so later writes copy a chunk before changing it; the contiguous
   * `data` is built only when storage reads it, at most once, and never for a write the storage
   * queue coalesced away.
   */
  snapshot(version: number): StoredFile {
    const size = this.size;
    if (this.chunks.length === 1 && this.chunks[0]!.length >= size) {
      this.shared[0] = true;
      return { data: this.chunks[0]!.subarray(0, size), version };
    }
    let parts: Uint8Array[] | null = this.chunks.slice();
    this.shared.fill(true);
    let data: Uint8Array | null = null;
    return {
      version,
      get data(): Uint8Array {
        if (data === null) {
          data = new Uint8Array(size);
          let at = 0;
          for (const c of parts!) {
            data.set(c.subarray(0, Math.min(c.length, size - at)), at);
            at += CHUNK;
          }
          parts = null;
        }
        return data;
      },
    };
  }

  private copyInto(out: Uint8Array, from: number, to: number): void {
    let pos = from;
    while (pos < to) {
      const ci = Math.floor(pos / CHUNK);
      const off = pos - ci * CHUNK;
      const n = Math.min(CHUNK - off, to - pos);
      const c = this.chunks[ci];
      if (c && off < c.length) out.set(c.subarray(off, Math.min(off + n, c.length)), pos - from);
      pos += n;
    }
  }

  /** Chunk `ci`, private to this file and at least `len` long. */
  private own(ci: number, len: number): Uint8Array {
    while (this.chunks.length <= ci) {
      // A chunk below the last one is full size; the last one starts small.
      if (this.chunks.length > 0) this.grow(this.chunks.length - 1, CHUNK);
      this.chunks.push(new Uint8Array(0));
      this.shared.push(false);
    }
    const last = ci === this.chunks.length - 1;
    this.grow(ci, last ? len : CHUNK);
    if (this.shared[ci]) {
      this.chunks[ci] = this.chunks[ci]!.slice();
      this.shared[ci] = false;
    }
    return this.chunks[ci]!;
  }

  /** Makes chunk `ci` at least `len` long (doubling, up to CHUNK), leaving it private. */
  private grow(ci: number, len: number): void {
    const c = this.chunks[ci]!;
    if (c.length >= len) return;
    const next = new Uint8Array(Math.min(CHUNK, Math.max(len, c.length * 2, 64)));
    next.set(c);
    this.chunks[ci] = next;
    this.shared[ci] = false;
  }
}

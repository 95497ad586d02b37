import { ErrorCode, WispError } from '@wisp/protocol';
import { concat } from './bytes.js';

/** Default block size: 16 KiB. */
export const DEFAULT_BLOCK_SIZE = 16 * 1024;
/** Default cache budget: 64 MiB of blocks. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** How to size a {@link BlockCache}. */
export interface BlockCacheOptions {
  /** Bytes per block (default 16 KiB). */
  blockSize?: number;
  /** Clean blocks are evicted, least recently used first, beyond this many bytes (default 64 MiB). */
  maxBytes?: number;
}

/** A contiguous range of dirty bytes to write back. */
export interface DirtyRun {
  at: number;
  bytes: Uint8Array;
}

/** Counters, for tests and benchmarks. */
export interface BlockCacheStats {
  /** Blocks served or updated without a fetch. */
  hits: number;
  /** Blocks that had to be fetched. */
  misses: number;
  /** Clean blocks evicted. */
  evictions: number;
}

/** A {@link BlockCache}'s contents as plain data (see {@link BlockCache.view}); `data` aliases the cache's bytes. */
export interface BlockCacheView {
  files: Array<{ key: string; version: number; size: number; blocks: Array<{ n: number; lo: number; hi: number; data: Uint8Array }> }>;
  lru: string[];
}

interface Block {
  data: Uint8Array;
  /** Dirty byte range within the block; `lo === hi` when clean. */
  lo: number;
  hi: number;
}

interface Entry {
  version: number;
  size: number;
  blocks: Map<number, Block>;
}

/**
 * A host's block cache for files it may cache, keyed by (file, version, block): a file is known
 * by a server-unique key, and all its blocks belong to one version — the one seen at the
 * cacheable open, or the one the host's own write-back produced. An open that reports another
 * version makes the file's blocks stale (sequential write-sharing) and they are dropped.
 *
 * Pure-ish: no I/O and no timers. The client asks what to fetch ({@link missing},
 * {@link missingForWrite}), fetches, {@link fill}s, then reads or writes synchronously; it takes
 * {@link dirtyRuns} to write back and reports {@link cleaned}. Every block in the cache holds the
 * whole current contents of its range (partial writes into uncached blocks that hold file data
 * are preceded by a fetch), so reads never merge, and a dirty range is just the part to write back.
 */
export class BlockCache {
  readonly blockSize: number;
  readonly maxBytes: number;
  readonly stats: BlockCacheStats = { hits: 0, misses: 0, evictions: 0 };
  private readonly entries = new Map<string, Entry>();
  /** Every block, least recently used first (a Map keeps insertion order; touching re-inserts). */
  private readonly lru = new Map<string, { key: string; n: number }>();
  private dirty = 0;

  constructor(opts: BlockCacheOptions = {}) {
    this.blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_BYTES;
    if (!Number.isInteger(this.blockSize) || this.blockSize <= 0) throw new WispError(ErrorCode.EINVAL, 'block size must be a positive integer');
  }

  /** Bytes in dirty blocks, over all files. */
  get dirtyBytes(): number {
    return this.dirty;
  }

  /** Bytes in all blocks. */
  get bytes(): number {
    return this.lru.size * this.blockSize;
  }

  /**
   * What the cache holds, as plain data (a model checker fingerprints it): per file its version,
   * size and blocks (number, dirty range, bytes), then the blocks in least-recently-used order.
   */
  view(): BlockCacheView {
    const files = [...this.entries].map(([key, e]) => ({ key, version: e.version, size: e.size, blocks: [...e.blocks].map(([n, b]) => ({ n, lo: b.lo, hi: b.hi, data: b.data })) }));
    return { files, lru: [...this.lru.keys()] };
  }

  /** A copy that goes on independently (counters included). */
  clone(): BlockCache {
    const c = new BlockCache({ blockSize: this.blockSize, maxBytes: this.maxBytes });
    Object.assign(c.stats, this.stats);
    for (const [key, e] of this.entries) c.entries.set(key, { version: e.version, size: e.size, blocks: new Map([...e.blocks].map(([n, b]) => [n, { data: b.data.slice(), lo: b.lo, hi: b.hi }])) });
    for (const [id, v] of this.lru) c.lru.set(id, v);
    c.dirty = this.dirty;
    return c;
  }

  /** True while the file is cached here. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The file's size as this host knows it (its own dirty writes included). */
  size(key: string): number {
    return this.entry(key).size;
  }

  /** The version the cached blocks belong to. */
  version(key: string): number {
    return this.entry(key).version;
  }

  /** True when the file has dirty bytes. */
  hasDirty(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    for (const b of e.blocks.values()) if (b.hi > b.lo) return true;
    return false;
  }

  /** Files with dirty bytes. */
  dirtyKeys(): string[] {
    return [...this.entries.keys()].filter((k) => this.hasDirty(k));
  }

  /**
   * A cacheable open (or a dup) reported the file at `version` with `size`. Same version: the
   * blocks stay. Another version: the blocks are stale and dropped; the newer of the two
   * (version, size) pairs is kept — the entry's is newer when this host's own write-back reached
   * the server after the open did. Precondition: no dirty bytes unless the version matches
   * (the client writes back first).
   */
  open(key: string, version: number, size: number): void {
    const e = this.entries.get(key);
    if (!e) {
      this.entries.set(key, { version, size, blocks: new Map() });
      return;
    }
    if (e.version === version) {
      e.size = Math.max(e.size, size);
      return;
    }
    if (this.hasDirty(key)) throw new WispError(ErrorCode.EIO, `cache: open of ${key} at another version with dirty blocks`);
    this.dropBlocks(key, e);
    if (version > e.version) {
      e.version = version;
      e.size = size;
    }
  }

  /** Stops caching the file: forgets it. Dirty bytes must have been written back ({@link dirtyRuns}) or are lost. */
  drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.dropBlocks(key, e);
    this.entries.delete(key);
  }

  /** Blocks to fetch before reading `[at, end)` (clamped to the file size). */
  missing(key: string, at: number, end: number): number[] {
    const e = this.entry(key);
    const out: number[] = [];
    const stop = Math.min(end, e.size);
    if (stop <= at) return out;
    for (let n = this.blockOf(at); n <= this.blockOf(stop - 1); n++) if (!e.blocks.has(n)) out.push(n);
    return out;
  }

  /** Blocks to fetch before writing `length` bytes at `at`: absent ones only partly overwritten that hold file bytes. */
  missingForWrite(key: string, at: number, length: number): number[] {
    const e = this.entry(key);
    const out: number[] = [];
    if (length <= 0) return out;
    const end = at + length;
    const first = this.blockOf(at);
    const last = this.blockOf(end - 1);
    for (const n of first === last ? [first] : [first, last]) {
      if (e.blocks.has(n)) continue;
      const start = n * this.blockSize;
      const whole = at <= start && end >= start + this.blockSize;
      if (!whole && start < e.size) out.push(n);
    }
    return out;
  }

  /**
   * Stores fetched contents of block `n` (shorter than a block at end of file; the rest is
   * zero). A block already present wins: it may hold this host's newer, dirty bytes.
   */
  fill(key: string, n: number, data: Uint8Array): void {
    const e = this.entry(key);
    if (e.blocks.has(n)) return;
    const block: Block = { data: new Uint8Array(this.blockSize), lo: 0, hi: 0 };
    block.data.set(data.subarray(0, this.blockSize));
    e.blocks.set(n, block);
    this.touch(key, n);
    this.stats.misses++;
  }

  /** Reads `[at, min(end, size))`. Every block of the range must be present ({@link missing} is empty). */
  read(key: string, at: number, end: number): Uint8Array {
    const e = this.entry(key);
    const stop = Math.min(end, e.size);
    if (stop <= at) return new Uint8Array(0);
    const out = new Uint8Array(stop - at);
    for (let n = this.blockOf(at); n <= this.blockOf(stop - 1); n++) {
      const b = e.blocks.get(n);
      if (!b) throw new WispError(ErrorCode.EIO, `cache: block ${n} of ${key} is not present`);
      const start = n * this.blockSize;
      const from = Math.max(at, start);
      const to = Math.min(stop, start + this.blockSize);
      out.set(b.data.subarray(from - start, to - start), from - at);
      this.touch(key, n);
      this.stats.hits++;
    }
    return out;
  }

  /** Writes `bytes` at `at` into the cache, dirty. Blocks from {@link missingForWrite} must have been filled. */
  write(key: string, at: number, bytes: Uint8Array): void {
    const e = this.entry(key);
    if (bytes.length === 0) return;
    const end = at + bytes.length;
    for (let n = this.blockOf(at); n <= this.blockOf(end - 1); n++) {
      const start = n * this.blockSize;
      const from = Math.max(at, start) - start;
      const to = Math.min(end, start + this.blockSize) - start;
      let b = e.blocks.get(n);
      if (!b) {
        const whole = from === 0 && to === this.blockSize;
        if (!whole && start < e.size) throw new WispError(ErrorCode.EIO, `cache: block ${n} of ${key} must be fetched before a partial write`);
        b = { data: new Uint8Array(this.blockSize), lo: 0, hi: 0 };
        e.blocks.set(n, b);
      } else {
        this.stats.hits++;
      }
      b.data.set(bytes.subarray(start + from - at, start + to - at), from);
      if (b.hi === b.lo) {
        this.dirty += this.blockSize;
        b.lo = from;
        b.hi = to;
      } else {
        b.lo = Math.min(b.lo, from);
        b.hi = Math.max(b.hi, to);
      }
      this.touch(key, n);
    }
    e.size = Math.max(e.size, end);
  }

  /** A write this host sent straight to the server (uncached stream): update present blocks, version and size to match. */
  writeThrough(key: string, at: number, bytes: Uint8Array, version: number, size: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    const end = at + bytes.length;
    if (bytes.length > 0) {
      for (let n = this.blockOf(at); n <= this.blockOf(end - 1); n++) {
        const b = e.blocks.get(n);
        if (!b) continue;
        const start = n * this.blockSize;
        const from = Math.max(at, start);
        const to = Math.min(end, start + this.blockSize);
        b.data.set(bytes.subarray(from - at, to - at), from - start);
      }
    }
    e.version = version;
    e.size = Math.max(size, e.size);
  }

  /** The dirty bytes of a file as contiguous runs, in file order (copies). */
  dirtyRuns(key: string): DirtyRun[] {
    const e = this.entries.get(key);
    if (!e) return [];
    const dirty = [...e.blocks].filter(([, b]) => b.hi > b.lo).sort((a, b) => a[0] - b[0]);
    const runs: Array<{ at: number; parts: Uint8Array[]; end: number }> = [];
    for (const [n, b] of dirty) {
      const start = n * this.blockSize;
      const hi = Math.min(b.hi, e.size - start);
      if (hi <= b.lo) continue;
      const part = b.data.subarray(b.lo, hi);
      const last = runs.at(-1);
      if (last && last.end === start + b.lo) {
        last.parts.push(part);
        last.end = start + hi;
      } else {
        runs.push({ at: start + b.lo, parts: [part], end: start + hi });
      }
    }
    return runs.map((r) => ({ at: r.at, bytes: concat(r.parts, r.end - r.at) }));
  }

  /** The runs from {@link dirtyRuns} reached the server, which is now at `version`: the blocks are clean. */
  cleaned(key: string, version: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    for (const b of e.blocks.values()) {
      if (b.hi > b.lo) this.dirty -= this.blockSize;
      b.lo = b.hi = 0;
    }
    e.version = Math.max(e.version, version);
  }

  /** Evicts least recently used clean blocks until the cache is within its budget. */
  trim(): void {
    let over = this.lru.size * this.blockSize - this.maxBytes;
    if (over <= 0) return;
    for (const [id, { key, n }] of this.lru) {
      if (over <= 0) break;
      const b = this.entries.get(key)?.blocks.get(n);
      if (b && b.hi > b.lo) continue;
      this.entries.get(key)?.blocks.delete(n);
      this.lru.delete(id);
      this.stats.evictions++;
      over -= this.blockSize;
    }
  }

  private entry(key: string): Entry {
    const e = this.entries.get(key);
    if (!e) throw new WispError(ErrorCode.EIO, `cache: ${key} is not cached`);
    return e;
  }

  private blockOf(offset: number): number {
    return Math.floor(offset / this.blockSize);
  }

  private touch(key: string, n: number): void {
    const id = `${key}#${n}`;
    this.lru.delete(id);
    this.lru.set(id, { key, n });
  }

  private dropBlocks(key: string, e: Entry): void {
    for (const [n, b] of e.blocks) {
      if (b.hi > b.lo) this.dirty -= this.blockSize;
      this.lru.delete(`${key}#${n}`);
    }
    e.blocks.clear();
  }
}

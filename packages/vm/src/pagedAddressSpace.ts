import type { AddressSpace } from './addressSpace.js';
import { ADDRESS_CEILING, MAX_ADDRESS_SPACE, PAGE_SIZE } from './defaults.js';
import type { AddressSpaceDescription, AddressSpaceImage } from './description.js';
import type { Extents } from './extents.js';
import { FrameAllocator } from './frames.js';
import { PageFault } from './pageFault.js';
import { notState, type HasNonState } from './stateHints.js';
import { ABSENT, ABSENT_DIRTY, CLEAN, DIRTY, STATE_NAMES, ZERO, type PageState } from './pageState.js';
import { UndoLog } from './undoLog.js';
import { WORD_LOG_LIMIT, WordLog } from './wordLog.js';

/** Options of a {@link PagedAddressSpace}. */
export interface PagedAddressSpaceOptions {
  /** Page size in bytes, a power of two; default {@link PAGE_SIZE}. */
  pageSize?: number;
  /** Size limit in bytes; default {@link MAX_ADDRESS_SPACE}, at most 2 GiB. */
  maxSize?: number;
  /** How many pages past a fault to suggest in {@link PageFault.hint}; default 8. */
  readAhead?: number;
  /**
   * Most pages a hint may suggest once faults run forward: each fault landing within the last
   * window past the previous one doubles the window, up to this; default 16384 (64 MiB of 4 KiB
   * pages). A transition that sweeps its memory is re-run after every fault, so a fixed window
   * makes a sweep of n pages cost O(n²) page writes; a doubling one keeps it O(n).
   */
  maxReadAhead?: number;
}

/** Page counts by state, e.g. for a migration record. */
export interface PageStats {
  /** Pages spanned by the size. */
  pages: number;
  zero: number;
  clean: number;
  dirty: number;
  absent: number;
}

/** Most spare page buffers kept for reuse by copy-on-write and fresh pages. */
const POOL_LIMIT = 1024;
/** Runs shorter than this are filled in a loop: a native call costs more than a few pages. */
const SHORT_RUN = 64;

/** Sets `count` entries of `a` from `first` to `value`. */
function fillRun<T>(a: { [i: number]: T; fill(value: T, start: number, end: number): unknown }, value: T, first: number, count: number): void {
  if (count >= SHORT_RUN) a.fill(value, first, first + count);
  else for (let i = first; i < first + count; i++) a[i] = value;
}

/** Index (from `first`) of the first of `count` bytes of `a` equal to `value`, or -1. */
function indexInRun(a: Uint8Array, value: number, first: number, count: number): number {
  if (count >= SHORT_RUN) return a.subarray(first, first + count).indexOf(value);
  for (let i = 0; i < count; i++) if (a[first + i] === value) return i;
  return -1;
}

/**
 * A paged address space: the program side ({@link AddressSpace}: typed accessors, `grow`),
 * transactions that make a transition's writes atomic (`begin` / `commit` / `rollback`),
 * restartable page faults (`PageFault`, also recorded for `takeFault`), and a pure pager side
 * for migration and backing files (`install`, `markAbsent`, `evictClean`, `takeDirty`,
 * `pageBytes`, `describe`, `image`, `fromDescription`, `fromImage`). No I/O happens here.
 */
export class PagedAddressSpace implements AddressSpace, HasNonState {
  readonly pageSize: number;
  readonly maxSize: number;
  readonly readAhead: number;
  readonly maxReadAhead: number;
  private readonly shift: number;
  private readonly mask: number;
  private sizeBytes = 0;
  private nPages = 0;
  /**
   * Page number → bytes: the page's own frame if resident, the shared {@link zeroFrame} for a
   * zero page (so zero pages read on the fast path), undefined if absent. A plain array
   * indexed by page number: no Map lookup on the hot path.
   */
  private readonly frames: Array<Uint8Array | undefined> = [];
  /** Shared by every zero page; never written (writes go through prepareWrite first). */
  private readonly zeroFrame: Uint8Array;
  /** Page number → state code (capacity ≥ nPages). */
  private states = new Uint8Array(16);
  /** State code → number of pages in that state: counts without a scan (see {@link setState}). */
  private readonly counts = new Int32Array(STATE_NAMES.length);
  /** The read-ahead window and the last page the previous fault's hint reached (-1: none). */
  private window: number;
  private faultEnd = -1;
  /**
   * Page number → write epoch. `writeEpoch[p] === epoch` means page p is resident, dirty and,
   * inside a transaction, already saved: a write needs no other check. Bumping `epoch`
   * invalidates every page at once (begin, rollback, takeDirty).
   */
  private writeEpoch = new Uint32Array(16);
  private epoch = 1;
  /**
   * Page number → the epoch of its last write (every write that takes the slow path stamps it;
   * one on the fast path has `writeEpoch === epoch`, stamped by the write that opened it): how a
   * background cleaner tells a page written since its last look ({@link takeColdDirty}).
   */
  private touched = new Uint32Array(16);
  private tx: { size: number; undo: UndoLog } | null = null;
  /** What {@link tx} points at while a transaction is open: one record reused by every transaction (its undo log empty between them). */
  private readonly txRecord = { size: 0, undo: new UndoLog() };
  /** Small writes' old bytes, for pages the transaction has not saved whole. */
  private readonly words = new WordLog();
  private pending: PageFault | null = null;
  private readonly alloc: FrameAllocator;
  /** Scratch for multi-byte values: no allocation per access. */
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);

  constructor(size = 0, options: PagedAddressSpaceOptions = {}) {
    const pageSize = options.pageSize ?? PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 8 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) {
      throw new RangeError(`page size ${pageSize} is not a power of two between 8 and 16 MiB`);
    }
    const maxSize = options.maxSize ?? MAX_ADDRESS_SPACE;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0 || maxSize > ADDRESS_CEILING) {
      throw new RangeError(`size limit ${maxSize} must be an integer between 0 and ${ADDRESS_CEILING}`);
    }
    this.pageSize = pageSize;
    this.maxSize = maxSize;
    this.readAhead = options.readAhead ?? 8;
    this.maxReadAhead = Math.max(this.readAhead, options.maxReadAhead ?? 16384);
    this.window = this.readAhead;
    this.shift = Math.log2(pageSize);
    this.mask = pageSize - 1;
    this.zeroFrame = new Uint8Array(pageSize);
    this.alloc = new FrameAllocator(pageSize, POOL_LIMIT);
    this.grow(size);
  }

  /**
   * Not state (a model checker leaves them out of a fingerprint): the scratch buffer, the
   * frame allocator, and the small-write log (empty between transactions).
   */
  [notState](): readonly object[] {
    return [this.scratch, this.scratchView, this.alloc, this.words, this.txRecord];
  }

  /**
   * A target for the `flush` and `lazy` strategies: same shape as `d`, every non-zero page
   * absent (pages in `d.dirty` become dirty when installed).
   */
  static fromDescription(d: AddressSpaceDescription, options: Omit<PagedAddressSpaceOptions, 'pageSize' | 'maxSize'> = {}): PagedAddressSpace {
    const space = new PagedAddressSpace(d.size, { ...options, pageSize: d.pageSize, maxSize: d.maxSize });
    // Run by run and counts from the extents, not page by page: a lazy target of 256 MiB is
    // built inside the freeze.
    const { states, frames } = space;
    const absent = space.checkExtents(d.pages, 'pages');
    for (const [first, count] of d.pages) {
      fillRun(states, ABSENT, first, count);
      fillRun(frames, undefined, first, count);
    }
    const dirty = space.checkExtents(d.dirty, 'dirty');
    for (const [first, count] of d.dirty) {
      const zero = indexInRun(states, ZERO, first, count);
      if (zero >= 0) throw new RangeError(`description: dirty page ${first + zero} is not among its pages`);
      fillRun(states, ABSENT_DIRTY, first, count);
    }
    space.counts[ZERO]! -= absent;
    space.counts[ABSENT]! += absent - dirty;
    space.counts[ABSENT_DIRTY]! += dirty;
    return space;
  }

  /**
   * A target for the `copy` strategy: {@link fromDescription} with the image's pages
   * installed in their source state (clean or dirty). Pages the source had absent stay absent.
   */
  static fromImage(img: AddressSpaceImage, options: Omit<PagedAddressSpaceOptions, 'pageSize' | 'maxSize'> = {}): PagedAddressSpace {
    const space = PagedAddressSpace.fromDescription(img.description, options);
    for (const [p, b] of img.pages) space.install(p, b);
    return space;
  }

  // ---- program side -------------------------------------------------------------------

  /** Current size in bytes. */
  get size(): number {
    return this.sizeBytes;
  }

  /** Number of pages the size spans. */
  get pageCount(): number {
    return this.nPages;
  }

  /** Grows by `bytes` of zero pages and returns the new size; undone by {@link rollback}. */
  grow(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`grow: bad size ${bytes}`);
    const size = this.sizeBytes + bytes;
    if (size > this.maxSize) {
      throw new RangeError(`grow: ${this.sizeBytes} + ${bytes} bytes exceeds the address-space limit of ${this.maxSize} bytes`);
    }
    const pages = Math.ceil(size / this.pageSize);
    if (pages > this.states.length) {
      const cap = Math.max(pages, this.states.length * 2);
      const states = new Uint8Array(cap);
      states.set(this.states.subarray(0, this.nPages));
      const epochs = new Uint32Array(cap);
      epochs.set(this.writeEpoch.subarray(0, this.nPages));
      const touched = new Uint32Array(cap);
      touched.set(this.touched.subarray(0, this.nPages));
      this.states = states;
      this.writeEpoch = epochs;
      this.touched = touched;
    }
    if (pages > this.nPages) {
      // Slots past nPages may hold stale values from a rolled-back grow.
      this.frames.length = pages;
      this.frames.fill(this.zeroFrame, this.nPages, pages);
      this.states.fill(ZERO, this.nPages, pages);
      this.writeEpoch.fill(0, this.nPages, pages);
      this.touched.fill(0, this.nPages, pages);
      this.counts[ZERO]! += pages - this.nPages;
    }
    this.nPages = pages;
    this.sizeBytes = size;
    return size;
  }

  /** Reads an unsigned byte. */
  u8(addr: number): number {
    if (addr >>> 0 !== addr || addr >= this.sizeBytes) throw this.outOfRange(addr, 1);
    const f = this.frames[addr >>> this.shift];
    if (f !== undefined) return f[addr & this.mask] as number;
    return this.missByte(addr);
  }

  /** Writes a byte (taken modulo 256). */
  setU8(addr: number, v: number): void {
    if (addr >>> 0 !== addr || addr >= this.sizeBytes) throw this.outOfRange(addr, 1);
    const p = addr >>> this.shift;
    if (this.writeEpoch[p] !== this.epoch) this.prepareWrite(p, addr, 1);
    (this.frames[p] as Uint8Array)[addr & this.mask] = v;
  }

  /** Reads a little-endian u16. */
  u16(addr: number): number {
    const f = this.inPage(addr, 2);
    if (f !== undefined) {
      const o = addr & this.mask;
      return (f[o] as number) | ((f[o + 1] as number) << 8);
    }
    this.load(addr, 2);
    return this.scratchView.getUint16(0, true);
  }

  /** Writes a little-endian u16. */
  setU16(addr: number, v: number): void {
    const f = this.writableInPage(addr, 2);
    if (f !== undefined) {
      const o = addr & this.mask;
      f[o] = v;
      f[o + 1] = v >>> 8;
      return;
    }
    this.scratchView.setUint16(0, v, true);
    this.store(addr, 2);
  }

  /** Reads a little-endian u32. */
  u32(addr: number): number {
    const f = this.inPage(addr, 4);
    if (f !== undefined) {
      const o = addr & this.mask;
      return ((f[o] as number) | ((f[o + 1] as number) << 8) | ((f[o + 2] as number) << 16) | ((f[o + 3] as number) << 24)) >>> 0;
    }
    this.load(addr, 4);
    return this.scratchView.getUint32(0, true);
  }

  /** Writes a little-endian u32. */
  setU32(addr: number, v: number): void {
    const f = this.writableInPage(addr, 4);
    if (f !== undefined) {
      const o = addr & this.mask;
      f[o] = v;
      f[o + 1] = v >>> 8;
      f[o + 2] = v >>> 16;
      f[o + 3] = v >>> 24;
      return;
    }
    this.scratchView.setUint32(0, v, true);
    this.store(addr, 4);
  }

  /** Reads a little-endian i32. */
  i32(addr: number): number {
    const f = this.inPage(addr, 4);
    if (f !== undefined) {
      const o = addr & this.mask;
      return (f[o] as number) | ((f[o + 1] as number) << 8) | ((f[o + 2] as number) << 16) | ((f[o + 3] as number) << 24);
    }
    this.load(addr, 4);
    return this.scratchView.getInt32(0, true);
  }

  /** Writes a little-endian i32. */
  setI32(addr: number, v: number): void {
    const f = this.writableInPage(addr, 4);
    if (f !== undefined) {
      const o = addr & this.mask;
      f[o] = v;
      f[o + 1] = v >>> 8;
      f[o + 2] = v >>> 16;
      f[o + 3] = v >>> 24;
      return;
    }
    this.scratchView.setInt32(0, v, true);
    this.store(addr, 4);
  }

  /** Reads a little-endian f64. */
  f64(addr: number): number {
    this.load(addr, 8);
    return this.scratchView.getFloat64(0, true);
  }

  /** Writes a little-endian f64. */
  setF64(addr: number, v: number): void {
    this.scratchView.setFloat64(0, v, true);
    this.store(addr, 8);
  }

  /** Copies `len` bytes out from `addr`. */
  bytes(addr: number, len: number): Uint8Array {
    this.check(addr, len);
    this.need(addr, len);
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const a = addr + done;
      const off = a & this.mask;
      const n = Math.min(len - done, this.pageSize - off);
      const f = this.frames[a >>> this.shift];
      if (f !== undefined) out.set(f.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** Copies `data` in at `addr`. */
  setBytes(addr: number, data: Uint8Array): void {
    const len = data.length;
    this.check(addr, len);
    this.need(addr, len);
    for (let done = 0; done < len; ) {
      const a = addr + done;
      const off = a & this.mask;
      const n = Math.min(len - done, this.pageSize - off);
      const p = a >>> this.shift;
      if (this.writeEpoch[p] !== this.epoch) this.prepareWrite(p, addr, len);
      (this.frames[p] as Uint8Array).set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Sets `len` bytes from `addr` to `value`; zeros over zero pages leave them zero pages. */
  fill(addr: number, len: number, value: number): void {
    this.check(addr, len);
    this.need(addr, len);
    const v = value & 0xff;
    for (let done = 0; done < len; ) {
      const a = addr + done;
      const off = a & this.mask;
      const n = Math.min(len - done, this.pageSize - off);
      const p = a >>> this.shift;
      if (!(v === 0 && this.states[p] === ZERO)) {
        if (this.writeEpoch[p] !== this.epoch) this.prepareWrite(p, addr, len);
        (this.frames[p] as Uint8Array).fill(v, off, off + n);
      }
      done += n;
    }
  }

  /** Same as {@link bytes}. */
  read(addr: number, len: number): Uint8Array {
    return this.bytes(addr, len);
  }

  /** Same as {@link setBytes}. */
  write(addr: number, data: Uint8Array): void {
    this.setBytes(addr, data);
  }

  // ---- transactions -------------------------------------------------------------------

  /** True between {@link begin} and {@link commit} / {@link rollback}. */
  get inTransaction(): boolean {
    return this.tx !== null;
  }

  /** Opens a transaction: until it ends, the first write to each page saves its old contents. */
  begin(): void {
    if (this.tx) throw new Error('begin: a transaction is already open (they do not nest)');
    this.txRecord.size = this.sizeBytes;
    this.tx = this.txRecord;
    this.words.open(this.nPages);
    this.bumpEpoch();
  }

  /** Whole pages the open transaction has saved so far (0 outside one): what its writes cost in copies. */
  get pagesSaved(): number {
    return this.tx ? this.tx.undo.length : 0;
  }

  /** Keeps the transaction's writes and growth. */
  commit(): void {
    const tx = this.endTx('commit');
    this.words.clear();
    // Saved copies are garbage now: recycle them as the next transaction's copies, keeping as
    // many as this one needed (at most a copy of every page).
    if (tx.undo.length === 0) return;
    const saved = tx.undo.takeBuffers();
    this.alloc.keepAtLeast(Math.min(saved.length, this.nPages));
    for (const b of saved) this.recycle(b);
    tx.undo.clear();
  }

  /** Undoes the transaction's writes (bytes and dirty bits) and growth. A recorded fault stays for {@link takeFault}. */
  rollback(): void {
    const tx = this.endTx('rollback');
    tx.undo.forEach((p, state, saved) => {
      const cur = this.frames[p];
      if (cur !== undefined) this.recycle(cur);
      // Only zero pages are saved without bytes.
      this.frames[p] = saved ?? this.zeroFrame;
      this.setState(p, state);
    });
    tx.undo.clear();
    // Then the small writes, latest first: a page saved whole after some of them gets its
    // saved copy back above, and those writes undone here.
    this.words.undo(
      (p) => this.frames[p] as Uint8Array,
      (p, state) => this.setState(p, state),
    );
    if (this.sizeBytes !== tx.size) {
      this.sizeBytes = tx.size;
      const pages = Math.ceil(tx.size / this.pageSize);
      // Pages grown inside the transaction are zero pages again (their writes were undone).
      this.counts[ZERO]! -= this.nPages - pages;
      this.nPages = pages;
      this.frames.length = this.nPages;
    }
    // Restored pages may be clean or zero again: no page may keep its write fast path.
    this.bumpEpoch();
  }

  /**
   * The page fault recorded since the last call (merged if several), cleared by this call.
   * The kernel checks it after a failed transition: xstate wraps errors thrown in guards, so
   * the thrown error's type cannot be relied on.
   */
  takeFault(): PageFault | null {
    const f = this.pending;
    this.pending = null;
    return f;
  }

  // ---- pager side (pure) --------------------------------------------------------------

  /**
   * Makes page `page` resident with a copy of `bytes` (at most a page; the rest is zeros):
   * clean, or dirty if the page was owed dirty (see {@link AddressSpaceDescription.dirty})
   * or `dirty` says so. Refuses to overwrite a dirty page.
   */
  install(page: number, bytes: Uint8Array, dirty?: boolean): void {
    this.outsideTx('install');
    this.checkPage(page);
    if (bytes.length > this.pageSize) throw new RangeError(`install: ${bytes.length} bytes for page ${page} exceed the page size ${this.pageSize}`);
    const state = this.states[page];
    if (state === DIRTY) throw new Error(`install: page ${page} is dirty; installing would lose its writes`);
    const f = this.frames[page];
    if (f === undefined || f === this.zeroFrame) this.frames[page] = this.alloc.copy(bytes);
    else {
      if (bytes.length < this.pageSize) f.fill(0);
      f.set(bytes);
    }
    this.setState(page, (dirty ?? state === ABSENT_DIRTY) ? DIRTY : CLEAN);
    this.writeEpoch[page] = 0;
  }

  /**
   * {@link install} without a copy: `frame` (exactly one page) becomes the page's frame, so the
   * caller must not use it again. For a migration target installing pages it received, inside
   * the freeze: a copy of every page there would make the freeze grow with the space.
   */
  adoptFrame(page: number, frame: Uint8Array, dirty?: boolean): void {
    this.outsideTx('adoptFrame');
    this.checkPage(page);
    if (frame.length !== this.pageSize) throw new RangeError(`adoptFrame: ${frame.length} bytes for page ${page} are not a page of ${this.pageSize}`);
    const state = this.states[page];
    if (state === DIRTY) throw new Error(`adoptFrame: page ${page} is dirty; installing would lose its writes`);
    const f = this.frames[page];
    if (f !== undefined) this.recycle(f);
    this.frames[page] = frame;
    this.setState(page, (dirty ?? state === ABSENT_DIRTY) ? DIRTY : CLEAN);
    this.writeEpoch[page] = 0;
  }

  /**
   * Makes pages absent (their bytes now live elsewhere, e.g. flushed to the backing file),
   * dropping resident copies. Refuses dirty pages, before changing any.
   */
  markAbsent(pages: Iterable<number>): void {
    this.outsideTx('markAbsent');
    const list = [...pages];
    for (const p of list) {
      this.checkPage(p);
      if (this.states[p] === DIRTY) throw new Error(`markAbsent: page ${p} is dirty; flush it (takeDirty) first`);
    }
    for (const p of list) this.drop(p);
  }

  /** Makes every resident clean page absent and returns their numbers (after a flush, to free memory). */
  evictClean(): number[] {
    this.outsideTx('evictClean');
    const out = this.pagesIn(CLEAN);
    for (const p of out) this.drop(p);
    return out;
  }

  /**
   * Resident dirty pages, ascending; they become clean. For a flush to the backing file or a
   * precopy round: read each with {@link pageBytes} before the program runs again.
   * Absent pages owed dirty are not included: pull them first.
   */
  takeDirty(): number[] {
    this.outsideTx('takeDirty');
    const out = this.pagesIn(DIRTY);
    for (const p of out) this.setState(p, CLEAN);
    this.bumpEpoch();
    return out;
  }

  /**
   * A reading of the write clock: every page written after it is stamped with this reading or a
   * later one (its write fast paths go, so the next write of each page is seen). A background
   * cleaner takes one at each look at this space and passes the previous one to
   * {@link takeColdDirty}. Not inside a transaction.
   */
  markWrites(): number {
    this.outsideTx('markWrites');
    this.bumpEpoch();
    return this.epoch;
  }

  /**
   * Up to `max` resident dirty pages not written since the reading `since` ({@link markWrites}),
   * ascending; they become clean, as with {@link takeDirty}, and any later write makes them
   * dirty again. For a background cleaner: it copies their bytes at once (the process runs on)
   * and writes the copy to the backing file; pages written since its last look are hot, and
   * writing them would be wasted. `since` = Infinity takes any dirty page.
   */
  takeColdDirty(since: number, max: number): number[] {
    this.outsideTx('takeColdDirty');
    const out: number[] = [];
    const dirty = this.counts[DIRTY] as number;
    for (let p = 0, seen = 0; p < this.nPages && seen < dirty && out.length < max; p++) {
      if (this.states[p] !== DIRTY) continue;
      seen++;
      if ((this.touched[p] as number) < since) out.push(p);
    }
    if (out.length === 0) return out;
    for (const p of out) this.setState(p, CLEAN);
    // Their write fast paths go: the next write to any of them marks it dirty again.
    this.bumpEpoch();
    return out;
  }

  /**
   * Pages of `pages` that are still clean become dirty again (a cleaner's write of them failed,
   * so the backing file may not hold them); pages written since are dirty already. Returns how
   * many changed.
   */
  redirty(pages: Iterable<number>): number {
    this.outsideTx('redirty');
    let n = 0;
    for (const p of pages) {
      this.checkPage(p);
      if (this.states[p] !== CLEAN) continue;
      this.setState(p, DIRTY);
      n++;
    }
    return n;
  }

  /** A copy of page `page`'s bytes, to send or flush; zeros for a zero page. An absent page is an error. */
  pageBytes(page: number): Uint8Array {
    this.checkPage(page);
    const state = this.states[page];
    if (state === ABSENT || state === ABSENT_DIRTY) throw new Error(`pageBytes: page ${page} is absent`);
    return (this.frames[page] as Uint8Array).slice();
  }

  /**
   * Page `page`'s bytes themselves, not a copy (zeros for a zero page): for a flush of a frozen
   * process, which would otherwise copy every dirty page once more. Valid only until the space
   * next changes (a write, install, eviction or rollback may rewrite or reuse the frame).
   */
  pageView(page: number): Uint8Array {
    this.checkPage(page);
    const state = this.states[page];
    if (state === ABSENT || state === ABSENT_DIRTY) throw new Error(`pageView: page ${page} is absent`);
    return this.frames[page] as Uint8Array;
  }

  /**
   * The bytes of `pages`, concatenated in that order in one new buffer (`pageSize` each; zeros
   * for zero pages): a batch to send or flush costs one allocation, not one per page. An absent
   * page is an error.
   */
  copyPages(pages: readonly number[]): Uint8Array {
    const out = new Uint8Array(pages.length * this.pageSize);
    pages.forEach((p, i) => {
      this.checkPage(p);
      const state = this.states[p];
      if (state === ABSENT || state === ABSENT_DIRTY) throw new Error(`copyPages: page ${p} is absent`);
      out.set(this.frames[p] as Uint8Array, i * this.pageSize);
    });
    return out;
  }

  /** A serializable description of this space for migration (no bytes). Not inside a transaction. */
  describe(): AddressSpaceDescription {
    this.outsideTx('describe');
    // Runs straight from the state codes, or from the counts when every page is alike: this
    // runs inside a lazy freeze.
    const dirtyCount = this.counts[DIRTY]! + this.counts[ABSENT_DIRTY]!;
    const whole: Extents = this.nPages > 0 ? [[0, this.nPages]] : [];
    if (this.counts[ZERO] === 0 && (dirtyCount === 0 || dirtyCount === this.nPages)) {
      return { size: this.sizeBytes, pageSize: this.pageSize, maxSize: this.maxSize, pages: whole, dirty: dirtyCount === 0 ? [] : whole.map(([f, c]) => [f, c]) };
    }
    const pages: Extents = [];
    const dirty: Extents = [];
    let run: [number, number] | null = null;
    let dirtyRun: [number, number] | null = null;
    for (let p = 0; p < this.nPages; p++) {
      const s = this.states[p];
      if (s === ZERO) {
        run = dirtyRun = null;
        continue;
      }
      if (run) run[1]++;
      else pages.push((run = [p, 1]));
      if (s === DIRTY || s === ABSENT_DIRTY) {
        if (dirtyRun) dirtyRun[1]++;
        else dirty.push((dirtyRun = [p, 1]));
      } else dirtyRun = null;
    }
    return { size: this.sizeBytes, pageSize: this.pageSize, maxSize: this.maxSize, pages, dirty };
  }

  /**
   * The `copy` strategy's payload: the description and the bytes of every resident page
   * (pages absent here stay absent on the target, fetched from the backing file). Refuses
   * pages owed dirty to a lazy source: only that source has them.
   */
  image(): AddressSpaceImage {
    const description = this.describe();
    const pages: Array<[number, Uint8Array]> = [];
    for (let p = 0; p < this.nPages; p++) {
      const s = this.states[p];
      if (s === ABSENT_DIRTY) throw new Error(`image: page ${p} is still at the lazy source; pull it first`);
      if (s === CLEAN || s === DIRTY) pages.push([p, (this.frames[p] as Uint8Array).slice()]);
    }
    return { description, pages };
  }

  // ---- queries ------------------------------------------------------------------------

  /** The state of page `page`. */
  pageState(page: number): PageState {
    this.checkPage(page);
    return STATE_NAMES[this.states[page] as number] as PageState;
  }

  /** Resident pages (clean or dirty), ascending. */
  residentPages(): number[] {
    return this.pagesWhere((s) => s === CLEAN || s === DIRTY);
  }

  /** Resident dirty pages, ascending. */
  dirtyPages(): number[] {
    return this.pagesIn(DIRTY);
  }

  /** Absent pages, ascending. */
  absentPages(): number[] {
    return this.pagesWhere((s) => s === ABSENT || s === ABSENT_DIRTY);
  }

  /**
   * Absent pages whose bytes are not in the backing file, only at a lazy migration's source
   * (they were dirty there): pull them before a flush, an {@link image} or ending the
   * dependency on the source. Ascending.
   */
  owedPages(): number[] {
    return this.pagesIn(ABSENT_DIRTY);
  }

  /**
   * Up to `max` owed pages (see {@link owedPages}) at or after page `from`, ascending: a
   * background pull walks the space batch by batch instead of rescanning it for each batch.
   */
  owedPagesFrom(from: number, max: number): number[] {
    const out: number[] = [];
    if ((this.counts[ABSENT_DIRTY] as number) === 0) return out;
    for (let p = Math.max(0, from); p < this.nPages && out.length < max; p++) if (this.states[p] === ABSENT_DIRTY) out.push(p);
    return out;
  }

  /** Page counts by state, without a scan. */
  stats(): PageStats {
    const c = this.counts;
    return { pages: this.nPages, zero: c[ZERO] as number, clean: c[CLEAN] as number, dirty: c[DIRTY] as number, absent: (c[ABSENT] as number) + (c[ABSENT_DIRTY] as number) };
  }

  /** Number of resident dirty pages, without a scan (a precopy round's convergence test). */
  get dirtyCount(): number {
    return this.counts[DIRTY] as number;
  }

  /** Number of pages owed by a lazy source ({@link owedPages}), without a scan. */
  get owedCount(): number {
    return this.counts[ABSENT_DIRTY] as number;
  }

  /** Whether page `page` is owed by a lazy source (see {@link owedPages}): O(1), for every fault of a lazily moved process. */
  isOwed(page: number): boolean {
    this.checkPage(page);
    return this.states[page] === ABSENT_DIRTY;
  }

  // ---- internals ----------------------------------------------------------------------

  /** The slow half of a byte read: the page is absent (zero pages have the zero frame), so fault. */
  private missByte(addr: number): number {
    const p = addr >>> this.shift;
    if (this.states[p] === ZERO) return 0;
    throw this.fault(addr, 1, [p]);
  }

  /**
   * Gives page `p` its write fast path: faults if absent, saves it if inside a transaction,
   * materializes a zero page, marks it dirty.
   */
  private prepareWrite(p: number, addr: number, len: number): void {
    const state = this.states[p] as number;
    if (state === ABSENT || state === ABSENT_DIRTY) throw this.fault(addr, len, [p]);
    this.touched[p] = this.epoch;
    const f = this.frames[p] as Uint8Array;
    if (this.tx && !this.saveForWrite(p, state, f, addr, len)) return;
    if (state === ZERO) this.frames[p] = this.newFrame();
    this.setState(p, DIRTY);
    this.writeEpoch[p] = this.epoch;
  }

  /**
   * Inside a transaction, before page `p`'s first write or a small write to it: logs a small
   * write's old bytes (returns false: the page keeps no write fast path, so its next write comes
   * back) or saves the whole page (returns true). Out of line: the write paths stay small.
   */
  private saveForWrite(p: number, state: number, f: Uint8Array, addr: number, len: number): boolean {
    const off = addr & this.mask;
    const logged = this.words.usedIn(p);
    if (state !== ZERO && len <= 8 && addr >>> this.shift === p && off + len <= this.pageSize && logged < WORD_LOG_LIMIT && !this.words.isDense(p)) {
      this.words.log(p, state, f, off, len);
      if (state !== DIRTY) this.setState(p, DIRTY);
      return false;
    }
    // (A page written past the limit is likely to be again: next time it is saved at once.)
    if (logged > 0) this.words.markDense(p);
    this.tx!.undo.save(p, logged > 0 ? this.words.firstState(p) : state, state === ZERO ? undefined : this.copyOf(f));
    return true;
  }

  /** The frame holding all of `[addr, addr+n)` if it lies in one readable (resident or zero) page; else undefined: take the slow path. */
  private inPage(addr: number, n: number): Uint8Array | undefined {
    if (addr >>> 0 !== addr || addr + n > this.sizeBytes || (addr & this.mask) > this.pageSize - n) return undefined;
    return this.frames[addr >>> this.shift];
  }

  /** Like {@link inPage}, but only if the page already has its write fast path. */
  private writableInPage(addr: number, n: number): Uint8Array | undefined {
    if (addr >>> 0 !== addr || addr + n > this.sizeBytes || (addr & this.mask) > this.pageSize - n) return undefined;
    const p = addr >>> this.shift;
    return this.writeEpoch[p] === this.epoch ? this.frames[p] : undefined;
  }

  /** Copies `n` (≤ 8) bytes at `addr` into the scratch buffer. */
  private load(addr: number, n: number): void {
    this.check(addr, n);
    const off = addr & this.mask;
    const f = this.frames[addr >>> this.shift];
    if (f !== undefined && off + n <= this.pageSize) {
      for (let i = 0; i < n; i++) this.scratch[i] = f[off + i] as number;
      return;
    }
    this.need(addr, n);
    for (let i = 0; i < n; i++) {
      const a = addr + i;
      const g = this.frames[a >>> this.shift];
      this.scratch[i] = g === undefined ? 0 : (g[a & this.mask] as number);
    }
  }

  /** Copies `n` (≤ 8) bytes from the scratch buffer to `addr`. */
  private store(addr: number, n: number): void {
    this.check(addr, n);
    const off = addr & this.mask;
    const p = addr >>> this.shift;
    if (off + n <= this.pageSize) {
      if (this.writeEpoch[p] !== this.epoch) this.prepareWrite(p, addr, n);
      const f = this.frames[p] as Uint8Array;
      for (let i = 0; i < n; i++) f[off + i] = this.scratch[i] as number;
      return;
    }
    this.need(addr, n);
    for (let i = 0; i < n; i++) {
      const a = addr + i;
      const q = a >>> this.shift;
      if (this.writeEpoch[q] !== this.epoch) this.prepareWrite(q, addr, n);
      (this.frames[q] as Uint8Array)[a & this.mask] = this.scratch[i] as number;
    }
  }

  /** Faults, before any byte changes, if `[addr, addr+len)` touches absent pages. */
  private need(addr: number, len: number): void {
    if (len === 0) return;
    const first = addr >>> this.shift;
    const last = (addr + len - 1) >>> this.shift;
    let missing: number[] | undefined;
    for (let p = first; p <= last; p++) {
      if (this.frames[p] !== undefined) continue;
      const s = this.states[p];
      if (s === ABSENT || s === ABSENT_DIRTY) (missing ??= []).push(p);
    }
    if (missing) throw this.fault(addr, len, missing);
  }

  /**
   * Builds a fault with a read-ahead hint and records it for {@link takeFault}. The hint's
   * window doubles while faults run forward (each lands at most one window past where the
   * previous hint ended) and falls back to {@link readAhead} otherwise.
   */
  private fault(addr: number, len: number, pages: number[]): PageFault {
    const hint: number[] = [];
    const first = pages[0] as number;
    const last = pages[pages.length - 1] as number;
    const forward = this.faultEnd >= 0 && first > this.faultEnd - this.window && first <= this.faultEnd + this.window;
    this.window = forward ? Math.min(this.window * 2, this.maxReadAhead) : this.readAhead;
    const end = Math.min(last + this.window, this.nPages - 1);
    this.faultEnd = end;
    for (let p = last + 1; p <= end; p++) {
      const s = this.states[p];
      if (s === ABSENT || s === ABSENT_DIRTY) hint.push(p);
    }
    const f = new PageFault(pages, hint, addr, len);
    this.pending = this.pending ? this.pending.merge(f) : f;
    return f;
  }

  private check(addr: number, len: number): void {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len < 0 || addr + len > this.sizeBytes) {
      throw this.outOfRange(addr, len);
    }
  }

  private outOfRange(addr: number, len: number): RangeError {
    return new RangeError(`address ${addr} (${len} byte${len === 1 ? '' : 's'}) is outside the address space (size ${this.sizeBytes})`);
  }

  private checkExtent(first: number, count: number): void {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 1 || first + count > this.nPages) {
      throw new RangeError(`pages ${first}+${count} are outside the address space (${this.nPages} pages)`);
    }
  }

  /** Checks that `extents` are ascending, apart and inside the space; returns how many pages they hold. */
  private checkExtents(extents: Extents, what: string): number {
    let end = 0;
    let total = 0;
    for (const [first, count] of extents) {
      this.checkExtent(first, count);
      if (first < end) throw new RangeError(`description: ${what} extents overlap or are out of order at page ${first}`);
      end = first + count;
      total += count;
    }
    return total;
  }

  private checkPage(page: number): void {
    if (!Number.isSafeInteger(page) || page < 0 || page >= this.nPages) {
      throw new RangeError(`page ${page} is outside the address space (${this.nPages} pages)`);
    }
  }

  private outsideTx(op: string): void {
    if (this.tx) throw new Error(`${op}: not allowed inside a transaction`);
  }

  private endTx(op: string): { size: number; undo: UndoLog } {
    const tx = this.tx;
    if (!tx) throw new Error(`${op}: no transaction is open`);
    this.tx = null;
    return tx;
  }

  private bumpEpoch(): void {
    if (++this.epoch >= 0xffffffff) {
      this.writeEpoch.fill(0);
      // Every page then looks written long ago to a cleaner: at worst it writes a hot page once more.
      this.touched.fill(0);
      this.epoch = 1;
    }
  }

  private drop(p: number): void {
    const f = this.frames[p];
    if (f !== undefined) this.recycle(f);
    this.frames[p] = undefined;
    if (this.states[p] !== ABSENT_DIRTY) this.setState(p, ABSENT);
    this.writeEpoch[p] = 0;
  }

  /** Pages in `state`, ascending; the scan stops once it found as many as there are. */
  private pagesIn(state: number): number[] {
    const out: number[] = [];
    const want = this.counts[state] as number;
    for (let p = 0; p < this.nPages && out.length < want; p++) if (this.states[p] === state) out.push(p);
    return out;
  }

  /** The one place a counted page's state changes: keeps {@link counts} exact. */
  private setState(p: number, state: number): void {
    this.counts[this.states[p] as number]!--;
    this.counts[state]!++;
    this.states[p] = state;
  }

  private pagesWhere(pred: (state: number) => boolean): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.nPages; p++) if (pred(this.states[p] as number)) out.push(p);
    return out;
  }

  private newFrame(): Uint8Array {
    return this.alloc.zeroed();
  }

  private copyOf(f: Uint8Array): Uint8Array {
    return this.alloc.copy(f);
  }

  private recycle(f: Uint8Array): void {
    if (f !== this.zeroFrame) this.alloc.release(f);
  }
}

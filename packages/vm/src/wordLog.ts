/**
 * A transaction's undo record for small writes: the old bytes of each write, so a transition
 * that writes a word in each of many pages does not copy every one of those pages (the
 * {@link UndoLog} saves whole pages). A page written more than {@link WORD_LOG_LIMIT} times is
 * saved whole instead, and later writes to it are not logged. One per address space, cleared
 * by {@link open} at each transaction's start.
 */
export class WordLog {
  /** Transactions opened so far: `gen[p] === tx` means page p was logged in the open one. */
  private tx = 0;
  private gen = new Uint32Array(0);
  private used = new Uint16Array(0);
  private first = new Uint8Array(0);
  /** Per page: until which transaction it counts as written densely (see {@link markDense}). */
  private dense = new Uint32Array(0);
  /** Pages logged, in first-touch order. */
  private readonly touched: number[] = [];
  /** Entries: page, offset, length, then the old bytes (flattened), in write order. */
  private readonly pages: number[] = [];
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly bytes: number[] = [];

  /** Starts a transaction over `pages` pages (those grown inside it are never logged here). */
  open(pages: number): void {
    this.clear();
    if (++this.tx >= 0xffffffff - DENSE_TXS) {
      this.gen.fill(0);
      this.dense.fill(0);
      this.tx = 1;
    }
    if (pages > this.gen.length) {
      // No page is logged in the new transaction yet: fresh arrays, but dense hints carry over.
      const cap = Math.max(pages, this.gen.length * 2);
      const dense = new Uint32Array(cap);
      dense.set(this.dense);
      this.gen = new Uint32Array(cap);
      this.used = new Uint16Array(cap);
      this.first = new Uint8Array(cap);
      this.dense = dense;
    }
  }

  /** Writes to page `p` logged in this transaction. */
  usedIn(p: number): number {
    return this.gen[p] === this.tx ? (this.used[p] as number) : 0;
  }

  /** Whether page `p` counts as written densely: a recent transaction wrote it past the limit. */
  isDense(p: number): boolean {
    return (this.dense[p] ?? 0) > this.tx;
  }

  /**
   * Page `p` was written past the limit: for the next {@link DENSE_TXS} transactions it is saved
   * whole on its first write (a program that rewrites pages pays the word log once in a while,
   * not in every transition).
   */
  markDense(p: number): void {
    if (p < this.dense.length) this.dense[p] = this.tx + DENSE_TXS;
  }

  /** Page `p`'s state code before this transaction first logged it (valid when {@link usedIn} > 0). */
  firstState(p: number): number {
    return this.first[p] as number;
  }

  /** Logs the `len` old bytes of page `p` at `off` in `frame`; `state` is the page's state code now. */
  log(p: number, state: number, frame: Uint8Array, off: number, len: number): void {
    if (this.gen[p] !== this.tx) {
      this.gen[p] = this.tx;
      this.used[p] = 0;
      this.first[p] = state;
      this.touched.push(p);
    }
    this.used[p] = (this.used[p] as number) + 1;
    this.pages.push(p);
    this.offsets.push(off);
    this.lengths.push(len);
    for (let i = 0; i < len; i++) this.bytes.push(frame[off + i] as number);
  }

  /**
   * Writes the old bytes back, latest first, into `frameOf(page)`, then hands each logged page
   * and its first state to `restore`. Clears the log.
   */
  undo(frameOf: (page: number) => Uint8Array, restore: (page: number, state: number) => void): void {
    let b = this.bytes.length;
    for (let i = this.pages.length - 1; i >= 0; i--) {
      const len = this.lengths[i] as number;
      const off = this.offsets[i] as number;
      const f = frameOf(this.pages[i] as number);
      b -= len;
      for (let j = 0; j < len; j++) f[off + j] = this.bytes[b + j] as number;
    }
    for (const p of this.touched) restore(p, this.first[p] as number);
    this.clear();
  }

  /**
   * Forgets what was logged (the transaction committed). The pages' generations stay until the
   * next {@link open} moves on: the log is only read inside a transaction.
   */
  clear(): void {
    // Most transactions log nothing: leave the empty arrays be.
    if (this.touched.length === 0 && this.pages.length === 0) return;
    this.touched.length = 0;
    this.pages.length = 0;
    this.offsets.length = 0;
    this.lengths.length = 0;
    this.bytes.length = 0;
  }
}

/** Transactions for which a page written past the limit is saved whole at once. */
const DENSE_TXS = 8;

/**
 * Writes (of at most 8 bytes each) a transaction logs in one page before it saves the whole page
 * instead: few, so a program that rewrites whole pages pays little for the sparse case.
 */
export const WORD_LOG_LIMIT = 4;

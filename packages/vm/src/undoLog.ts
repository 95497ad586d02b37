/**
 * A transaction's undo record: for each page written in it, the page's state and contents
 * before the first write (undefined for a zero page). Parallel arrays keep saving cheap.
 */
export class UndoLog {
  private readonly pages: number[] = [];
  private readonly states: number[] = [];
  private readonly saved: Array<Uint8Array | undefined> = [];

  /** Number of pages saved. */
  get length(): number {
    return this.pages.length;
  }

  /** Records page `page`'s state and a private copy of its bytes. Called once per page. */
  save(page: number, state: number, bytes: Uint8Array | undefined): void {
    this.pages.push(page);
    this.states.push(state);
    this.saved.push(bytes);
  }

  /** Visits saved pages, latest first. */
  forEach(fn: (page: number, state: number, bytes: Uint8Array | undefined) => void): void {
    for (let i = this.pages.length - 1; i >= 0; i--) fn(this.pages[i] as number, this.states[i] as number, this.saved[i]);
  }

  /** Forgets every saved page (the log is reused by the next transaction). */
  clear(): void {
    this.pages.length = 0;
    this.states.length = 0;
    this.saved.length = 0;
  }

  /** The saved copies, to recycle once the transaction committed. */
  takeBuffers(): Uint8Array[] {
    return this.saved.filter((b): b is Uint8Array => b !== undefined);
  }
}

/**
 * One lane per backing file: writes to a file's pages (and the drop of the file) run one after
 * another, in the order they were asked for. A later write of a page must never be overtaken by
 * an earlier one still in flight — a background cleaner's write and a migration's flush, or a
 * write-back after an aborted precopy and the next cleaning, may follow each other closely —
 * and batches of two writes in flight at once could otherwise arrive in any order. Different
 * files go on in parallel.
 */
export class FileLanes {
  /** File → the end of the last operation queued on it (never rejects). */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `op` once every operation queued before on `file` has settled; settles as `op` does. */
  run<T>(file: string, op: () => Promise<T>): Promise<T> {
    const before = this.tails.get(file) ?? Promise.resolve();
    const result = before.then(op);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(file, tail);
    // The last one out forgets the file, so the map holds only files with work queued.
    void tail.then(() => {
      if (this.tails.get(file) === tail) this.tails.delete(file);
    });
    return result;
  }
}

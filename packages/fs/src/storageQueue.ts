import type { PersistOp } from './effects.js';
import type { Storage } from './storage/storage.js';

interface Item {
  op: PersistOp | null;
  started: boolean;
  promise: Promise<unknown>;
}

/**
 * Runs storage operations one at a time, in the order the file server issued them, so storage
 * always holds a prefix of the server's history. A `writeFile` queued right behind a
 * not-yet-started `writeFile` of the same path replaces it (both callers wait for the one
 * write): the later contents include the earlier ones, and a stream of writes to one file
 * then costs one whole-file store per storage round trip, not one per write.
 */
export class StorageQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private last: Item | null = null;
  private inFlight = 0;

  constructor(private readonly storage: Storage) {}

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Queues a change; resolves once it is in storage. */
  persist(op: PersistOp): Promise<void> {
    const last = this.last;
    if (op.op === 'writeFile' && last && !last.started && last.op?.op === 'writeFile' && last.op.path === op.path) {
      last.op = op;
      return last.promise as Promise<void>;
    }
    return this.enqueue(op, () => this.apply(op)) as Promise<void>;
  }

  /** Queues a page read behind every change issued so far. */
  readPages(file: string, pageNos: readonly number[]): Promise<Map<number, Uint8Array>> {
    return this.enqueue(null, () => this.storage.readPages(file, pageNos));
  }

  /** Resolves (never rejects) once everything queued so far has finished. */
  barrier(): Promise<void> {
    return this.tail.then(
      () => undefined,
      () => undefined,
    );
  }

  private enqueue<T>(op: PersistOp | null, run: () => Promise<T>): Promise<T> {
    const item: Item = { op, started: false, promise: Promise.resolve() };
    this.inFlight++;
    const promise = this.tail.then(() => {
      item.started = true;
      // Read the op at start: a coalesced writeFile may have replaced it while queued.
      return item.op ? (this.apply(item.op) as Promise<T>) : run();
    });
    item.promise = promise;
    this.last = item;
    this.tail = promise.then(
      () => undefined,
      () => undefined,
    );
    const done = (): void => {
      this.inFlight--;
      if (this.last === item) this.last = null;
    };
    promise.then(done, done);
    return promise;
  }

  private apply(op: PersistOp): Promise<void> {
    switch (op.op) {
      case 'writeFile':
        return this.storage.writeFile(op.path, op.file);
      case 'removeFile':
        return this.storage.removeFile(op.path);
      case 'mkdir':
        return this.storage.mkdir(op.path);
      case 'rmdir':
        return this.storage.rmdir(op.path);
      case 'writePages':
        return this.storage.writePages(op.file, op.pages);
      case 'removePages':
        return this.storage.removePages(op.file);
    }
  }
}

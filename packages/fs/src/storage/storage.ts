/** A file as a storage backend keeps it. */
export interface StoredFile {
  data: Uint8Array;
  /** Bumped on every change; caches use it to catch sequential write-sharing at open. */
  version: number;
}

/** Everything a backend holds, as the file server loads it at start. */
export interface StorageImage {
  /** Absolute directory paths, `/` included. */
  dirs: string[];
  files: Map<string, StoredFile>;
}

/**
 * Where a file server keeps its files and backing-file pages. The server holds the live
 * namespace in memory and calls these to make changes durable before it replies.
 * Implementations: memory (default), a directory on disk, JetStream (KV + Object Store).
 */
export interface Storage {
  readonly kind: 'memory' | 'dir' | 'jetstream';
  /** Loads every directory and file. */
  load(): Promise<StorageImage>;
  writeFile(path: string, file: StoredFile): Promise<void>;
  removeFile(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Stores pages of a backing file (page number → bytes, each one page long). */
  writePages(file: string, pages: ReadonlyMap<number, Uint8Array>): Promise<void>;
  /** Reads pages of a backing file; a page never written is absent from the result. */
  readPages(file: string, pageNos: readonly number[]): Promise<Map<number, Uint8Array>>;
  /** Drops a backing file's pages. */
  removePages(file: string): Promise<void>;
  close(): Promise<void>;
}

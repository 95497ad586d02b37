import type { Storage, StorageImage, StoredFile } from './storage.js';

/**
 * The default {@link Storage}: everything in this process's memory. It outlives a file server
 * restarted on the same object, not the OS process.
 *
 * File data is kept by reference: the file server never changes bytes it has handed out (see
 * `FileServer`), so a copy would only cost. Pages arrive as views into NATS messages and are
 * copied (one buffer per batch), so pages never pin the transport's read buffers.
 */
export class MemoryStorage implements Storage {
  readonly kind = 'memory' as const;
  private readonly dirs = new Set<string>(['/']);
  private readonly files = new Map<string, StoredFile>();
  private readonly pages = new Map<string, Map<number, Uint8Array>>();

  async load(): Promise<StorageImage> {
    return { dirs: [...this.dirs], files: new Map(this.files) };
  }

  async writeFile(path: string, file: StoredFile): Promise<void> {
    this.files.set(path, { data: file.data, version: file.version });
  }

  async removeFile(path: string): Promise<void> {
    this.files.delete(path);
  }

  async mkdir(path: string): Promise<void> {
    this.dirs.add(path);
  }

  async rmdir(path: string): Promise<void> {
    this.dirs.delete(path);
  }

  async writePages(file: string, pages: ReadonlyMap<number, Uint8Array>): Promise<void> {
    let m = this.pages.get(file);
    if (!m) this.pages.set(file, (m = new Map()));
    // One allocation per batch, not per page.
    let total = 0;
    for (const bytes of pages.values()) total += bytes.length;
    const block = new Uint8Array(total);
    let at = 0;
    for (const [n, bytes] of pages) {
      block.set(bytes, at);
      m.set(n, block.subarray(at, at + bytes.length));
      at += bytes.length;
    }
  }

  async readPages(file: string, pageNos: readonly number[]): Promise<Map<number, Uint8Array>> {
    const m = this.pages.get(file);
    const out = new Map<number, Uint8Array>();
    if (!m) return out;
    for (const n of pageNos) {
      const p = m.get(n);
      if (p) out.set(n, p);
    }
    return out;
  }

  async removePages(file: string): Promise<void> {
    this.pages.delete(file);
  }

  async close(): Promise<void> {}
}

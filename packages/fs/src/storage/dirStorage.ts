import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage, StorageImage, StoredFile } from './storage.js';

/** Options for {@link DirStorage}. */
export interface DirStorageOptions {
  /** fsync every file before renaming it into place (survives an OS crash, not just a process crash). Default false. */
  fsync?: boolean;
  /** Page files written or read in parallel (default 64). */
  parallelism?: number;
}

interface Meta {
  version: number;
}

const NAME_MAX = 255;

/**
 * A {@link Storage} in a directory on disk, durable across restarts. Layout under `root`:
 *
 * - `files/<path>` — a file's bytes, at its own path (directories are real directories), so
 *   the tree can be read with ordinary tools;
 * - `meta/<path>` — JSON `{ "version": n }` for each file;
 * - `pages/<encoded file>/<n>` — page `n` of a backing file (`encodeURIComponent` of its path,
 *   or `h-<sha256>` when that is longer than a name may be);
 * - `tmp/` — files being written.
 *
 * Every write goes to `tmp/` and is renamed into place, so a reader (or a restart) sees the old
 * or the new contents, never half. A file's meta is written before its data: a crash between
 * leaves old bytes under a newer version, which no host has cached (the server replies only
 * after both are written), never new bytes under an old version a host may have cached.
 */
export class DirStorage implements Storage {
  readonly kind = 'dir' as const;
  private readonly fsync: boolean;
  private readonly parallelism: number;
  private tmpSeq = 0;

  constructor(readonly root: string, opts: DirStorageOptions = {}) {
    this.fsync = opts.fsync ?? false;
    this.parallelism = Math.max(1, opts.parallelism ?? 64);
  }

  async load(): Promise<StorageImage> {
    await Promise.all(['files', 'meta', 'pages'].map((d) => mkdir(join(this.root, d), { recursive: true })));
    // Leftovers of writes cut short by a crash; the renamed-into-place files are what counts.
    await rm(join(this.root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const image: StorageImage = { dirs: ['/'], files: new Map() };
    await this.walk('/', image);
    return image;
  }

  async writeFile(path: string, file: StoredFile): Promise<void> {
    await this.ensureParents(path);
    const meta: Meta = { version: file.version };
    await this.atomicWrite(this.metaPath(path), new TextEncoder().encode(JSON.stringify(meta)));
    await this.atomicWrite(this.filePath(path), file.data);
  }

  async removeFile(path: string): Promise<void> {
    await ignoreMissing(unlink(this.filePath(path)));
    await ignoreMissing(unlink(this.metaPath(path)));
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(this.filePath(path), { recursive: true });
    await mkdir(this.metaPath(path), { recursive: true });
  }

  async rmdir(path: string): Promise<void> {
    await ignoreMissing(rmdir(this.filePath(path)));
    await rm(this.metaPath(path), { recursive: true, force: true });
  }

  async writePages(file: string, pages: ReadonlyMap<number, Uint8Array>): Promise<void> {
    const dir = this.pagesDir(file);
    await mkdir(dir, { recursive: true });
    await this.parallel([...pages], ([n, bytes]) => this.atomicWrite(join(dir, String(n)), bytes));
  }

  async readPages(file: string, pageNos: readonly number[]): Promise<Map<number, Uint8Array>> {
    const dir = this.pagesDir(file);
    const got = new Map<number, Uint8Array>();
    await this.parallel([...pageNos], async (n) => {
      try {
        const buf = await readFile(join(dir, String(n)));
        got.set(n, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    });
    // In the order asked, as callers expect.
    const out = new Map<number, Uint8Array>();
    for (const n of pageNos) {
      const p = got.get(n);
      if (p) out.set(n, p);
    }
    return out;
  }

  async removePages(file: string): Promise<void> {
    await rm(this.pagesDir(file), { recursive: true, force: true });
  }

  async close(): Promise<void> {}

  private async walk(dir: string, image: StorageImage): Promise<void> {
    const entries = await readdir(this.filePath(dir), { withFileTypes: true });
    for (const e of entries) {
      const path = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        image.dirs.push(path);
        await this.walk(path, image);
      } else if (e.isFile()) {
        const buf = await readFile(this.filePath(path));
        image.files.set(path, { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), version: await this.readVersion(path) });
      }
    }
  }

  private async readVersion(path: string): Promise<number> {
    try {
      const meta = JSON.parse(await readFile(this.metaPath(path), 'utf8')) as Partial<Meta>;
      return typeof meta.version === 'number' && Number.isSafeInteger(meta.version) ? meta.version : 0;
    } catch {
      // A file copied in by hand has no meta: version 0 (the server gives it a fresh id anyway).
      return 0;
    }
  }

  private async ensureParents(path: string): Promise<void> {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (parent === '/') return;
    await mkdir(this.filePath(parent), { recursive: true });
    await mkdir(this.metaPath(parent), { recursive: true });
  }

  private async atomicWrite(target: string, data: Uint8Array): Promise<void> {
    const tmp = join(this.root, 'tmp', `${process.pid}-${++this.tmpSeq}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  private async parallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) await fn(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, items.length) }, worker));
  }

  private filePath(path: string): string {
    return join(this.root, 'files', path);
  }

  private metaPath(path: string): string {
    return join(this.root, 'meta', path);
  }

  private pagesDir(file: string): string {
    const enc = encodeURIComponent(file);
    const name = enc.length <= NAME_MAX ? enc : `h-${createHash('sha256').update(file).digest('hex')}`;
    return join(this.root, 'pages', name);
  }
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirStorage, FileServer, MemoryStorage, StorageQueue, type FsEffect, type Storage, type StoredFile } from '../src/index.js';
import { Harness, bytes, pattern, text } from './helpers.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'wisp-dirstorage-'));
  roots.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

/** Performs a harness's persist effects on a storage, in order. */
async function persistAll(h: Harness, storage: Storage): Promise<void> {
  const q = new StorageQueue(storage);
  await Promise.all(h.persisted.splice(0).map((op) => q.persist(op)));
}

describe.each([
  ['memory', async (): Promise<Storage> => new MemoryStorage()],
  ['dir', async (): Promise<Storage> => new DirStorage(await tempRoot())],
])('%s storage', (_name, make) => {
  it('keeps files, dirs and pages', async () => {
    const s = await make();
    await s.load();
    await s.mkdir('/d');
    await s.writeFile('/d/f', { data: bytes('one'), version: 5 });
    await s.writeFile('/d/f', { data: bytes('two!'), version: 6 });
    await s.writeFile('/g', { data: bytes('gone'), version: 7 });
    await s.removeFile('/g');
    await s.mkdir('/e');
    await s.rmdir('/e');
    await s.writePages('/swap/p1', new Map([[3, pattern(4096, 3)], [1, pattern(4096, 1)]]));
    const img = await s.load();
    expect(img.dirs.sort()).toEqual(['/', '/d']);
    expect([...img.files.keys()]).toEqual(['/d/f']);
    expect(text(img.files.get('/d/f')!.data)).toBe('two!');
    expect(img.files.get('/d/f')!.version).toBe(6);
    const pages = await s.readPages('/swap/p1', [1, 2, 3]);
    expect([...pages.keys()]).toEqual([1, 3]);
    expect(pages.get(3)).toEqual(pattern(4096, 3));
    await s.removePages('/swap/p1');
    expect((await s.readPages('/swap/p1', [1])).size).toBe(0);
    await s.close();
  });
});

describe('DirStorage', () => {
  it('is durable: what a FileServer wrote is intact after a restart on the same root', async () => {
    const root = await tempRoot();
    const big = pattern(300_000, 9);
    {
      const storage = new DirStorage(root);
      const h = new Harness({ image: await storage.load() });
      h.ok('h1', 'mkdir', { path: '/home/ann', parents: true });
      const s = h.ok('h1', 'open', { path: '/home/ann/notes', mode: 'w' }).stream;
      h.write('h1', s, 'first line\n');
      h.write('h1', s, 'second line\n');
      const b = h.ok('h1', 'open', { path: '/big', mode: 'w' }).stream;
      h.ok('h1', 'write', { stream: b }, big);
      h.ok('h1', 'open', { path: '/tmp-file', mode: 'w' });
      h.ok('h1', 'unlink', { path: '/tmp-file' });
      h.ok('h1', 'mkdir', { path: '/empty' });
      h.ok('h1', 'rename', { from: '/home/ann', to: '/home/bob' });
      h.ok('h1', 'pageOut', { file: '/swap/h1-1', pageSize: 4096, pages: [0, 5] }, pattern(8192, 4));
      await persistAll(h, storage);
      await storage.close();
    }
    const storage = new DirStorage(root);
    const image = await storage.load();
    const server = new FileServer({ image });
    const h2 = new Harness({ image });
    expect(image.dirs.sort()).toEqual(['/', '/empty', '/home', '/home/bob']);
    expect([...image.files.keys()].sort()).toEqual(['/big', '/home/bob/notes']);
    const notes = h2.ok('h2', 'open', { path: '/home/bob/notes', mode: 'r' });
    expect(h2.read('h2', notes.stream, 100)).toBe('first line\nsecond line\n');
    expect(notes.version).toBe(image.files.get('/home/bob/notes')!.version);
    expect(image.files.get('/big')!.data).toEqual(big);
    expect(server.cachingState('/big')).not.toBeNull();
    const pages = await storage.readPages('/swap/h1-1', [0, 1, 5]);
    expect([...pages.keys()]).toEqual([0, 5]);
    expect(pages.get(5)).toEqual(pattern(8192, 4).subarray(4096));
    // The tree on disk is readable with ordinary tools.
    expect(await readFile(join(root, 'files/home/bob/notes'), 'utf8')).toBe('first line\nsecond line\n');
    expect(JSON.parse(await readFile(join(root, 'meta/home/bob/notes'), 'utf8'))).toEqual({ version: notes.version });
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });
});

describe('StorageQueue', () => {
  it('runs changes in order and coalesces back-to-back writes of one file', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const firstStarted = new Promise<void>((r) => (started = r));
    const storage = new MemoryStorage();
    const spy: Storage = Object.assign(Object.create(storage) as Storage, {
      writeFile: async (path: string, file: StoredFile) => {
        calls.push(`write ${path} ${text(file.data)}`);
        started();
        await gate;
      },
      mkdir: async (path: string) => void calls.push(`mkdir ${path}`),
    });
    const q = new StorageQueue(spy);
    const a = q.persist({ op: 'writeFile', path: '/f', file: { data: bytes('1'), version: 1 } });
    // Once a write has started it is not replaced; the ones queued behind it merge.
    await firstStarted;
    const b = q.persist({ op: 'writeFile', path: '/f', file: { data: bytes('12'), version: 2 } });
    const c = q.persist({ op: 'writeFile', path: '/f', file: { data: bytes('123'), version: 3 } });
    const d = q.persist({ op: 'mkdir', path: '/d' });
    const e = q.persist({ op: 'writeFile', path: '/f', file: { data: bytes('1234'), version: 4 } });
    expect(q.idle).toBe(false);
    release();
    await Promise.all([a, b, c, d, e]);
    await q.barrier();
    expect(calls).toEqual(['write /f 1', 'write /f 123', 'mkdir /d', 'write /f 1234']);
    expect(q.idle).toBe(true);
  });

  it('a failed change fails its own promise only', async () => {
    const storage = new MemoryStorage();
    const spy: Storage = Object.assign(Object.create(storage) as Storage, {
      mkdir: async () => {
        throw new Error('disk full');
      },
    });
    const q = new StorageQueue(spy);
    const bad = q.persist({ op: 'mkdir', path: '/d' });
    const good = q.persist({ op: 'rmdir', path: '/x' });
    await expect(bad).rejects.toThrow('disk full');
    await expect(good).resolves.toBeUndefined();
    await expect(q.barrier()).resolves.toBeUndefined();
  });
});

// Keeps the effect type in use for readers of this file: persist effects are what the queue runs.
export type _Persist = Extract<FsEffect, { type: 'persist' }>;

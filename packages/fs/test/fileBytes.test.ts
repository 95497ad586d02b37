import { describe, expect, it } from 'vitest';
import { CHUNK, FileBytes } from '../src/fileBytes.js';
import type { PersistOp } from '../src/index.js';
import { Harness, pattern } from './helpers.js';

type WriteFile = Extract<PersistOp, { op: 'writeFile' }>;

/** Reads a whole file through the server, reply by reply. */
function readAll(h: Harness, stream: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const b = h.ok('h1', 'read', { stream, length: size - at, at }).bytes!;
    expect(b.length).toBeGreaterThan(0);
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function lastWriteFile(h: Harness): WriteFile {
  const op = h.persisted.at(-1)!;
  expect(op.op).toBe('writeFile');
  return op as WriteFile;
}

describe('FileServer: in-place writes', () => {
  it('overwrites the middle of a file many times and reads back exact contents', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    const size = 5 * CHUNK + 123;
    const model = pattern(size, 7);
    h.ok('h1', 'write', { stream: s, at: 0 }, model.slice());
    for (let i = 0; i < 200; i++) {
      // Spans chunk boundaries, sits inside one chunk, or is a single byte.
      const len = [1, 17, 4096, CHUNK + 3, 2 * CHUNK][i % 5]!;
      const at = CHUNK / 2 + ((i * 7919) % (size - CHUNK - len));
      const data = pattern(len, i + 100);
      const r = h.ok('h1', 'write', { stream: s, at }, data);
      expect(r.size).toBe(size);
      model.set(data, at);
      if (i % 20 === 0) expect(same(readAll(h, s, size), model)).toBe(true);
    }
    expect(h.ok('h1', 'fstat', { stream: s }).size).toBe(size);
    expect(same(readAll(h, s, size), model)).toBe(true);
    expect(same(lastWriteFile(h).file.data, model)).toBe(true);
  });

  it('does not change a persisted snapshot or a read reply by a later write', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    const first = pattern(3 * CHUNK + 5, 1);
    h.ok('h1', 'write', { stream: s, at: 0 }, first);
    const snap1 = lastWriteFile(h).file;
    const v1 = snap1.version;
    const read1 = h.ok('h1', 'read', { stream: s, length: 100, at: CHUNK + 10 }).bytes!;
    const read1Copy = read1.slice();

    // Overwrite everything, in place, before storage looked at the first snapshot.
    h.ok('h1', 'write', { stream: s, at: 0 }, pattern(3 * CHUNK + 5, 2));
    const snap2 = lastWriteFile(h).file;
    // A small file (one chunk) hands out a view: it must not change either.
    const t = h.ok('h1', 'open', { path: '/small', mode: 'w+' }).stream;
    h.ok('h1', 'write', { stream: t, at: 0 }, pattern(100, 3));
    const small = lastWriteFile(h).file;
    h.ok('h1', 'write', { stream: t, at: 10 }, pattern(50, 4));
    h.ok('h1', 'write', { stream: s, at: 7 }, pattern(2 * CHUNK, 5));

    expect(snap1.version).toBe(v1);
    expect(same(snap1.data, first)).toBe(true);
    expect(same(snap2.data, pattern(3 * CHUNK + 5, 2))).toBe(true);
    expect(same(small.data, pattern(100, 3))).toBe(true);
    expect(same(read1, read1Copy)).toBe(true);
    // Once built, the data a storage holds stays put too.
    const held = snap2.data;
    h.ok('h1', 'write', { stream: s, at: 0 }, pattern(CHUNK, 6));
    expect(snap2.data).toBe(held);
    expect(same(held, pattern(3 * CHUNK + 5, 2))).toBe(true);
  });

  it('FileBytes matches a plain model through gaps, growth, truncation and loaded data', () => {
    const loaded = pattern(2 * CHUNK + 9, 9);
    const b = FileBytes.from(loaded);
    let model = loaded.slice();
    const snaps: Array<[Uint8Array, ReturnType<FileBytes['snapshot']>]> = [];
    for (let i = 0; i < 300; i++) {
      if (i === 150) {
        b.clear();
        model = new Uint8Array(0);
      }
      const len = 1 + ((i * 4099) % (CHUNK + 50));
      const at = (i * 104729) % (model.length + 2 * CHUNK);
      const data = pattern(len, i + 1);
      b.write(at, data);
      const next = new Uint8Array(Math.max(model.length, at + len));
      next.set(model);
      next.set(data, at);
      model = next;
      expect(b.size).toBe(model.length);
      if (i % 7 === 0) snaps.push([model.slice(), b.snapshot(i)]);
      if (i % 11 === 0) {
        const from = (i * 31) % model.length;
        const n = Math.min(model.length - from, 3 * CHUNK);
        expect(same(b.read(from, n), model.subarray(from, from + n))).toBe(true);
      }
    }
    expect(same(b.snapshot(0).data, model)).toBe(true);
    expect(same(loaded, pattern(2 * CHUNK + 9, 9))).toBe(true);
    for (const [want, snap] of snaps) expect(same(snap.data, want)).toBe(true);
  });
});

/** Byte equality without vitest's (slow, for megabytes) diff. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

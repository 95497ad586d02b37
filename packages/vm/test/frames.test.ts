import { describe, expect, test } from 'vitest';
import { FrameAllocator } from '../src/frames.js';

describe('frame allocator', () => {
  test('frames are distinct page-sized zero views; released ones are reused zeroed', () => {
    const a = new FrameAllocator(4096, 2);
    const f = a.zeroed();
    const g = a.zeroed();
    expect(f.length).toBe(4096);
    expect(f.buffer).toBe(g.buffer); // one slab
    f.fill(7);
    expect(g.every((x) => x === 0)).toBe(true);
    a.release(f);
    const h = a.zeroed();
    expect(h).toBe(f);
    expect(h.every((x) => x === 0)).toBe(true);
  });

  test('copy fills the rest of the page with zeros, fresh or reused', () => {
    const a = new FrameAllocator(16, 4);
    const f = a.copy(new Uint8Array([1, 2, 3]));
    expect([...f]).toEqual([1, 2, 3, ...new Array(13).fill(0)]);
    f.fill(9);
    a.release(f);
    expect([...a.copy(new Uint8Array([4]))]).toEqual([4, ...new Array(15).fill(0)]);
  });

  test('slabs of whole pages: a page bigger than a slab gets its own buffer', () => {
    const a = new FrameAllocator(1 << 21);
    expect(a.zeroed().buffer).not.toBe(a.zeroed().buffer);
  });

  test('keeps at most `keep` released frames', () => {
    const a = new FrameAllocator(8, 1);
    const [x, y] = [a.zeroed(), a.zeroed()];
    a.release(x);
    a.release(y);
    expect(a.zeroed()).toBe(x);
    expect(a.zeroed()).not.toBe(y);
  });
});

describe('frames kept for reuse', () => {
  test('keepAtLeast raises the number kept, never lowers it', () => {
    const a = new FrameAllocator(8, 1);
    a.keepAtLeast(3);
    a.keepAtLeast(2);
    const fs = [a.zeroed(), a.zeroed(), a.zeroed()];
    for (const f of fs) a.release(f);
    expect(new Set([a.zeroed(), a.zeroed(), a.zeroed()])).toEqual(new Set(fs));
  });
});

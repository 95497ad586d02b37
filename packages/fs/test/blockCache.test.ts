import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/index.js';

const B = 16;
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('BlockCache', () => {
  it('reads hit blocks; missing blocks are listed, clamped to the size', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 40);
    expect(c.missing('f', 0, 100)).toEqual([0, 1, 2]);
    expect(c.missing('f', 17, 20)).toEqual([1]);
    expect(c.missing('f', 40, 50)).toEqual([]);
    c.fill('f', 0, fill(B, 1));
    c.fill('f', 1, fill(B, 2));
    c.fill('f', 2, fill(8, 3));
    expect(c.missing('f', 0, 100)).toEqual([]);
    expect([...c.read('f', 14, 100)]).toEqual([1, 1, ...Array(16).fill(2), ...Array(8).fill(3)]);
    expect(c.read('f', 40, 50)).toHaveLength(0);
    expect(c.stats.misses).toBe(3);
    expect(c.stats.hits).toBe(3);
  });

  it('a partial write into an absent block holding file bytes needs a fetch first; whole or past-the-end blocks do not', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 20);
    expect(c.missingForWrite('f', 4, 4)).toEqual([0]);
    expect(c.missingForWrite('f', 0, 16)).toEqual([]);
    expect(c.missingForWrite('f', 10, 30)).toEqual([0]);
    expect(c.missingForWrite('f', 10, 8)).toEqual([0, 1]);
    expect(c.missingForWrite('f', 32, 5)).toEqual([]);
    expect(() => c.write('f', 4, fill(4, 9))).toThrow(/fetched/);
    c.write('f', 32, fill(5, 7));
    expect(c.size('f')).toBe(37);
    expect(c.dirtyRuns('f')).toEqual([{ at: 32, bytes: fill(5, 7) }]);
  });

  it('write-back runs coalesce adjacent dirty ranges and cover merged writes in a block', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 0);
    c.write('f', 0, fill(20, 1));
    c.write('f', 20, fill(12, 2));
    c.write('f', 40, fill(2, 3));
    c.write('f', 44, fill(2, 4));
    const runs = c.dirtyRuns('f');
    expect(runs.map((r) => [r.at, r.bytes.length])).toEqual([
      [0, 32],
      [40, 6],
    ]);
    expect([...runs[1]!.bytes]).toEqual([3, 3, 0, 0, 4, 4]);
    expect(c.dirtyBytes).toBe(3 * B);
    c.cleaned('f', 5);
    expect(c.dirtyRuns('f')).toEqual([]);
    expect(c.dirtyBytes).toBe(0);
    expect(c.version('f')).toBe(5);
    expect([...c.read('f', 30, 34)]).toEqual([2, 2, 0, 0]);
  });

  it('an open at another version drops stale blocks; the same version keeps them', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 16);
    c.fill('f', 0, fill(B, 1));
    c.open('f', 1, 16);
    expect(c.missing('f', 0, 16)).toEqual([]);
    c.open('f', 2, 10);
    expect(c.missing('f', 0, 16)).toEqual([0]);
    expect(c.size('f')).toBe(10);
    // Our own write-back reached the server after the open did: our newer pair stays.
    c.write('f', 0, fill(30, 2));
    c.cleaned('f', 9);
    c.open('f', 3, 10);
    expect(c.version('f')).toBe(9);
    expect(c.size('f')).toBe(30);
    expect(c.missing('f', 0, 30)).toEqual([0, 1]);
    // Dirty blocks at another version are a caller mistake, never silently dropped.
    c.write('f', 0, fill(B, 1));
    expect(() => c.open('f', 10, 0)).toThrow();
  });

  it('a write-through updates present blocks, version and size', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 16);
    c.fill('f', 0, fill(B, 1));
    c.writeThrough('f', 14, fill(4, 8), 2, 18);
    expect([...c.read('f', 12, 16)]).toEqual([1, 1, 8, 8]);
    expect(c.version('f')).toBe(2);
    expect(c.size('f')).toBe(18);
    expect(c.missing('f', 0, 18)).toEqual([1]);
  });

  it('evicts least recently used clean blocks, never dirty ones', () => {
    const c = new BlockCache({ blockSize: B, maxBytes: 2 * B });
    c.open('f', 1, 4 * B);
    c.write('f', 0, fill(B, 1));
    c.fill('f', 1, fill(B, 2));
    c.fill('f', 2, fill(B, 3));
    c.read('f', B, 2 * B);
    c.trim();
    expect(c.bytes).toBe(2 * B);
    expect(c.missing('f', 0, 3 * B)).toEqual([2]);
    expect(c.stats.evictions).toBe(1);
    c.fill('f', 3, fill(B, 4));
    c.trim();
    expect(c.missing('f', 0, 4 * B)).toEqual([1, 2]);
  });

  it('drop forgets a file', () => {
    const c = new BlockCache({ blockSize: B });
    c.open('f', 1, 0);
    c.write('f', 0, fill(3, 1));
    expect(c.dirtyKeys()).toEqual(['f']);
    c.drop('f');
    expect(c.has('f')).toBe(false);
    expect(c.dirtyBytes).toBe(0);
    expect(c.bytes).toBe(0);
  });
});

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PageFault, PagedAddressSpace } from '../src/index.js';

/** A space of `pages` pages, each written once and then taken to a fresh target lazily (all owed). */
function lazyTarget(pages: number, options: { readAhead?: number; maxReadAhead?: number } = {}): PagedAddressSpace {
  const src = new PagedAddressSpace(pages * PAGE_SIZE);
  for (let p = 0; p < pages; p++) src.setU32(p * PAGE_SIZE, p + 1);
  return PagedAddressSpace.fromDescription(src.describe(), options);
}

/** Runs a transition that writes every page in order, faulting pages in (hint included) until it completes; returns the faults taken. */
function sweep(m: PagedAddressSpace, stride = 1): number {
  for (let faults = 0; faults < 10_000; faults++) {
    m.begin();
    try {
      for (let p = 0; p < m.pageCount; p += stride) m.setU32(p * PAGE_SIZE + 4, p);
      m.commit();
      return faults;
    } catch (err) {
      if (!(err instanceof PageFault)) throw err;
      m.rollback();
      const f = m.takeFault()!;
      for (const p of [...f.pages, ...f.hint]) m.install(p, new Uint8Array(PAGE_SIZE));
    }
  }
  throw new Error('sweep kept faulting');
}

describe('page counts without scans', () => {
  test('dirtyCount follows writes, rollback, takeDirty and install', () => {
    const m = new PagedAddressSpace(8 * PAGE_SIZE);
    expect(m.dirtyCount).toBe(0);
    m.setU8(0, 1);
    m.setU8(3 * PAGE_SIZE, 1);
    expect(m.dirtyCount).toBe(2);
    m.begin();
    m.setU8(5 * PAGE_SIZE, 1);
    m.grow(2 * PAGE_SIZE);
    m.setU8(9 * PAGE_SIZE, 1);
    expect(m.dirtyCount).toBe(4);
    m.rollback();
    expect(m.dirtyCount).toBe(2);
    expect(m.stats()).toEqual({ pages: 8, zero: 6, clean: 0, dirty: 2, absent: 0 });
    expect(m.takeDirty()).toEqual([0, 3]);
    expect(m.dirtyCount).toBe(0);
    m.install(6, new Uint8Array(PAGE_SIZE), true);
    expect(m.dirtyCount).toBe(1);
    expect(m.stats()).toEqual({ pages: 8, zero: 5, clean: 2, dirty: 1, absent: 0 });
  });

  test('isOwed and owedCount: owed pages of a lazy target until installed', () => {
    const m = lazyTarget(4);
    expect(m.owedCount).toBe(4);
    expect([0, 1, 2, 3].map((p) => m.isOwed(p))).toEqual([true, true, true, true]);
    m.install(2, new Uint8Array(PAGE_SIZE));
    expect(m.isOwed(2)).toBe(false);
    expect(m.pageState(2)).toBe('dirty');
    expect(m.owedCount).toBe(3);
    expect(m.owedPages()).toEqual([0, 1, 3]);
    expect(() => m.isOwed(4)).toThrow(RangeError);
  });

  test('owedPagesFrom walks owed pages batch by batch', () => {
    const m = lazyTarget(10);
    m.install(3, new Uint8Array(PAGE_SIZE));
    expect(m.owedPagesFrom(0, 4)).toEqual([0, 1, 2, 4]);
    expect(m.owedPagesFrom(5, 4)).toEqual([5, 6, 7, 8]);
    expect(m.owedPagesFrom(9, 4)).toEqual([9]);
    expect(m.owedPagesFrom(10, 4)).toEqual([]);
    for (let p = 0; p < 10; p++) if (m.isOwed(p)) m.install(p, new Uint8Array(PAGE_SIZE));
    expect(m.owedPagesFrom(0, 4)).toEqual([]);
  });
});

describe('read-ahead grows while faults run forward', () => {
  test('a sweep of n pages takes O(log n) faults, not n / readAhead', () => {
    const m = lazyTarget(4096, { readAhead: 8 });
    const faults = sweep(m);
    // 8, 16, 32, … 4096: each fault doubles the window (a fixed window would take 455 faults).
    expect(faults).toBeLessThanOrEqual(10);
    expect(m.owedCount).toBe(0);
  });

  test('strided forward faults grow the window too', () => {
    expect(sweep(lazyTarget(4096, { readAhead: 8 }), 10)).toBeLessThanOrEqual(10);
  });

  test('the window stops at maxReadAhead', () => {
    const m = lazyTarget(4096, { readAhead: 8, maxReadAhead: 64 });
    const faults = sweep(m);
    expect(faults).toBeGreaterThanOrEqual(4096 / 65);
    expect(faults).toBeLessThanOrEqual(4096 / 64 + 4);
  });

  test('a fault elsewhere falls back to the base window', () => {
    const m = lazyTarget(1024, { readAhead: 4 });
    expect(() => m.u8(0)).toThrow(PageFault);
    expect(m.takeFault()!.hint).toEqual([1, 2, 3, 4]);
    expect(() => m.u8(5 * PAGE_SIZE)).toThrow(PageFault);
    expect(m.takeFault()!.hint).toHaveLength(8);
    expect(() => m.u8(900 * PAGE_SIZE)).toThrow(PageFault);
    expect(m.takeFault()!.hint).toEqual([901, 902, 903, 904]);
  });
});

describe('batches of pages', () => {
  test('copyPages concatenates pages in the order asked (zeros for zero pages); absent pages are refused', () => {
    const m = new PagedAddressSpace(4 * PAGE_SIZE);
    m.setU8(0, 1);
    m.setU8(2 * PAGE_SIZE + 5, 3);
    const b = m.copyPages([2, 0, 1]);
    expect(b.length).toBe(3 * PAGE_SIZE);
    expect(b[5]).toBe(3);
    expect(b[PAGE_SIZE]).toBe(1);
    expect(b.subarray(2 * PAGE_SIZE).every((x) => x === 0)).toBe(true);
    b[PAGE_SIZE] = 9; // a copy
    expect(m.u8(0)).toBe(1);
    const t = lazyTarget(2);
    expect(() => t.copyPages([1])).toThrow(/absent/);
  });

  test('pageView is the page itself: zeros for a zero page, later writes show through', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    expect(m.pageView(1).every((x) => x === 0)).toBe(true);
    m.setU8(5, 1);
    const v = m.pageView(0);
    expect(v[5]).toBe(1);
    m.setU8(5, 2);
    expect(v[5]).toBe(2);
    expect(() => lazyTarget(1).pageView(0)).toThrow(/absent/);
  });
});

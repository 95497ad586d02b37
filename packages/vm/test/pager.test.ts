import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PageFault, PagedAddressSpace, pagesOf, toExtents } from '../src/index.js';

/** Runs `fn`, installing faulted pages from `fetch` until it completes; returns the result and the fault count. */
function faultIn<T>(m: PagedAddressSpace, fetch: (page: number) => Uint8Array, fn: () => T): { value: T; faults: number } {
  for (let faults = 0; ; faults++) {
    try {
      return { value: fn(), faults };
    } catch (err) {
      if (!(err instanceof PageFault)) throw err;
      const f = m.takeFault()!;
      for (const p of f.pages) m.install(p, fetch(p));
    }
  }
}

describe('pager side', () => {
  test('extents compress page lists', () => {
    expect(toExtents([0, 1, 2, 5, 7, 8])).toEqual([
      [0, 3],
      [5, 1],
      [7, 2],
    ]);
    expect([...pagesOf([[3, 2], [9, 1]])]).toEqual([3, 4, 9]);
    expect(toExtents([])).toEqual([]);
  });

  test('flush: takeDirty, pageBytes, evictClean, then faults bring pages back', () => {
    const m = new PagedAddressSpace(4 * PAGE_SIZE);
    m.setU32(0, 1);
    m.setU32(2 * PAGE_SIZE, 3);
    const file = new Map<number, Uint8Array>();
    for (const p of m.takeDirty()) file.set(p, m.pageBytes(p));
    expect([...file.keys()]).toEqual([0, 2]);
    expect(m.evictClean()).toEqual([0, 2]);
    expect(m.absentPages()).toEqual([0, 2]);
    expect(m.residentPages()).toEqual([]);
    expect(m.stats()).toEqual({ pages: 4, zero: 2, clean: 0, dirty: 0, absent: 2 });
    const { value, faults } = faultIn(m, (p) => file.get(p)!, () => m.u32(0) + m.u32(2 * PAGE_SIZE) + m.u32(PAGE_SIZE));
    expect(value).toBe(4);
    expect(faults).toBe(2);
    expect(m.residentPages()).toEqual([0, 2]);
    expect(m.dirtyPages()).toEqual([]);
  });

  test('markAbsent refuses dirty pages without changing any', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    m.setU8(PAGE_SIZE, 1);
    expect(() => m.markAbsent([0, 1])).toThrow(/dirty/);
    expect(m.pageState(0)).toBe('zero');
    expect(() => m.markAbsent([5])).toThrow(RangeError);
  });

  test('install refuses dirty pages, oversize bytes and bad page numbers, and zero-pads short ones', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    m.setU8(0, 1);
    expect(() => m.install(0, new Uint8Array(PAGE_SIZE))).toThrow(/dirty/);
    expect(() => m.install(1, new Uint8Array(PAGE_SIZE + 1))).toThrow(RangeError);
    expect(() => m.install(2, new Uint8Array(1))).toThrow(RangeError);
    m.install(1, new Uint8Array(PAGE_SIZE).fill(9));
    m.install(1, Uint8Array.of(4, 5));
    expect([...m.bytes(PAGE_SIZE, 3)]).toEqual([4, 5, 0]);
    expect(m.pageState(1)).toBe('clean');
    expect(() => m.pageBytes(2)).toThrow(RangeError);
  });

  test('pageBytes copies; an absent page cannot be read', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    m.setU8(0, 1);
    const b = m.pageBytes(0);
    b[0] = 2;
    expect(m.u8(0)).toBe(1);
    expect(m.pageBytes(1)).toEqual(new Uint8Array(PAGE_SIZE));
    m.takeDirty();
    m.markAbsent([0]);
    expect(() => m.pageBytes(0)).toThrow(/absent/);
  });

  test('describe → fromDescription → install on demand round-trips (lazy), keeping dirtiness', () => {
    const src = new PagedAddressSpace(6 * PAGE_SIZE + 100);
    src.setU32(0, 10);
    src.setU32(3 * PAGE_SIZE, 30);
    src.setU32(6 * PAGE_SIZE + 50, 60);
    src.takeDirty(); // 0, 3, 6 clean (in the backing file)
    src.setU32(3 * PAGE_SIZE + 4, 31); // 3 dirty again
    const d = JSON.parse(JSON.stringify(src.describe()));
    expect(d).toEqual({ size: 6 * PAGE_SIZE + 100, pageSize: PAGE_SIZE, maxSize: 2 ** 30, pages: [[0, 1], [3, 1], [6, 1]], dirty: [[3, 1]] });
    const dst = PagedAddressSpace.fromDescription(d);
    expect(dst.size).toBe(src.size);
    expect(dst.absentPages()).toEqual([0, 3, 6]);
    expect(dst.u8(PAGE_SIZE)).toBe(0); // zero pages need no fetch
    const all = faultIn(dst, (p) => src.pageBytes(p), () => [dst.u32(0), dst.u32(3 * PAGE_SIZE), dst.u32(3 * PAGE_SIZE + 4), dst.u32(6 * PAGE_SIZE + 50)]);
    expect(all.value).toEqual([10, 30, 31, 60]);
    // Page 3 was dirty at the source: it must still be flushed from the target.
    expect(dst.dirtyPages()).toEqual([3]);
    expect(dst.residentPages()).toEqual([0, 3, 6]);
  });

  test('image → fromImage copies every resident page; pages absent at the source stay absent', () => {
    const src = new PagedAddressSpace(4 * PAGE_SIZE);
    src.setU8(0, 1);
    src.setU8(PAGE_SIZE, 2);
    src.setU8(2 * PAGE_SIZE, 3);
    const file = new Map<number, Uint8Array>();
    for (const p of src.takeDirty()) file.set(p, src.pageBytes(p));
    src.markAbsent([2]);
    src.setU8(PAGE_SIZE, 5); // dirty
    const dst = PagedAddressSpace.fromImage(src.image());
    expect(dst.pageState(0)).toBe('clean');
    expect(dst.pageState(1)).toBe('dirty');
    expect(dst.pageState(2)).toBe('absent');
    expect(dst.pageState(3)).toBe('zero');
    expect(dst.u8(0)).toBe(1);
    expect(dst.u8(PAGE_SIZE)).toBe(5);
    expect(faultIn(dst, (p) => file.get(p)!, () => dst.u8(2 * PAGE_SIZE)).value).toBe(3);
  });

  test('image refuses pages still owed by a lazy source', () => {
    const src = new PagedAddressSpace(PAGE_SIZE);
    src.setU8(0, 1);
    const dst = PagedAddressSpace.fromDescription(src.describe());
    expect(() => dst.image()).toThrow(/lazy source/);
    expect(dst.owedPages()).toEqual([0]);
    dst.install(0, src.pageBytes(0));
    expect(dst.image().pages).toHaveLength(1);
  });

  test('fromDescription rejects inconsistent descriptions', () => {
    const d = { size: PAGE_SIZE, pageSize: PAGE_SIZE, maxSize: 2 ** 30, pages: [[0, 2]] as Array<[number, number]>, dirty: [] };
    expect(() => PagedAddressSpace.fromDescription(d)).toThrow(RangeError);
    expect(() => PagedAddressSpace.fromDescription({ ...d, pages: [], dirty: [[0, 1]] })).toThrow(/not among its pages/);
    const big = { ...d, size: 200 * PAGE_SIZE };
    expect(() => PagedAddressSpace.fromDescription({ ...big, pages: [[0, 10], [5, 10]] })).toThrow(/overlap/);
    expect(() => PagedAddressSpace.fromDescription({ ...big, pages: [[100, 100]], dirty: [[90, 100]] })).toThrow(/dirty page 90 /);
    expect(() => PagedAddressSpace.fromDescription({ ...big, pages: [[0, 100], [101, 99]], dirty: [[0, 200]] })).toThrow(/dirty page 100 /);
  });

  test('adoptFrame installs a page without copying it; refuses a dirty page or a wrong size', () => {
    const src = new PagedAddressSpace(2 * PAGE_SIZE);
    src.setU32(0, 7);
    const dst = PagedAddressSpace.fromDescription(src.describe());
    const frame = src.pageBytes(0);
    dst.adoptFrame(0, frame, true);
    expect(dst.u32(0)).toBe(7);
    expect(dst.pageState(0)).toBe('dirty');
    expect(dst.pageView(0)).toBe(frame);
    expect(() => dst.adoptFrame(0, new Uint8Array(PAGE_SIZE))).toThrow(/dirty/);
    expect(() => dst.adoptFrame(1, new Uint8Array(8))).toThrow(/not a page/);
  });

  test('describe and fromDescription agree on long and short runs, whole spaces and counts', () => {
    const n = 300;
    const shapes: Array<(m: PagedAddressSpace) => void> = [
      (m) => { for (let p = 0; p < n; p++) m.setU8(p * PAGE_SIZE, 1); }, // every page dirty
      (m) => { for (let p = 0; p < n; p++) m.setU8(p * PAGE_SIZE, 1); m.takeDirty(); }, // every page clean
      (m) => { for (let p = 0; p < n; p += 3) m.setU8(p * PAGE_SIZE, 1); }, // short runs
      (m) => { for (let p = 10; p < 250; p++) m.setU8(p * PAGE_SIZE, 1); m.takeDirty(); for (let p = 20; p < 200; p += 7) m.setU8(p * PAGE_SIZE, 2); },
    ];
    for (const shape of shapes) {
      const src = new PagedAddressSpace(n * PAGE_SIZE);
      shape(src);
      const d = src.describe();
      const dst = PagedAddressSpace.fromDescription(d);
      expect(dst.describe()).toEqual(d);
      const s = src.stats();
      const t = dst.stats();
      expect(t.zero).toBe(s.zero);
      expect(t.absent).toBe(n - s.zero);
      expect(dst.owedPages().length).toBe(src.dirtyPages().length);
      expect(dst.owedCount).toBe(src.dirtyPages().length);
    }
  });
});

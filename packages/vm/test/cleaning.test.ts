import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PagedAddressSpace } from '../src/index.js';

/** A space of `n` pages, every page written once (dirty), inside one committed transaction. */
function written(n: number): PagedAddressSpace {
  const m = new PagedAddressSpace(n * PAGE_SIZE);
  m.begin();
  for (let p = 0; p < n; p++) m.setU32(p * PAGE_SIZE, p + 1);
  m.commit();
  return m;
}

/** One transaction writing one word to each of `pages` (the small-write path: the word log). */
function touch(m: PagedAddressSpace, pages: number[], v: number): void {
  m.begin();
  for (const p of pages) m.setU32(p * PAGE_SIZE + 4, v);
  m.commit();
}

describe('what a background cleaner takes (takeColdDirty, redirty)', () => {
  test('takes at most max dirty pages, ascending; they become clean and the rest stay dirty', () => {
    const m = written(6);
    expect(m.takeColdDirty(Infinity, 4)).toEqual([0, 1, 2, 3]);
    expect(m.stats()).toMatchObject({ clean: 4, dirty: 2 });
    expect(m.takeColdDirty(Infinity, 4)).toEqual([4, 5]);
    expect(m.takeColdDirty(Infinity, 4)).toEqual([]);
  });

  test('leaves pages written since the reading it is given (hot), takes the others', () => {
    const m = written(6);
    // A page on its write fast path (written just before the reading) is seen when written again.
    m.setU32(4 * PAGE_SIZE, 1);
    const look = m.markWrites();
    m.setU32(4 * PAGE_SIZE, 2);
    touch(m, [1], 7);
    expect(m.takeColdDirty(look, 100)).toEqual([0, 2, 3, 5]);
    expect(m.pageState(1)).toBe('dirty');
    expect(m.pageState(4)).toBe('dirty');
    // Not written since the next reading: cold now.
    const next = m.markWrites();
    expect(m.takeColdDirty(next, 100)).toEqual([1, 4]);
  });

  test('a page taken is dirty again after any later write, a one-word write in a transaction included', () => {
    const m = written(3);
    expect(m.takeColdDirty(Infinity, 100)).toEqual([0, 1, 2]);
    touch(m, [1], 9);
    expect(m.pageState(1)).toBe('dirty');
    // And outside a transaction, on the write fast path of a page written just before it was taken.
    m.setU32(2 * PAGE_SIZE, 5);
    expect(m.takeColdDirty(Infinity, 1)).toEqual([1]);
    expect(m.takeColdDirty(Infinity, 100)).toEqual([2]);
    m.setU32(2 * PAGE_SIZE, 6);
    expect(m.dirtyPages()).toEqual([2]);
  });

  test('the copy taken with the pages is what memory holds while they stay clean', () => {
    const m = written(2);
    const pages = m.takeColdDirty(Infinity, 100);
    const copy = m.copyPages(pages);
    expect(new DataView(copy.buffer).getUint32(PAGE_SIZE, true)).toBe(2);
    // The process runs on: a write after the copy changes memory, not the copy, and re-dirties the page.
    touch(m, [1], 42);
    expect(new DataView(copy.buffer).getUint32(PAGE_SIZE + 4, true)).toBe(0);
    expect(m.u32(PAGE_SIZE + 4)).toBe(42);
    expect(m.pageState(1)).toBe('dirty');
    expect(m.pageState(0)).toBe('clean');
  });

  test('redirty (a failed write) makes the pages still clean dirty again and leaves the rest', () => {
    const m = written(4);
    const pages = m.takeColdDirty(Infinity, 3);
    expect(pages).toEqual([0, 1, 2]);
    touch(m, [1], 3);
    expect(m.redirty(pages)).toBe(2);
    expect(m.dirtyPages()).toEqual([0, 1, 2, 3]);
    expect(m.stats()).toMatchObject({ clean: 0, dirty: 4 });
  });

  test('is refused inside a transaction', () => {
    const m = written(2);
    m.begin();
    expect(() => m.markWrites()).toThrow(/transaction/);
    expect(() => m.takeColdDirty(Infinity, 10)).toThrow(/transaction/);
    expect(() => m.redirty([0])).toThrow(/transaction/);
    m.rollback();
  });
});

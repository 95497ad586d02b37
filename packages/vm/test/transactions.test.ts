import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PagedAddressSpace } from '../src/index.js';

describe('transactions', () => {
  test('rollback restores bytes, dirty bits and zero pages', () => {
    const m = new PagedAddressSpace(4 * PAGE_SIZE);
    m.setU32(0, 11); // page 0 dirty
    m.setU32(PAGE_SIZE, 22); // page 1 clean after takeDirty
    m.takeDirty();
    m.setU32(0, 12);
    m.begin();
    expect(m.inTransaction).toBe(true);
    m.setU32(0, 99);
    m.setU32(PAGE_SIZE, 98);
    m.setU32(2 * PAGE_SIZE, 97); // a zero page
    m.fill(3 * PAGE_SIZE, 10, 5);
    expect(m.u32(0)).toBe(99);
    expect(m.dirtyPages()).toEqual([0, 1, 2, 3]);
    m.rollback();
    expect(m.inTransaction).toBe(false);
    expect(m.u32(0)).toBe(12);
    expect(m.u32(PAGE_SIZE)).toBe(22);
    expect(m.u32(2 * PAGE_SIZE)).toBe(0);
    expect(m.pageState(0)).toBe('dirty');
    expect(m.pageState(1)).toBe('clean');
    expect(m.pageState(2)).toBe('zero');
    expect(m.pageState(3)).toBe('zero');
    // Writes after a rollback take the slow path again and mark pages dirty.
    m.setU8(PAGE_SIZE + 100, 1);
    expect(m.pageState(1)).toBe('dirty');
    m.setU8(2 * PAGE_SIZE, 1);
    expect(m.pageState(2)).toBe('dirty');
  });

  test('rollback undoes growth, including writes to the grown pages', () => {
    const m = new PagedAddressSpace(100);
    m.setU8(99, 7);
    m.begin();
    expect(m.grow(3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE + 100);
    m.setU8(200, 1); // in the old last page, past the old size
    m.setU8(2 * PAGE_SIZE, 2);
    m.rollback();
    expect(m.size).toBe(100);
    expect(m.pageCount).toBe(1);
    expect(() => m.u8(200)).toThrow(RangeError);
    expect(m.u8(99)).toBe(7);
    // Growing again shows zeros, not the rolled-back bytes.
    m.grow(3 * PAGE_SIZE);
    expect(m.u8(200)).toBe(0);
    expect(m.u8(2 * PAGE_SIZE)).toBe(0);
    expect(m.pageState(2)).toBe('zero');
  });

  test('commit keeps writes, growth and dirty bits', () => {
    const m = new PagedAddressSpace(PAGE_SIZE);
    m.begin();
    m.setF64(8, 1.5);
    m.grow(PAGE_SIZE);
    m.setU8(PAGE_SIZE + 1, 3);
    m.commit();
    expect(m.f64(8)).toBe(1.5);
    expect(m.u8(PAGE_SIZE + 1)).toBe(3);
    expect(m.size).toBe(2 * PAGE_SIZE);
    expect(m.dirtyPages()).toEqual([0, 1]);
    // The next transaction saves again: a rollback now returns to the committed state.
    m.begin();
    m.setF64(8, 2.5);
    m.rollback();
    expect(m.f64(8)).toBe(1.5);
  });

  test('a transaction that faulted rolls back, and the same writes succeed after install', () => {
    const m = new PagedAddressSpace(3 * PAGE_SIZE);
    m.setU8(0, 1);
    m.setU8(PAGE_SIZE, 2);
    const saved = m.pageBytes(1);
    m.takeDirty();
    m.markAbsent([1]);
    const body = (): void => {
      m.setU8(0, m.u8(0) + 10);
      m.setU8(PAGE_SIZE + 1, m.u8(PAGE_SIZE) + 10);
    };
    m.begin();
    expect(body).toThrow();
    m.rollback();
    expect(m.u8(0)).toBe(1);
    const fault = m.takeFault();
    expect(fault?.pages).toEqual([1]);
    for (const p of fault!.pages) m.install(p, saved);
    m.begin();
    body();
    m.commit();
    expect(m.u8(0)).toBe(11);
    expect(m.u8(PAGE_SIZE + 1)).toBe(12);
    expect(m.takeFault()).toBeNull();
  });

  test('misuse is an error', () => {
    const m = new PagedAddressSpace(PAGE_SIZE);
    expect(() => m.commit()).toThrow(/no transaction/);
    expect(() => m.rollback()).toThrow(/no transaction/);
    m.begin();
    expect(() => m.begin()).toThrow(/do not nest/);
    expect(() => m.takeDirty()).toThrow(/inside a transaction/);
    expect(() => m.install(0, new Uint8Array(1))).toThrow(/inside a transaction/);
    expect(() => m.markAbsent([0])).toThrow(/inside a transaction/);
    expect(() => m.evictClean()).toThrow(/inside a transaction/);
    expect(() => m.describe()).toThrow(/inside a transaction/);
    m.commit();
  });
});

describe('small writes in a transaction', () => {
  const pages = 64;
  const fresh = () => {
    const m = new PagedAddressSpace(pages * PAGE_SIZE);
    for (let p = 0; p < pages; p++) m.setU32(p * PAGE_SIZE + 8, p + 1);
    m.takeDirty(); // every page clean
    return m;
  };

  test('a word in each of many pages: logged, not copied; rollback restores bytes and states', () => {
    const m = fresh();
    m.begin();
    for (let p = 0; p < pages; p++) {
      m.setU32(p * PAGE_SIZE + 8, 1000 + p);
      m.setU8(p * PAGE_SIZE + 20, 7);
    }
    // Logged, not copied.
    expect(m.pagesSaved).toBe(0);
    expect(m.dirtyPages()).toHaveLength(pages);
    m.rollback();
    for (let p = 0; p < pages; p++) {
      expect(m.u32(p * PAGE_SIZE + 8)).toBe(p + 1);
      expect(m.u8(p * PAGE_SIZE + 20)).toBe(0);
      expect(m.pageState(p)).toBe('clean');
    }
    expect(m.stats().clean).toBe(pages);
  });

  test('past the limit a page is saved whole; rollback undoes the logged writes and the rest', () => {
    const m = fresh();
    m.begin();
    for (let i = 0; i < 40; i++) m.setU32(i * 8, i); // 40 writes in page 0: logged, then saved whole
    m.setBytes(PAGE_SIZE, new Uint8Array(100).fill(9)); // a large write: saved whole at once
    m.setU32(2 * PAGE_SIZE + 8, 5); // logged only
    expect(m.u32(39 * 8)).toBe(39);
    expect(m.pagesSaved).toBe(2);
    m.rollback();
    for (let i = 0; i < 40; i++) expect(m.u32(i * 8)).toBe(i === 1 ? 1 : 0);
    expect(m.u8(PAGE_SIZE)).toBe(0);
    expect(m.u32(2 * PAGE_SIZE + 8)).toBe(3);
    expect([m.pageState(0), m.pageState(1), m.pageState(2)]).toEqual(['clean', 'clean', 'clean']);
  });

  test('commit keeps logged writes; the next transaction starts a fresh log', () => {
    const m = fresh();
    m.begin();
    m.setU32(8, 77);
    m.commit();
    expect(m.u32(8)).toBe(77);
    expect(m.pageState(0)).toBe('dirty');
    m.begin();
    m.setU32(8, 78);
    m.rollback();
    expect(m.u32(8)).toBe(77);
    expect(m.pageState(0)).toBe('dirty');
  });

  test('a page written densely is saved at its first write in the next transactions', () => {
    const m = fresh();
    m.begin();
    for (let i = 0; i < 100; i++) m.setU32(i * 4, i);
    m.commit();
    m.begin();
    m.setU32(0, 5);
    expect(m.pagesSaved).toBe(1);
    m.setU32(PAGE_SIZE, 5); // another page: still logged
    expect(m.pagesSaved).toBe(1);
    m.rollback();
    expect(m.u32(0)).toBe(0);
    expect(m.u32(4)).toBe(1);
  });
});

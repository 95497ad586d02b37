import { describe, expect, test } from 'vitest';
import { MAX_ADDRESS_SPACE, PAGE_SIZE, PagedAddressSpace } from '../src/index.js';

describe('page states and accessors', () => {
  test('a new space is all zero pages that read as zeros without becoming resident', () => {
    const m = new PagedAddressSpace(3 * PAGE_SIZE + 10);
    expect(m.pageSize).toBe(4096);
    expect(m.pageCount).toBe(4);
    expect(m.u8(0)).toBe(0);
    expect(m.u32(PAGE_SIZE - 2)).toBe(0);
    expect(m.f64(3 * PAGE_SIZE)).toBe(0);
    expect([...m.bytes(100, 5000)]).toEqual(new Array(5000).fill(0));
    expect(m.residentPages()).toEqual([]);
    expect(m.stats()).toEqual({ pages: 4, zero: 4, clean: 0, dirty: 0, absent: 0 });
    expect(m.pageState(2)).toBe('zero');
  });

  test('a write makes a page resident and dirty; takeDirty makes it clean', () => {
    const m = new PagedAddressSpace(4 * PAGE_SIZE);
    m.setU8(PAGE_SIZE + 7, 0x1ff);
    expect(m.u8(PAGE_SIZE + 7)).toBe(0xff);
    expect(m.pageState(1)).toBe('dirty');
    expect(m.residentPages()).toEqual([1]);
    expect(m.dirtyPages()).toEqual([1]);
    expect(m.takeDirty()).toEqual([1]);
    expect(m.pageState(1)).toBe('clean');
    expect(m.dirtyPages()).toEqual([]);
    expect(m.takeDirty()).toEqual([]);
    // The write fast path must notice the page is clean again.
    m.setU8(PAGE_SIZE + 8, 1);
    expect(m.dirtyPages()).toEqual([1]);
  });

  test('filling a zero page with zeros leaves it a zero page', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    m.fill(0, 2 * PAGE_SIZE, 0);
    expect(m.residentPages()).toEqual([]);
    m.fill(10, PAGE_SIZE, 7);
    expect(m.residentPages()).toEqual([0, 1]);
    expect(m.u8(9)).toBe(0);
    expect(m.u8(10)).toBe(7);
    expect(m.u8(PAGE_SIZE + 9)).toBe(7);
    expect(m.u8(PAGE_SIZE + 10)).toBe(0);
  });

  test('typed accessors are little-endian and work across page boundaries', () => {
    const m = new PagedAddressSpace(2 * PAGE_SIZE);
    for (const a of [0, PAGE_SIZE - 1, PAGE_SIZE - 3, PAGE_SIZE - 7]) {
      m.setU32(a, 0xdeadbeef);
      expect(m.u32(a)).toBe(0xdeadbeef);
      expect(m.u8(a)).toBe(0xef);
      expect(m.u8(a + 3)).toBe(0xde);
      expect(m.i32(a)).toBe(0xdeadbeef | 0);
      m.setI32(a, -2);
      expect(m.u32(a)).toBe(0xfffffffe);
      m.setU16(a, 0x1234);
      expect(m.u16(a)).toBe(0x1234);
      expect(m.u8(a)).toBe(0x34);
      m.setF64(a, Math.PI);
      expect(m.f64(a)).toBe(Math.PI);
      const expected = new Uint8Array(8);
      new DataView(expected.buffer).setFloat64(0, Math.PI, true);
      expect(m.bytes(a, 8)).toEqual(expected);
    }
    m.setU32(8, -1);
    expect(m.u32(8)).toBe(0xffffffff);
    m.setU32(8, 2 ** 32 + 5);
    expect(m.u32(8)).toBe(5);
  });

  test('setBytes and bytes round-trip over several pages; read/write are the same', () => {
    const m = new PagedAddressSpace(5 * PAGE_SIZE);
    const data = Uint8Array.from({ length: 3 * PAGE_SIZE + 17 }, (_, i) => (i * 31) & 0xff);
    m.setBytes(PAGE_SIZE - 5, data);
    expect(m.bytes(PAGE_SIZE - 5, data.length)).toEqual(data);
    expect(m.read(PAGE_SIZE - 5, 10)).toEqual(data.subarray(0, 10));
    m.write(0, Uint8Array.of(1, 2, 3));
    expect([...m.bytes(0, 4)]).toEqual([1, 2, 3, 0]);
    expect(m.dirtyPages()).toEqual([0, 1, 2, 3, 4]);
    expect(m.bytes(7, 0)).toEqual(new Uint8Array(0));
  });

  test('grow extends with zero pages and returns the new size', () => {
    const m = new PagedAddressSpace(10);
    m.setU8(9, 5);
    expect(() => m.u8(10)).toThrow(RangeError);
    expect(m.grow(PAGE_SIZE)).toBe(PAGE_SIZE + 10);
    expect(m.size).toBe(PAGE_SIZE + 10);
    expect(m.pageCount).toBe(2);
    expect(m.u8(9)).toBe(5);
    expect(m.u8(10)).toBe(0);
    expect(m.pageState(1)).toBe('zero');
    expect(m.grow(0)).toBe(PAGE_SIZE + 10);
  });

  test('the size limit is a clear RangeError', () => {
    expect(MAX_ADDRESS_SPACE).toBe(2 ** 30);
    const m = new PagedAddressSpace(0);
    expect(m.grow(2 ** 30)).toBe(2 ** 30);
    expect(() => m.grow(1)).toThrow(/exceeds the address-space limit of 1073741824 bytes/);
    expect(m.size).toBe(2 ** 30);
    expect(() => new PagedAddressSpace(100, { maxSize: 64 })).toThrow(RangeError);
    expect(() => m.grow(-1)).toThrow(RangeError);
    expect(() => m.grow(1.5)).toThrow(RangeError);
    expect(() => new PagedAddressSpace(0, { pageSize: 1000 })).toThrow(/power of two/);
  });

  test('bad addresses are RangeErrors naming the address and size', () => {
    const m = new PagedAddressSpace(100);
    expect(() => m.u8(100)).toThrow(/address 100 \(1 byte\).*size 100/);
    expect(() => m.setU8(-1, 0)).toThrow(RangeError);
    expect(() => m.u8(1.5)).toThrow(RangeError);
    expect(() => m.u8(NaN)).toThrow(RangeError);
    expect(() => m.u32(97)).toThrow(/address 97 \(4 bytes\)/);
    expect(() => m.setF64(93, 1)).toThrow(RangeError);
    expect(() => m.f64(92)).not.toThrow();
    expect(() => m.bytes(50, 51)).toThrow(RangeError);
    expect(() => m.setBytes(99, new Uint8Array(2))).toThrow(RangeError);
    expect(() => m.fill(0, 101, 1)).toThrow(RangeError);
    expect(() => m.bytes(0, -1)).toThrow(RangeError);
    expect(() => m.pageState(1)).toThrow(RangeError);
    // Nothing was written by the refused calls.
    expect(m.residentPages()).toEqual([]);
  });

  test('other page sizes work', () => {
    const m = new PagedAddressSpace(64, { pageSize: 16 });
    m.setU32(14, 0x01020304);
    expect(m.u32(14)).toBe(0x01020304);
    expect(m.dirtyPages()).toEqual([0, 1]);
    expect(m.pageCount).toBe(4);
  });
});

import { describe, expect, test } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { PAGE_SIZE, PageFault, PagedAddressSpace, findPageFault } from '../src/index.js';

/** A space of `pages` pages whose odd pages are absent (flushed elsewhere), even ones zero. */
function withOddAbsent(pages: number, readAhead?: number): PagedAddressSpace {
  const m = new PagedAddressSpace(pages * PAGE_SIZE, readAhead === undefined ? {} : { readAhead });
  m.markAbsent(Array.from({ length: pages }, (_, i) => i).filter((p) => p % 2 === 1));
  return m;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('page faults', () => {
  test('touching an absent page throws a PageFault naming it and records it on the side', () => {
    const m = withOddAbsent(8, 0);
    expect(m.pageState(1)).toBe('absent');
    expect(m.takeFault()).toBeNull();
    const err = thrown(() => m.u8(PAGE_SIZE + 3));
    expect(err).toBeInstanceOf(PageFault);
    expect((err as PageFault).pages).toEqual([1]);
    expect((err as PageFault).addr).toBe(PAGE_SIZE + 3);
    const f = m.takeFault();
    expect(f?.pages).toEqual([1]);
    expect(m.takeFault()).toBeNull();
  });

  test('every absent page an access spans is listed, and nothing is written', () => {
    const m = withOddAbsent(8, 0);
    expect(() => m.setBytes(PAGE_SIZE - 1, new Uint8Array(4 * PAGE_SIZE).fill(9))).toThrow(PageFault);
    expect(m.takeFault()?.pages).toEqual([1, 3]);
    expect(m.u8(PAGE_SIZE - 1)).toBe(0);
    expect(m.residentPages()).toEqual([]);
    expect(() => m.u32(2 * PAGE_SIZE - 2)).toThrow(PageFault);
    expect(m.takeFault()?.pages).toEqual([1]);
    expect(() => m.setF64(4 * PAGE_SIZE - 4, 1)).toThrow(PageFault);
    expect(m.takeFault()?.pages).toEqual([3]);
    expect(() => m.fill(0, 8 * PAGE_SIZE, 0)).toThrow(PageFault);
    expect(m.takeFault()?.pages).toEqual([1, 3, 5, 7]);
    expect(() => m.setU8(5 * PAGE_SIZE, 1)).toThrow(PageFault);
    expect(() => m.bytes(6 * PAGE_SIZE, 10)).not.toThrow();
    expect(m.residentPages()).toEqual([]);
  });

  test('faults in one transition accumulate until taken', () => {
    const m = withOddAbsent(8, 0);
    for (const a of [5 * PAGE_SIZE, PAGE_SIZE, 5 * PAGE_SIZE + 1]) {
      try {
        m.u8(a);
      } catch {
        // A program that swallows the fault must not hide it from the kernel.
      }
    }
    expect(m.takeFault()?.pages).toEqual([1, 5]);
  });

  test('the hint suggests the next absent pages', () => {
    const m = withOddAbsent(12, 4);
    expect(() => m.u8(PAGE_SIZE)).toThrow(PageFault);
    const f = m.takeFault()!;
    expect(f.pages).toEqual([1]);
    expect(f.hint).toEqual([3, 5]);
  });

  test('install makes the page resident clean and the access then succeeds', () => {
    const m = withOddAbsent(4);
    expect(() => m.u8(PAGE_SIZE)).toThrow(PageFault);
    const page = new Uint8Array(PAGE_SIZE).fill(42);
    m.install(1, page);
    page.fill(0); // install copied it
    expect(m.u8(PAGE_SIZE)).toBe(42);
    expect(m.pageState(1)).toBe('clean');
    m.setU8(PAGE_SIZE, 1);
    expect(m.pageState(1)).toBe('dirty');
  });

  test('a fault thrown in an xstate guard is wrapped, but still recorded on the space', () => {
    const m = withOddAbsent(2);
    const machine = createMachine({
      initial: 'a',
      states: { a: { on: { go: { guard: () => m.u8(PAGE_SIZE) === 0, target: 'b' } } }, b: {} },
    });
    const snapshot = machine.resolveState({ value: 'a' });
    const err = thrown(() => machine.transition(snapshot, { type: 'go' }, createActor(machine) as never));
    // xstate keeps only the message: the side record is the only reliable signal.
    expect(err).not.toBeInstanceOf(PageFault);
    expect(findPageFault(err)).toBeUndefined();
    expect(m.takeFault()?.pages).toEqual([1]);
  });

  test('findPageFault finds a fault directly or in a cause chain', () => {
    const f = new PageFault([3]);
    expect(findPageFault(f)).toBe(f);
    expect(findPageFault(new Error('wrapped', { cause: f }))).toBe(f);
    expect(findPageFault(new Error('other'))).toBeUndefined();
    expect(findPageFault(undefined)).toBeUndefined();
  });
});

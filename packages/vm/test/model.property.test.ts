import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { PageFault, PagedAddressSpace } from '../src/index.js';

/** Small pages and a small limit so random accesses cross pages and hit every edge. */
const PAGE = 16;
const MAX = 512;

/** The reference: a plain growable byte array. */
class Model {
  constructor(public bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  clone(): Model {
    return new Model(this.bytes.slice());
  }
  inRange(addr: number, len: number): boolean {
    return addr + len <= this.size;
  }
  grow(n: number): boolean {
    if (this.size + n > MAX) return false;
    const b = new Uint8Array(this.size + n);
    b.set(this.bytes);
    this.bytes = b;
    return true;
  }
  view(): DataView {
    return new DataView(this.bytes.buffer);
  }
}

type Op =
  | { k: 'w8'; addr: number; v: number }
  | { k: 'w32'; addr: number; v: number }
  | { k: 'wf64'; addr: number; v: number }
  | { k: 'wbytes'; addr: number; data: Uint8Array }
  | { k: 'fill'; addr: number; len: number; v: number }
  | { k: 'r8'; addr: number }
  | { k: 'r32'; addr: number }
  | { k: 'rf64'; addr: number }
  | { k: 'rbytes'; addr: number; len: number }
  | { k: 'grow'; n: number };

type Cmd =
  | { k: 'op'; op: Op }
  | { k: 'tx'; ops: Op[]; commit: boolean }
  | { k: 'flush' }
  | { k: 'migrate'; how: 'lazy' | 'copy' };

const addr = fc.integer({ min: 0, max: MAX + 8 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('w8' as const), addr, v: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ k: fc.constant('w32' as const), addr, v: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }) }),
  fc.record({ k: fc.constant('wf64' as const), addr, v: fc.double({ noNaN: true }) }),
  fc.record({ k: fc.constant('wbytes' as const), addr, data: fc.uint8Array({ maxLength: 3 * PAGE }) }),
  fc.record({ k: fc.constant('fill' as const), addr, len: fc.integer({ min: 0, max: 3 * PAGE }), v: fc.constantFrom(0, 1, 255) }),
  fc.record({ k: fc.constant('r8' as const), addr }),
  fc.record({ k: fc.constant('r32' as const), addr }),
  fc.record({ k: fc.constant('rf64' as const), addr }),
  fc.record({ k: fc.constant('rbytes' as const), addr, len: fc.integer({ min: 0, max: 3 * PAGE }) }),
  fc.record({ k: fc.constant('grow' as const), n: fc.integer({ min: 0, max: 3 * PAGE }) }),
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: op.map((o) => ({ k: 'op' as const, op: o })) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('tx' as const), ops: fc.array(op, { maxLength: 8 }), commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ k: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('migrate' as const), how: fc.constantFrom('lazy' as const, 'copy' as const) }) },
);

/** Length an op touches, for the model's range check. */
function span(o: Op): number {
  switch (o.k) {
    case 'w8':
    case 'r8':
      return 1;
    case 'w32':
    case 'r32':
      return 4;
    case 'wf64':
    case 'rf64':
      return 8;
    case 'wbytes':
      return o.data.length;
    case 'fill':
    case 'rbytes':
      return o.len;
    case 'grow':
      return 0;
  }
}

/** Applies `o` to the space and the model alike; a PageFault escapes with neither changed. */
function apply(m: PagedAddressSpace, model: Model, o: Op): void {
  if (o.k === 'grow') {
    if (model.grow(o.n)) expect(m.grow(o.n)).toBe(model.size);
    else expect(() => m.grow(o.n)).toThrow(RangeError);
    return;
  }
  if (!model.inRange(o.addr, span(o))) {
    const sizeBefore = m.size;
    try {
      apply1(m, o);
    } catch (err) {
      expect(err).toBeInstanceOf(RangeError);
      expect(m.size).toBe(sizeBefore);
      return;
    }
    throw new Error(`out-of-range ${o.k} at ${o.addr} did not throw`);
  }
  const result = apply1(m, o);
  const v = model.view();
  switch (o.k) {
    case 'w8':
      model.bytes[o.addr] = o.v;
      break;
    case 'w32':
      v.setUint32(o.addr, o.v, true);
      break;
    case 'wf64':
      v.setFloat64(o.addr, o.v, true);
      break;
    case 'wbytes':
      model.bytes.set(o.data, o.addr);
      break;
    case 'fill':
      model.bytes.fill(o.v, o.addr, o.addr + o.len);
      break;
    case 'r8':
      expect(result).toBe(model.bytes[o.addr]);
      break;
    case 'r32':
      expect(result).toBe(v.getUint32(o.addr, true));
      break;
    case 'rf64':
      expect(result).toBe(v.getFloat64(o.addr, true));
      break;
    case 'rbytes':
      expect(result).toEqual(model.bytes.slice(o.addr, o.addr + o.len));
      break;
  }
}

function apply1(m: PagedAddressSpace, o: Op): unknown {
  switch (o.k) {
    case 'w8':
      return m.setU8(o.addr, o.v);
    case 'w32':
      return m.setU32(o.addr, o.v);
    case 'wf64':
      return m.setF64(o.addr, o.v);
    case 'wbytes':
      return m.setBytes(o.addr, o.data);
    case 'fill':
      return m.fill(o.addr, o.len, o.v);
    case 'r8':
      return m.u8(o.addr);
    case 'r32':
      return m.u32(o.addr);
    case 'rf64':
      return m.f64(o.addr);
    case 'rbytes':
      return m.bytes(o.addr, o.len);
    case 'grow':
      return m.grow(o.n);
  }
}

/**
 * Plays the kernel: runs `body` as one transition inside a transaction; on a fault, rolls
 * back, installs the pages from `elsewhere` and runs it again from the start.
 */
function transition(m: PagedAddressSpace, elsewhere: Map<number, Uint8Array>, body: () => void, commit: boolean): void {
  for (let attempt = 0; attempt < 100; attempt++) {
    m.begin();
    try {
      body();
    } catch (err) {
      m.rollback();
      const f = m.takeFault();
      expect(f !== null).toBe(err instanceof PageFault);
      if (!f) throw err;
      for (const p of f.pages) {
        expect(m.pageState(p)).toBe('absent');
        m.install(p, elsewhere.get(p)!);
      }
      continue;
    }
    if (commit) m.commit();
    else m.rollback();
    expect(m.takeFault()).toBeNull();
    return;
  }
  throw new Error('transition kept faulting');
}

/** The counters (stats, dirtyCount, owedCount, isOwed) say what a scan of every page says. */
function expectCountsAgree(m: PagedAddressSpace): void {
  const states = Array.from({ length: m.pageCount }, (_, p) => m.pageState(p));
  const n = (s: string) => states.filter((x) => x === s).length;
  expect(m.stats()).toEqual({ pages: m.pageCount, zero: n('zero'), clean: n('clean'), dirty: n('dirty'), absent: n('absent') });
  expect(m.dirtyCount).toBe(m.dirtyPages().length);
  const owed = m.owedPages();
  expect(m.owedCount).toBe(owed.length);
  for (let p = 0; p < m.pageCount; p++) expect(m.isOwed(p)).toBe(owed.includes(p));
}

describe('paged address space against a plain byte array', () => {
  test('random writes, reads, transactions, flushes and migrations agree with the model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(cmd, { maxLength: 40 }), (size0, cmds) => {
        let m = new PagedAddressSpace(size0, { pageSize: PAGE, maxSize: MAX, readAhead: 2 });
        let model = new Model(new Uint8Array(size0));
        // Bytes of pages that are absent from `m`: the backing file, or the source host.
        let elsewhere = new Map<number, Uint8Array>();
        for (const c of cmds) {
          switch (c.k) {
            case 'op':
              transition(m, elsewhere, () => apply(m, model.clone(), c.op), false); // warm faults in
              transition(m, elsewhere, () => apply(m, model, c.op), true);
              break;
            case 'tx': {
              let work = model.clone();
              transition(
                m,
                elsewhere,
                () => {
                  work = model.clone();
                  for (const o of c.ops) apply(m, work, o);
                },
                c.commit,
              );
              if (c.commit) model = work;
              break;
            }
            case 'flush':
              for (const p of m.takeDirty()) elsewhere.set(p, m.pageBytes(p));
              for (const p of m.evictClean()) expect(elsewhere.has(p)).toBe(true);
              expect(m.dirtyPages()).toEqual([]);
              break;
            case 'migrate': {
              const d = JSON.parse(JSON.stringify(m.describe()));
              if (c.how === 'copy') {
                for (const p of m.owedPages()) m.install(p, elsewhere.get(p)!);
                m = PagedAddressSpace.fromImage(m.image(), { readAhead: 2 });
              } else {
                const source = m;
                const next = new Map(elsewhere);
                for (const p of source.residentPages()) next.set(p, source.pageBytes(p));
                elsewhere = next;
                m = PagedAddressSpace.fromDescription(d, { readAhead: 2 });
              }
              expect(m.size).toBe(model.size);
              break;
            }
          }
          expect(m.size).toBe(model.size);
          expect(m.inTransaction).toBe(false);
          expectCountsAgree(m);
        }
        // Every byte, wherever its page is.
        transition(m, elsewhere, () => expect(m.bytes(0, m.size)).toEqual(model.bytes), true);
      }),
      { numRuns: 500 },
    );
  });
});

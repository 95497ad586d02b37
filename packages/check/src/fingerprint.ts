/**
 * A 64-bit fingerprint of an object graph (two 32-bit lanes, murmur-style mixing), canonical
 * for the structure that matters to behaviour: values, `Map`/`Set` contents in insertion order
 * (iteration order is behaviour), bytes of typed arrays, and aliasing (an object met again is a
 * back-reference to its first visit, so two graphs hash alike only if they share alike).
 * Functions hash as one constant; objects for which `opaque(o)` holds hash by identity (a
 * stable number per object); objects for which `ignored(o)` holds hash as one constant; fields
 * holding a value `nonState(o)` lists are left out (scratch buffers, allocators).
 *
 * As in TLC and SPIN's hash compaction, states are identified by fingerprint alone: with 64
 * bits a collision among a million states has a probability of about 3 × 10⁻⁸.
 */
export class Fingerprinter {
  private h1 = 0x9747b28c;
  private h2 = 0x85ebca6b;
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(
    private readonly opaque: (o: object) => boolean,
    private readonly hints: FingerprintHints = {},
  ) {}

  /** The fingerprint of `root`, as 16 hex digits. */
  of(root: unknown): string {
    this.h1 = 0x9747b28c;
    this.h2 = 0x85ebca6b;
    this.walk(root, new Map());
    return hex(this.h1) + hex(this.h2);
  }

  private mix(x: number): void {
    let k = Math.imul(x | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    this.h1 ^= k;
    this.h1 = Math.imul((this.h1 << 13) | (this.h1 >>> 19), 5) + 0xe6546b64;
    this.h2 = Math.imul(this.h2 ^ (x | 0), 0x2f2a8bd7) + 0x7fb5d329;
    this.h2 ^= this.h2 >>> 15;
  }

  private str(s: string): void {
    this.mix(s.length);
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }

  private walk(v: unknown, seen: Map<object, number>): void {
    switch (typeof v) {
      case 'undefined':
        return this.mix(1);
      case 'boolean':
        return this.mix(v ? 2 : 3);
      case 'number':
        this.mix(4);
        if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return this.mix(v);
        return this.str(String(v));
      case 'string':
        this.mix(5);
        return this.str(v);
      case 'bigint':
        this.mix(6);
        return this.str(v.toString());
      case 'symbol':
        this.mix(7);
        return this.str(String(v.description));
      case 'function':
        return this.mix(8);
    }
    if (v === null) return this.mix(9);
    const o = v as object;
    if (this.hints.ignored?.(o)) return this.mix(18);
    const back = seen.get(o);
    if (back !== undefined) {
      this.mix(10);
      return this.mix(back);
    }
    if (this.opaque(o)) {
      let id = this.ids.get(o);
      if (id === undefined) this.ids.set(o, (id = this.nextId++));
      this.mix(11);
      return this.mix(id);
    }
    seen.set(o, seen.size);
    const alt = this.hints.special?.(o);
    if (alt !== undefined) {
      this.mix(12);
      this.mix(alt.length);
      for (const x of alt) this.walk(x, seen);
      return;
    }
    if (Array.isArray(o)) {
      this.mix(13);
      this.mix(o.length);
      for (let i = 0; i < o.length; i++) this.walk(o[i], seen);
      return;
    }
    if (o instanceof Map) {
      this.mix(14);
      this.mix(o.size);
      for (const [k, x] of o) {
        this.walk(k, seen);
        this.walk(x, seen);
      }
      return;
    }
    if (o instanceof Set) {
      this.mix(15);
      this.mix(o.size);
      for (const x of o) this.walk(x, seen);
      return;
    }
    if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer) {
      const bytes = o instanceof ArrayBuffer ? new Uint8Array(o) : new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      this.mix(16);
      this.mix(bytes.length);
      const words = bytes.length >>> 2;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < words; i++) this.mix(view.getInt32(i * 4, true));
      for (let i = words * 4; i < bytes.length; i++) this.mix(bytes[i]!);
      return;
    }
    this.mix(17);
    const proto = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
    this.str(proto?.constructor?.name ?? '');
    const left = this.hints.nonState?.(o);
    for (const key of Object.keys(o)) {
      const x = (o as Record<string, unknown>)[key];
      if (left !== undefined && left.includes(x as object)) continue;
      this.str(key);
      this.walk(x, seen);
    }
  }
}

/** What a {@link Fingerprinter} needs to know of objects beyond their layout. */
export interface FingerprintHints {
  /** Objects that hash as one constant (closures' holders rebound on every copy). */
  ignored?: (o: object) => boolean;
  /** Values held in `o`'s fields that are not state: those fields are left out. */
  nonState?: (o: object) => readonly object[] | undefined;
  /** Objects hashed by a canonical list of their contents instead of their layout. */
  special?: (o: object) => unknown[] | undefined;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

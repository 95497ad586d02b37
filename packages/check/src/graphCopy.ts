/**
 * A structural copy of an object graph: every object reachable from `root` is copied with its
 * prototype (class instances stay instances), `Map`s, `Set`s, arrays, typed arrays and
 * `ArrayBuffer`s included; sharing and cycles are preserved (one copy per original). Objects for
 * which `shared(o)` holds, and every function, are not copied: the copy points at the original;
 * an object for which `fresh(o)` gives a replacement (a fresh allocator) is replaced by it.
 *
 * This is how the checker forks a kernel or a file server: cheap (no serialization) and exact
 * for the plain-data state those classes keep (closures are rebound by their owners afterwards).
 */
export function graphCopy<T>(root: T, shared: (o: object) => boolean, fresh?: (o: object) => object | undefined): T {
  const memo = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const o = v as object;
    const seen = memo.get(o);
    if (seen !== undefined) return seen;
    if (shared(o)) return o;
    const replacement = fresh?.(o);
    if (replacement !== undefined) {
      memo.set(o, replacement);
      return replacement;
    }
    if (Array.isArray(o)) {
      const out: unknown[] = new Array(o.length);
      memo.set(o, out);
      for (let i = 0; i < o.length; i++) out[i] = copy(o[i]);
      return out;
    }
    if (o instanceof Map) {
      const out = new Map();
      memo.set(o, out);
      for (const [k, x] of o) out.set(copy(k), copy(x));
      return out;
    }
    if (o instanceof Set) {
      const out = new Set();
      memo.set(o, out);
      for (const x of o) out.add(copy(x));
      return out;
    }
    if (o instanceof ArrayBuffer) {
      const out = o.slice(0);
      memo.set(o, out);
      return out;
    }
    if (ArrayBuffer.isView(o) && o.byteLength < o.buffer.byteLength && !(o instanceof DataView)) {
      // A view into part of a bigger buffer (a page frame carved from a slab): only its bytes
      // matter, so it gets a buffer of its own rather than a copy of the whole slab.
      const out = (o as unknown as Uint8Array).slice();
      memo.set(o, out);
      return out;
    }
    if (ArrayBuffer.isView(o)) {
      const buffer = copy(o.buffer) as ArrayBuffer;
      const Ctor = o.constructor as new (b: ArrayBuffer, off: number, len: number) => ArrayBufferView;
      const len = o instanceof DataView ? o.byteLength : (o as unknown as { length: number }).length;
      const out = new Ctor(buffer, o.byteOffset, len);
      memo.set(o, out);
      return out;
    }
    const out = Object.create(Object.getPrototypeOf(o)) as Record<string, unknown>;
    memo.set(o, out);
    for (const key of Object.keys(o)) out[key] = copy((o as Record<string, unknown>)[key]);
    return out;
  };
  return copy(root) as T;
}

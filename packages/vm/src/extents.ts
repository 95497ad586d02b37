/** Runs of consecutive page numbers, `[first, count]`, ascending: compact on the wire. */
export type Extents = Array<[first: number, count: number]>;

/** Compresses ascending page numbers into {@link Extents}. */
export function toExtents(pages: Iterable<number>): Extents {
  const out: Extents = [];
  let last: [number, number] | undefined;
  for (const p of pages) {
    if (last && p === last[0] + last[1]) last[1]++;
    else out.push((last = [p, 1]));
  }
  return out;
}

/** Expands {@link Extents} into page numbers. */
export function* pagesOf(extents: Extents): Generator<number> {
  for (const [first, count] of extents) for (let i = 0; i < count; i++) yield first + i;
}

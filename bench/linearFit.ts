/** A least-squares fit of Sprite's migration cost model, time = c0 + a·dirtyPages + b·openFiles. */
export interface LinearFit {
  /** Fixed cost, ms. */
  c0: number;
  /** Per dirty page, ms. */
  a: number;
  /** Per open file, ms. */
  b: number;
  /** Coefficient of determination over the points fitted. */
  r2: number;
  points: number;
}

/** One measured migration: its dirty pages, open files and time (ms). */
export interface FitPoint {
  dirtyPages: number;
  openFiles: number;
  ms: number;
}

/**
 * Ordinary least squares for y = c0 + a·x1 + b·x2, by the normal equations (3 × 3, solved by
 * Gaussian elimination with partial pivoting). Throws if the points do not determine the
 * three coefficients (e.g. fewer than 3, or no variation in a variable).
 */
export function fitLinearModel(points: readonly FitPoint[]): LinearFit {
  const rows = points.map((p) => [1, p.dirtyPages, p.openFiles]);
  const m = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)));
  const v = [0, 1, 2].map((i) => rows.reduce((s, r, k) => s + r[i]! * points[k]!.ms, 0));
  const [c0, a, b] = solve3(m, v);
  const mean = points.reduce((s, p) => s + p.ms, 0) / points.length;
  let ssRes = 0;
  let ssTot = 0;
  for (const p of points) {
    ssRes += (p.ms - (c0 + a * p.dirtyPages + b * p.openFiles)) ** 2;
    ssTot += (p.ms - mean) ** 2;
  }
  return { c0, a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, points: points.length };
}

function solve3(m: number[][], v: number[]): [number, number, number] {
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    const scale = Math.max(...a.map((r) => Math.abs(r[col]!)));
    if (Math.abs(p) <= 1e-12 * (scale || 1)) throw new Error('linear fit: the points do not determine the model');
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / p;
      for (let c = col; c < 4; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return [a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!];
}

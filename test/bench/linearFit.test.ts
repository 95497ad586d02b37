import { describe, expect, test } from 'vitest';
import { fitLinearModel } from '../../bench/linearFit.js';

describe("the migrate bench's fit of Sprite's model", () => {
  test('recovers exact coefficients, R² 1', () => {
    const pts = [];
    for (const d of [0, 100, 1000, 5000]) for (const f of [0, 1, 4, 16]) pts.push({ dirtyPages: d, openFiles: f, ms: 2 + 0.01 * d + 0.5 * f });
    const fit = fitLinearModel(pts);
    expect(fit.c0).toBeCloseTo(2, 9);
    expect(fit.a).toBeCloseTo(0.01, 12);
    expect(fit.b).toBeCloseTo(0.5, 9);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.points).toBe(16);
  });

  test('noise lowers R² below 1; too few or degenerate points are refused', () => {
    const pts = [
      { dirtyPages: 0, openFiles: 0, ms: 3 },
      { dirtyPages: 0, openFiles: 4, ms: 4 },
      { dirtyPages: 100, openFiles: 0, ms: 5 },
      { dirtyPages: 100, openFiles: 4, ms: 9 },
    ];
    const fit = fitLinearModel(pts);
    expect(fit.r2).toBeGreaterThan(0);
    expect(fit.r2).toBeLessThan(1);
    expect(() => fitLinearModel(pts.slice(0, 2))).toThrow(/determine/);
    expect(() => fitLinearModel(pts.map((p) => ({ ...p, openFiles: 0 })))).toThrow(/determine/);
  });
});

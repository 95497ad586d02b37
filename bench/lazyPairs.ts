import type { MigrateRunner } from './migrateRuns.js';
import { median } from './stats.js';

/** Lazy freezes of a small and a big process measured in alternation, under the same conditions. */
export interface LazyPair {
  dirty: number;
  smallMiB: number;
  bigMiB: number;
  /** Freeze ms of each move, in order. */
  small: number[];
  big: number[];
  smallMedianMs: number;
  bigMedianMs: number;
}


/**
 * The lazy freeze's growth with size, measured in pairs: a `smallMiB` and a `bigMiB` dirtier run
 * side by side and are moved lazily in turn, h1 ↔ h2, each move once the previous one's pull has
 * ended. A freeze is a few ms and this VM's load drifts from minute to minute: alternating puts
 * both sizes under the same drift (as the forward bench alternates with raw NATS), and the
 * medians of `moves` each are compared.
 */
export async function lazyPairs(r: MigrateRunner, o: { dirty: number; smallMiB: number; bigMiB: number; moves: number }): Promise<LazyPair> {
  const procs = [await r.start('dirtier', [String(o.smallMiB), String(o.dirty)]), await r.start('dirtier', [String(o.bigMiB), String(o.dirty)])];
  const at = ['h1', 'h1'];
  const freezes: number[][] = [[], []];
  try {
    // One unmeasured move each first: every process's first lazy move comes before any pull.
    for (let i = -1; i < o.moves; i++) {
      for (const k of [0, 1]) {
        const pid = procs[k]!.pid;
        const to = at[k] === 'h1' ? 'h2' : 'h1';
        const released = r.whenReleased(pid, 120_000);
        const m = await r.migrate(pid, at[k]!, to, 'lazy');
        if (!(await released)) throw new Error(`lazy pull of ${pid} did not end`);
        at[k] = to;
        if (i >= 0) freezes[k]!.push(m.rec.freezeMs);
      }
    }
  } finally {
    for (const p of procs) await r.kill(p);
  }
  const [small, big] = freezes as [number[], number[]];
  return { dirty: o.dirty, smallMiB: o.smallMiB, bigMiB: o.bigMiB, small, big, smallMedianMs: median(small), bigMedianMs: median(big) };
}

import type { Strategy } from '@wisp/protocol';
import type { LazyPair } from './lazyPairs.js';
import type { NatsBaseline } from './natsBaseline.js';
import { round } from './stats.js';

/** One row of the migrate bench's table. */
export interface Row {
  strategy: Strategy;
  sizeMiB: number;
  dirty: number;
  freezeMs: number;
  totalMs: number;
  /** Everything that moved: pages during the migration, plus (lazy) those pulled after commit. */
  mbMoved: number;
  /** What the migration record counts: pages moved before commit. */
  mbAtFreeze: number;
  /** Lazy: pages that came from the source after commit (faults and background pull). */
  mbPulled: number;
  /** Lazy: from arrival until the last owed page came, ms. */
  pullMs: number | null;
  pages: number;
  precopyRounds: number;
  /** Page faults on the target in the first second after commit (`wisp ps`). */
  faults1s: number | null;
  /** The migrate request's round trip at the client. */
  clientMs: number;
  /** Migrations averaged into freezeMs and totalMs. */
  samples: number;
}

/** One of the targets, measured. */
export interface Target {
  name: string;
  value: string;
  ratio: number;
  cmp: '≤' | '≥';
  limit: number;
  /** null when the run lacks the rows it needs (fewer sizes). */
  ok: boolean | null;
}

/** The targets for this machine, from one run's figures. */
export function evaluateTargets(m: { rows: Row[]; nats: NatsBaseline; nullMigrationMs: number; rttBesideNullUs: number; pairs: LazyPair[] }): Target[] {
  const { rows, nats } = m;
  const row = (strategy: Strategy, sizeMiB: number, dirty: number) => rows.find((x) => x.strategy === strategy && x.sizeMiB === sizeMiB && x.dirty === dirty);
  const sizes = [...new Set(rows.map((x) => x.sizeMiB))].sort((a, b) => a - b);
  const big = sizes[sizes.length - 1] ?? 0;
  const small = sizes[0] ?? 0;
  const check = (name: string, value: string, ratio: number, cmp: '≤' | '≥', limit: number): Target => ({
    name,
    value,
    ratio: round(ratio, 3),
    cmp,
    limit,
    ok: Number.isFinite(ratio) ? (cmp === '≤' ? ratio <= limit : ratio >= limit) : null,
  });
  const out: Target[] = [];
  // Against the round trips taken between the null-process moves: the same load, minute by minute.
  out.push(check('null-process migration vs raw NATS RTT', `${m.nullMigrationMs} ms / ${m.rttBesideNullUs} µs`, m.nullMigrationMs / (m.rttBesideNullUs / 1000), '≤', 10));

  // From the paired measurement (sizes moved in turn), worst of the dirty fractions.
  const worst = m.pairs.map((p) => ({ p, r: p.bigMedianMs / p.smallMedianMs })).sort((a, b) => b.r - a.r)[0];
  out.push(
    check(
      `lazy freeze at ${big} MiB vs at ${small} MiB (worst dirty)`,
      worst ? `${worst.p.bigMedianMs} / ${worst.p.smallMedianMs} ms (dirty ${worst.p.dirty})` : '—',
      worst ? worst.r : NaN,
      '≤',
      1.5,
    ),
  );

  const flush = row('flush', big, 1.0);
  const flushMBps = flush ? flush.mbAtFreeze / (flush.freezeMs / 1000) : NaN;
  out.push(check(`flush MB/s during the freeze at ${big} MiB vs raw NATS`, `${round(flushMBps)} / ${round(nats.mbps)} MB/s`, flushMBps / nats.mbps, '≥', 0.6));

  const pre = row('precopy', big, 0.1);
  const copy = row('copy', big, 0.1);
  out.push(check(`precopy freeze vs copy freeze at ${big} MiB, dirty 0.1`, pre && copy ? `${pre.freezeMs} / ${copy.freezeMs} ms` : '—', pre && copy ? pre.freezeMs / copy.freezeMs : NaN, '≤', 0.2));
  return out;
}

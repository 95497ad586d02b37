/** Where a host reads time; swap it in tests for a deterministic one. */
export interface Clock {
  /** Milliseconds since the epoch on this host's (possibly skewed) clock. */
  now(): number;
}

/** Where a host arms timers; swap it in tests for a virtual one. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/**
 * The system clock shifted by `skewMs` (hosts may be configured with skewed clocks), read to a
 * fraction of a ms: a lazy move freezes a process for 2–3 ms, which `Date.now()` would round
 * to whole ms. (Programs still read whole ms: see the kernel's `time`.)
 */
export function systemClock(skewMs = 0): Clock {
  const origin = performance.timeOrigin + skewMs;
  return { now: () => origin + performance.now() };
}

/** Node fires a timer longer than this after 1 ms, so longer ones are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/** Node's timers, chained past Node's 24.8-day limit. */
export const systemTimers: Timers = {
  set: (fn, ms) => {
    const handle: { t: NodeJS.Timeout | null } = { t: null };
    const arm = (left: number) => {
      handle.t = left > MAX_TIMER_MS ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, left);
    };
    arm(Number.isFinite(ms) ? Math.max(0, ms) : MAX_TIMER_MS * 2 ** 20);
    return handle;
  },
  clear: (h) => {
    const t = (h as { t: NodeJS.Timeout | null } | undefined)?.t;
    if (t) clearTimeout(t);
  },
};

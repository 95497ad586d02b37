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

/** The system clock shifted by `skewMs` (hosts may be configured with skewed clocks). */
export function systemClock(skewMs = 0): Clock {
  return { now: () => Date.now() + skewMs };
}

/** Node's timers. */
export const systemTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

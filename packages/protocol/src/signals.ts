/** Signal names Wisp understands, with their Unix numbers (exit code on death is 128 + n). */
export const signalNumbers = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  USR1: 10,
  USR2: 12,
  TERM: 15,
} as const;

/** A signal name. */
export type Signal = keyof typeof signalNumbers;

/** All signal names, for schemas and help text. */
export const signalNames = Object.keys(signalNumbers) as [Signal, ...Signal[]];

/** Parses `TERM`, `SIGTERM`, `term` or `15`; returns null when it is none of them. */
export function parseSignal(s: string): Signal | null {
  const up = s.toUpperCase().replace(/^SIG/, '');
  if (up in signalNumbers) return up as Signal;
  const n = Number(s);
  const hit = Object.entries(signalNumbers).find(([, v]) => v === n);
  return hit ? (hit[0] as Signal) : null;
}

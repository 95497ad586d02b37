import type { Answer } from './caller.js';

/**
 * Exec-time placement for `sys.spawn(…, { anywhere: true })` (DESIGN §7): the parent's kernel
 * asks migd for one idle host, the home creates the child there and holds the grant as a lease
 * for as long as the child runs on it. Plain data in, plain data out; the kernel does the I/O.
 */

/** How long a spawn waits for migd before it runs the child at home instead, ms. */
export const MIGD_WAIT_MS = 1000;

/** migd ends a lease not renewed for 30 s; the home renews well inside that. */
export const LEASE_RENEW_MS = 10_000;

/** A host migd granted for a child: `requester` is the parent's pid, which asked. */
export interface Grant {
  requester: string;
  host: string;
}

/** The body of `migd.request` for one host other than the parent's home. */
export function grantRequest(requester: string, home: string): { requester: string; n: 1; exclude: string[] } {
  return { requester, n: 1, exclude: [home] };
}

/**
 * The host migd granted, or null with the reason the child runs at home instead: migd is not
 * running or did not answer, or no host is idle.
 */
export function grantedHost(answer: Answer): { host: string } | { host: null; why: string } {
  if (!answer.ok) return { host: null, why: answer.error.message };
  const granted = (answer.value as { granted?: unknown }).granted;
  const host = Array.isArray(granted) && typeof granted[0] === 'string' ? granted[0] : null;
  return host ? { host } : { host: null, why: 'migd has no idle host' };
}

/** True when a `renew` reply says the grant is gone (reclaimed for its owner, or for fairness). */
export function grantLost(answer: Answer, host: string): boolean {
  if (!answer.ok) return false;
  const lost = (answer.value as { lost?: unknown }).lost;
  return Array.isArray(lost) && lost.includes(host);
}

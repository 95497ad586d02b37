import type { Answer, Caller, Continuation } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import type { HomeRecord } from './homeTable.js';
import type { Pcb } from './pcb.js';

/**
 * Exec-time placement for `sys.spawn(…, { anywhere: true })` (DESIGN §7): the parent's kernel
 * asks migd for one idle host, the home creates the child there and holds the grant as a lease
 * for as long as the child runs on it. The grant rules are plain functions; {@link Placement}
 * is the kernel's room that asks migd and holds the leases.
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

/** The kernel's side of placement: asks migd for a host, holds the grant while the child runs there. */
export class Placement {
  constructor(private readonly ctx: KernelContext) {}

  /** Asks migd for an idle host for the child; the spawn goes on when it answers. */
  placeAnywhere(pcb: Pcb, program: string, args: string[], caller: Caller & { kind: 'proc' }): void {
    this.ctx.request(this.ctx.subjects.migd('request'), grantRequest(pcb.pid, pcb.home), { kind: 'place', caller, program, args }, { timeoutMs: MIGD_WAIT_MS });
  }

  /** migd answered (or not): spawn on the granted host, else at home as a plain spawn would. */
  placed(k: Extract<Continuation, { kind: 'place' }>, answer: Answer): void {
    const g = grantedHost(answer);
    const pcb = this.ctx.procs.get(k.caller.pid);
    if (!pcb) {
      if (g.host) this.releaseGrant({ requester: k.caller.pid, host: g.host });
      return;
    }
    if (g.host === null) this.ctx.log('info', `spawn of ${k.program} by ${pcb.pid} runs at home: ${g.why}`);
    const args = [k.program, k.args, g.host ? { on: g.host, grant: pcb.pid } : {}];
    if (pcb.fds.size > 0) return this.ctx.files.spawnInheriting(pcb, args, k.caller);
    this.ctx.duties.homeCallFrom(pcb, 'spawn', args, k.caller);
  }

  /** The child runs on its granted host: renew the lease while it does. */
  holdGrant(rec: HomeRecord, grant: Grant): void {
    rec.grant = grant;
    this.ctx.setTimer('l', { kind: 'lease', pid: rec.pid, due: this.ctx.now + LEASE_RENEW_MS }, LEASE_RENEW_MS);
  }

  /** Renews a child's grant, or gives it back once the child has left that host (evicted, migrated). */
  renewGrant(pid: string): void {
    const rec = this.ctx.home.records.get(pid);
    const grant = rec?.grant;
    if (!rec || !grant) return;
    delete rec.grant;
    if (rec.host !== grant.host) return this.releaseGrant(grant);
    this.ctx.request(this.ctx.subjects.migd('renew'), { requester: grant.requester, held: [grant.host] }, { kind: 'lease', pid });
    this.holdGrant(rec, grant);
  }

  /** A renewal answered: a grant migd took back (owner input, fairness) is no longer held. */
  leaseAnswered(pid: string, answer: Answer): void {
    const rec = this.ctx.home.records.get(pid);
    if (rec?.grant && grantLost(answer, rec.grant.host)) delete rec.grant;
  }

  /** Gives a grant back to migd (fire and forget). */
  releaseGrant(grant: Grant): void {
    this.ctx.request(this.ctx.subjects.migd('release'), { requester: grant.requester, hosts: [grant.host] }, { kind: 'ignore', what: `release of ${grant.host} (held by ${grant.requester})` }, { timeoutMs: MIGD_WAIT_MS });
  }
}

/** The answers placement owns: migd's grant for a spawn, and its answer to a renewal. */
export const placementAnswers: AnswerHandlers<'place' | 'lease'> = {
  place: (ctx, k, answer) => ctx.placement.placed(k, answer),
  lease: (ctx, k, answer) => ctx.placement.leaseAnswered(k.pid, answer),
};

/** The timers placement owns: the next renewal of a child's lease. */
export const placementTimers: TimerHandlers<'lease'> = {
  lease: (ctx, t) => ctx.placement.renewGrant(t.pid),
};

import { LeaseRule } from '@wisp/kernel/sim';

/**
 * Bug: a host that holds its lease again after a partition or a pause thaws every process it
 * stopped — those suspended by the lapse and those frozen by a migration still settling —
 * without reading the directory, as a lease rule built on freeze and thaw would. A migration
 * that committed while it was cut off then leaves the process running on both hosts.
 * (Lifting only the suspension is no bug the checker can see: in the model nothing moves a
 * process off a host that did not freeze it first.) Planted through `KernelConfig.leaseRule`,
 * an internal hook for the checker's tests.
 */
export class ThawsWithoutReading extends LeaseRule {
  override renewed(): void {
    if (this.held) return;
    this.held = true;
    for (const p of this.ctx.procs.values()) {
      if (!p.alive || !(p.suspended || p.frozen)) continue;
      p.suspended = false;
      p.frozen = false;
      this.ctx.scheduler.schedule(p);
      this.ctx.delivery.moveEnded(p.pid);
    }
  }
}

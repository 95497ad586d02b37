import { LeaseRule } from '@wisp/kernel/sim';

/**
 * Bug: a host that holds its lease again thaws every process it suspended at once, without
 * reading the directory — as if nothing could have moved while it was cut off or paused.
 * Planted through `KernelConfig.leaseRule` (an internal hook for the checker's tests).
 */
export class ThawsWithoutReading extends LeaseRule {
  override renewed(): void {
    if (this.held) return;
    this.held = true;
    for (const p of this.ctx.procs.values()) {
      if (!p.suspended) continue;
      p.suspended = false;
      this.ctx.scheduler.schedule(p);
      this.ctx.delivery.moveEnded(p.pid);
    }
  }
}

import { names, type DirectoryAnswer } from '@wisp/protocol';
import type { KernelContext } from './context.js';
import { DIRECTORY_RETRY_MS } from './directoryRecords.js';
import type { Pcb } from './pcb.js';

/**
 * The lease rule (DESIGN §5): a host whose lease on its id lapses — cut off from NATS, or paused
 * past it — suspends every process it runs, since the cluster may by then have given them to
 * another host. When it holds the lease again it reads each one's directory record and runs
 * only those still its own at the same epoch; one that is not is let go (it runs elsewhere).
 * Messages and signals for a suspended process are held and taken up again when that is known.
 */
export class LeaseRule {
  /** Whether the lease is held (the runtime says so; a kernel without a lease always holds it). */
  held = true;

  constructor(protected readonly ctx: KernelContext) {}

  /** The lease lapsed: nothing here runs until the directory says it may. */
  lapsed(): void {
    if (!this.held) return;
    this.held = false;
    const pids = [...this.ctx.procs.values()].filter((p) => p.alive).map((p) => ((p.suspended = true), p.pid));
    this.ctx.log('warn', `host lease lapsed: ${pids.length} process(es) suspended until the directory confirms them`, { pids });
    this.ctx.event('host.suspended', { pids });
  }

  /** The lease is held again: every suspended process is checked against the directory. */
  renewed(): void {
    if (this.held) return;
    this.held = true;
    for (const p of this.ctx.procs.values()) if (p.suspended) this.verify(p);
  }

  /** Asks the directory whether `pcb` is still this host's. */
  verify(pcb: Pcb): void {
    this.ctx.directory({ op: 'get', pid: pcb.pid }, { kind: 'directory', pid: pcb.pid, op: 'verify' });
  }

  /** The directory's answer for a suspended process: run it again, or let it go. */
  verified(pid: string, a: DirectoryAnswer): void {
    const pcb = this.ctx.procs.get(pid);
    if (!pcb?.alive || !pcb.suspended || !this.held) return;
    // Moving away: its migration settles its fate by the directory; asked again once that ends.
    if (pcb.frozen) return this.retryLater(pid);
    // A read served before this host's own last write of the record (its answer came late): it
    // cannot show the process left, so ask again rather than let it go.
    if (a.revision < pcb.dir.revision) return this.retryLater(pid);
    // Its creation still unanswered and not landed yet: ask again (it is this host's until a record says otherwise).
    if (pcb.dir.revision === 0 && a.entry === null) return this.retryLater(pid);
    // (Revision 0: its creation was unanswered when the lease lapsed; the record read says.)
    const ours = names(a.entry, this.ctx.hostId, this.ctx.boot, pcb.dir.epoch) && (pcb.dir.revision === 0 || a.revision === pcb.dir.revision);
    if (ours) {
      pcb.suspended = false;
      pcb.dir.revision = a.revision;
      this.ctx.scheduler.schedule(pcb);
      this.ctx.delivery.moveEnded(pid);
      return;
    }
    // Not this host's any more: let it go without an exit (it lives on where the directory says).
    this.ctx.log('error', `${pid} is no longer this host's (directory: ${JSON.stringify(a.entry)}); letting it go`, { pid });
    this.ctx.processes.leave(pcb);
    this.ctx.emit({ type: 'unsubscribe', pid });
    if (a.entry) this.ctx.migrator.departed.set(pid, { to: a.entry.host, until: this.ctx.now + 60_000 });
    this.ctx.event('proc.fenced', { pid, host: this.ctx.hostId, now: a.entry?.host ?? null });
    this.ctx.delivery.moveEnded(pid);
  }

  /** No answer from the directory: ask again in a while. */
  retryLater(pid: string): void {
    this.ctx.setTimer('d', { kind: 'register', pid, due: this.ctx.now + DIRECTORY_RETRY_MS, verify: true }, DIRECTORY_RETRY_MS);
  }
}

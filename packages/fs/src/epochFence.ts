import { ErrorCode, WispError, type FsFence } from '@wisp/protocol';

/** Default bound of an {@link EpochFence}: pids remembered at once. */
export const DEFAULT_MAX_FENCED_PIDS = 65_536;

/**
 * Fencing at a file server (DESIGN §5): per pid, the newest directory epoch a request made on
 * its behalf carried. A request with an older one comes from a copy of the process that another
 * host (or a fence of its record) has moved past — a host that woke up late, or a message that
 * arrived late — and is refused with `ESTALE` before it changes anything; equal or newer passes
 * and becomes the newest. One map lookup per request.
 *
 * **Bounded.** Once more than `max` pids are remembered, the least recently used one is
 * forgotten: a process that ended stops using the server and is the first to go, while a live
 * one is refreshed by each request it makes. A pid is not forgotten at its process's end (the
 * drop of its backing file, its last close): a request of an older copy may still be on its way
 * then — the checker finds a late page-out landing after the drop — and would be taken as the
 * first of a new pid. A pid forgotten all the same (`max` others used since) is fenced again from
 * its next request on; a stale copy of it is left to the lease rule, which stops it first.
 */
export class EpochFence {
  /** Pid → newest epoch, least recently used first. */
  private readonly newest = new Map<string, number>();

  constructor(readonly max: number = DEFAULT_MAX_FENCED_PIDS) {}

  /** Refuses (`ESTALE`) a request older than the newest seen for its pid; else takes its epoch as newest. */
  admit(f: FsFence): void {
    const seen = this.newest.get(f.pid);
    if (seen !== undefined) {
      if (f.epoch < seen) throw new WispError(ErrorCode.ESTALE, `${f.pid} at epoch ${f.epoch} is stale: the file server has seen epoch ${seen}`);
      // Kept in use order: the least recently used pid is the one to forget.
      this.newest.delete(f.pid);
    } else if (this.newest.size >= this.max) {
      this.newest.delete(this.newest.keys().next().value!);
    }
    this.newest.set(f.pid, Math.max(f.epoch, seen ?? 0));
  }

  /** The newest epoch seen for `pid`, if it is remembered. */
  epochOf(pid: string): number | undefined {
    return this.newest.get(pid);
  }

  /** Pids remembered. */
  get size(): number {
    return this.newest.size;
  }

  /** Pid and newest epoch, least recently used first (for views and fingerprints). */
  entries(): Array<[string, number]> {
    return [...this.newest];
  }

  /** An independent copy. */
  clone(): EpochFence {
    const c = new EpochFence(this.max);
    for (const [pid, epoch] of this.newest) c.newest.set(pid, epoch);
    return c;
  }
}

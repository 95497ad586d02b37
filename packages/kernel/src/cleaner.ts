import type { Answer } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import { fenceOf } from './fileFence.js';
import { backingFileOf } from './migration/migrator.js';
import { halted, type Pcb } from './pcb.js';

/** How the background cleaner runs (see {@link Cleaner}). */
export interface CleanerConfig {
  /** Ms between two looks at the processes (default 25). */
  intervalMs?: number;
  /** Most pages in one write (default 256: 1 MiB of 4 KiB pages, one NATS message). */
  pagesPerWrite?: number;
  /** Most writes in flight on this host at once, over all processes (default 2). */
  maxInFlight?: number;
  /**
   * How long a page must have gone unwritten to be written back, ms (default 3000; Sprite's
   * cleaner waited 30 s). A page written more often is hot: writing it back would be wasted,
   * and a process that rewrites its whole space often would keep the file server busy for nothing.
   */
  minAgeMs?: number;
}

/** What the cleaner has done, for `info` (all counts since the host started). */
export interface CleanerStats {
  enabled: boolean;
  /** Writes to backing files that succeeded, and the pages they carried. */
  writes: number;
  pages: number;
  /** Writes that failed; their pages still clean were marked dirty again. */
  failed: number;
  redirtied: number;
  /** Writes in flight now. */
  inFlight: number;
  /** Dirty pages of the processes running here now (what a flush of all of them would write). */
  dirty: number;
}

const DEFAULT_INTERVAL_MS = 25;
const DEFAULT_PAGES_PER_WRITE = 256;
const DEFAULT_MAX_IN_FLIGHT = 2;
const DEFAULT_MIN_AGE_MS = 3000;

/** A reading of a space's write clock, and when it was taken. */
interface Reading {
  clock: number;
  at: number;
}

/**
 * Sprite's background write-back: every `intervalMs`, when no process is waiting to run (the
 * lowest priority), the host writes dirty pages of the processes it runs to their backing files,
 * so that a flush — an eviction above all — has only the pages dirtied since to write.
 *
 * Rules (each one what keeps the backing file right):
 * - A page is taken only if it has not been written for `minAgeMs` (a hot page would be dirty
 *   again soon; writing it is waste); taking it marks it clean and
 *   copies its bytes at once, so the copy sent is what memory holds while the page stays clean:
 *   any later write makes it dirty again, and it goes out again later.
 * - One write in flight per process: two writes of one page can never pass each other (the file
 *   client also keeps one lane per backing file, for writes from elsewhere).
 * - A failed write makes its pages that are still clean dirty again.
 * - A process with a move under way is left alone, and a process with a write in flight is not
 *   quiesced: a migration's freeze waits for the write to end (and for a failure's re-dirtying)
 *   before its flush takes the dirty pages, or before the target could read the backing file.
 */
export class Cleaner {
  private readonly intervalMs: number;
  private readonly pagesPerWrite: number;
  private readonly maxInFlight: number;
  private readonly minAgeMs: number;
  /** Pid → pages of its write in flight. */
  private readonly inFlight = new Map<string, number[]>();
  /**
   * Pid → two readings of its space's write clock: `old` at least `minAgeMs` old (pages not
   * written since are cold), `last` the newest, which becomes `old` once it is old enough.
   */
  private readonly looked = new Map<string, { old: Reading | null; last: Reading }>();
  /** Where the next look starts in the process table: every process gets its turn. */
  private cursor = 0;
  private armed = false;
  private readonly counts = { writes: 0, pages: 0, failed: 0, redirtied: 0 };

  constructor(
    private readonly ctx: KernelContext,
    private readonly config: CleanerConfig | null,
  ) {
    this.intervalMs = Math.max(1, config?.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.pagesPerWrite = Math.max(1, config?.pagesPerWrite ?? DEFAULT_PAGES_PER_WRITE);
    this.maxInFlight = Math.max(1, config?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.minAgeMs = Math.max(0, config?.minAgeMs ?? DEFAULT_MIN_AGE_MS);
  }

  /** Whether the cleaner runs on this host. */
  get enabled(): boolean {
    return this.config !== null;
  }

  /** A process started or arrived here: the cleaner looks again (it sleeps while the host has none). */
  wake(): void {
    if (!this.enabled || this.armed) return;
    this.armed = true;
    this.ctx.setTimer('c', { kind: 'clean', pid: '', due: this.ctx.now + this.intervalMs }, this.intervalMs);
  }

  /** Whether a write of `pid`'s pages is in flight (the process cannot move until it ends). */
  writing(pid: string): boolean {
    return this.inFlight.has(pid);
  }

  /** The timer fired: one look, unless processes are waiting to run; again later while there are processes. */
  tick(): void {
    this.armed = false;
    if (this.ctx.procs.size === 0) {
      this.looked.clear();
      return;
    }
    if (!this.ctx.scheduler.hasWork()) this.look();
    this.wake();
  }

  /**
   * Starts writes, up to `maxInFlight` in all, taking the processes in turn from where the last
   * look stopped. Exported for tests, which drive the cleaner without its timer.
   */
  look(): number {
    const pcbs = [...this.ctx.procs.values()];
    for (const pid of this.looked.keys()) if (!this.ctx.procs.has(pid)) this.looked.delete(pid);
    let started = 0;
    for (let i = 0; i < pcbs.length && this.inFlight.size < this.maxInFlight; i++) {
      const pcb = pcbs[(this.cursor + i) % pcbs.length]!;
      if (!this.eligible(pcb)) continue;
      const since = this.since(pcb);
      if (since === null) continue;
      const pages = pcb.memory.takeColdDirty(since, this.pagesPerWrite);
      if (pages.length === 0) continue;
      this.write(pcb, pages);
      started++;
      this.cursor = (this.cursor + i + 1) % pcbs.length;
    }
    return started;
  }

  /**
   * The reading pages of `pcb` must not have been written since to be taken (at least
   * `minAgeMs` old), or null when there is none yet (a first look only takes a reading).
   */
  private since(pcb: Pcb): number | null {
    const now = this.ctx.now;
    const r = this.looked.get(pcb.pid);
    if (!r) {
      this.looked.set(pcb.pid, { old: null, last: { clock: pcb.memory.markWrites(), at: now } });
      return null;
    }
    if (now - r.last.at >= this.minAgeMs) {
      r.old = r.last;
      r.last = { clock: pcb.memory.markWrites(), at: now };
    }
    return r.old ? r.old.clock : null;
  }

  private eligible(pcb: Pcb): boolean {
    return (
      pcb.alive &&
      // Not while it is moving, waiting for pages, or held because this host's lease lapsed
      // (the process may be another host's by now: its backing file is not ours to write).
      !halted(pcb) &&
      // A lazily moved process owes pages to its source; its move's rules keep its pages.
      pcb.lazyFrom === undefined &&
      !this.inFlight.has(pcb.pid) &&
      !this.ctx.migrator.hasSession(pcb.pid) &&
      pcb.memory.dirtyCount > 0
    );
  }

  /** Copies `pages` (just marked clean) and writes the copy to the backing file. */
  private write(pcb: Pcb, pages: number[]): void {
    const bytes = pcb.memory.copyPages(pages);
    const size = pcb.memory.pageSize;
    const out = new Map<number, Uint8Array>();
    pages.forEach((p, i) => out.set(p, bytes.subarray(i * size, (i + 1) * size)));
    // From now on the backing file may hold pages: it is dropped when the process ends.
    pcb.backed = true;
    this.inFlight.set(pcb.pid, pages);
    // Fenced with the epoch it runs at here: if its lease lapses and another host moves on, a
    // write still on its way is refused rather than overwrite that host's pages.
    this.ctx.fs('pageOut', [backingFileOf(pcb.pid), out], { kind: 'clean', pid: pcb.pid, pages }, fenceOf(pcb));
  }

  /** A write ended: count it, or re-dirty its pages; a migration waiting for it may go on. */
  written(pid: string, pages: number[], answer: Answer): void {
    this.inFlight.delete(pid);
    const pcb = this.ctx.procs.get(pid);
    if (answer.ok) {
      this.counts.writes++;
      this.counts.pages += pages.length;
    } else {
      this.counts.failed++;
      if (pcb) this.counts.redirtied += pcb.memory.redirty(pages);
      this.ctx.log('warn', `background write of ${pages.length} pages of ${pid} failed: ${answer.error.message}`, { pid, code: answer.error.code });
    }
    if (pcb) this.ctx.migrator.callDone(pcb);
  }

  /** What `info` shows. */
  stats(): CleanerStats {
    let dirty = 0;
    for (const p of this.ctx.procs.values()) dirty += p.memory.dirtyCount;
    return { enabled: this.enabled, ...this.counts, inFlight: this.inFlight.size, dirty };
  }
}

/** The cleaner's answers: its writes' outcomes. */
export const cleanerAnswers: AnswerHandlers<'clean'> = {
  clean: (ctx, k, answer) => ctx.cleaner.written(k.pid, k.pages, answer),
};

/** The cleaner's timer: its next look. */
export const cleanerTimers: TimerHandlers<'clean'> = {
  clean: (ctx) => ctx.cleaner.tick(),
};

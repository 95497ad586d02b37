import { ErrorCode, type WireError } from '@wisp/protocol';
import { failure, type Answer, type Caller, type Continuation } from '../caller.js';
import type { Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';

/** Pages per `pages` or `fetch` message: 192 × 4 KiB stays well inside a 1 MiB `max_payload`. */
export const PAGES_PER_MESSAGE = 192;
/** Background-pull requests in flight per lazily moved process. */
const PULL_IN_FLIGHT = 4;

/**
 * A process that arrived here lazily, while its source still owes it pages: the background
 * pull's progress, the fault fetches in flight, and what came from the source (reported when
 * the dependency ends, since the migration record was written at commit, before any of it).
 */
interface LazyArrival {
  arrivedAt: number;
  /** Next page the background pull looks at. */
  cursor: number;
  /** Pull requests in flight. */
  pulling: number;
  /** A pull failed: the rest comes by faults only. */
  pullFailed: boolean;
  /** Fault fetches in flight: the process runs again once the last is in. */
  fetching: number;
  fetchError: WireError | null;
  /** Pages received from the source: by the background pull, by faults, and in all. */
  pulledPages: number;
  faultPages: number;
  pages: number;
}

/**
 * Residual dependencies of lazy migration (DESIGN §5), both ends, which outlive the sessions:
 * the source keeps the address spaces of processes that left lazily and serves `fetch`es until
 * `release`; the target pulls in the background and on faults. Reaches the kernel through its
 * migrator's port (`owner.k`, rebound when a checker copies a kernel).
 */
export class LazyPages {
  /** Source side: address spaces kept for processes that left lazily, until their target has every page. */
  readonly residual = new Map<string, Pcb['memory']>();
  /** Target side: processes that arrived here lazily and still depend on their source. */
  readonly arrivals = new Map<string, LazyArrival>();

  constructor(private readonly owner: { k: KernelPort }) {}

  private get k(): KernelPort {
    return this.owner.k;
  }

  /** `fetch`: pages of a process that left this host lazily, as a framed reply. */
  fetch(req: { pid: string; pages: number[] }, caller: Caller): void {
    const space = this.residual.get(req.pid);
    if (!space) return this.k.answer(caller, failure(ErrorCode.ESRCH, `no pages of ${req.pid} are kept here`));
    const bytes = [space.copyPages(req.pages)];
    this.k.answer(caller, { ok: true, value: { pid: req.pid, pages: req.pages, pageSize: space.pageSize }, bytes } as Answer);
  }

  /** `release`: the target has every page; the residual dependency ends. */
  release(pid: string, caller: Caller): void {
    this.residual.delete(pid);
    this.k.answer(caller, { ok: true, value: {} });
  }

  arrivalOf(pcb: Pcb): LazyArrival {
    let a = this.arrivals.get(pcb.pid);
    if (!a) {
      a = { arrivedAt: this.k.now(), cursor: 0, pulling: 0, pullFailed: false, fetching: 0, fetchError: null, pulledPages: 0, faultPages: 0, pages: 0 };
      this.arrivals.set(pcb.pid, a);
    }
    return a;
  }

  /**
   * Background pull after a lazy move: the owed pages in batches, walking the space once with a
   * cursor, {@link PULL_IN_FLIGHT} batches in flight (one at a time leaves the link idle for a
   * round trip per batch).
   */
  pull(pcb: Pcb): void {
    if (!pcb.lazyFrom || !pcb.alive) return;
    const a = this.arrivalOf(pcb);
    if (a.pullFailed) return;
    while (a.pulling < PULL_IN_FLIGHT) {
      const batch = pcb.memory.owedPagesFrom(a.cursor, PAGES_PER_MESSAGE);
      if (batch.length === 0) break;
      a.cursor = batch[batch.length - 1]! + 1;
      a.pulling++;
      this.k.request(this.k.subjects.host(pcb.lazyFrom, 'fetch'), { pid: pcb.pid, pages: batch }, { kind: 'migration', pid: pcb.pid, step: 'pull' }, { framedReply: true });
    }
    if (a.pulling > 0) return;
    if (pcb.memory.owedCount === 0) return this.released(pcb);
    // Owed pages behind the cursor (a fault's fetch failed and left them): one more pass.
    if (a.cursor > 0) {
      a.cursor = 0;
      this.pull(pcb);
    }
  }

  /** The answer to a fault's `fetch` or a background `pull`. */
  fetched(k: Extract<Continuation, { kind: 'migration' }>, answer: Answer): void {
    const pcb = this.k.process(k.pid);
    if (!pcb) return;
    const a = this.arrivals.get(k.pid);
    if (!a) {
      // Released already (the rest came another way): a late pull answer has nothing left to do.
      if (answer.ok) this.install(pcb, answer);
      if (k.step === 'fetch') this.k.pagesIn(pcb);
      return;
    }
    if (k.step === 'fetch') a.fetching = Math.max(0, a.fetching - 1);
    else a.pulling = Math.max(0, a.pulling - 1);
    if (!answer.ok) {
      // Timed out: the source may be slow or paused, and the pages are still owed — asked again
      // (a fault by running the event again, the pull on its next pass). Anything else is final.
      const again = answer.error.code === ErrorCode.ETIMEDOUT;
      this.k.log(again ? 'warn' : 'error', `pages of ${k.pid} from ${pcb.lazyFrom}: ${answer.error.message}${again ? '; asking again' : ''}`, { pid: k.pid });
      if (!again && k.step === 'fetch') a.fetchError ??= answer.error;
      else if (!again) a.pullFailed = true;
    } else {
      const n = this.install(pcb, answer);
      a.pages += n;
      if (k.step === 'fetch') a.faultPages += n;
      else a.pulledPages += n;
    }
    if (k.step === 'pull') return this.pull(pcb);
    if (a.fetching > 0) return;
    if (a.fetchError) {
      const error = a.fetchError;
      a.fetchError = null;
      return this.k.pagesIn(pcb, error);
    }
    this.k.pagesIn(pcb);
    // The fault may have brought the last owed pages.
    if (pcb.lazyFrom && a.pulling === 0 && pcb.memory.owedCount === 0) this.released(pcb);
  }

  /** Installs pages of a framed `fetch` answer that are still absent here; returns how many pages it carried. */
  install(pcb: Pcb, answer: Answer): number {
    const { value, bytes } = answer as { value: { pages: number[]; pageSize: number }; bytes?: Uint8Array };
    const m = pcb.memory;
    value.pages.forEach((p, i) => {
      if (m.pageState(p) === 'absent') m.install(p, bytes!.subarray(i * value.pageSize, (i + 1) * value.pageSize));
    });
    return value.pages.length;
  }

  /**
   * Every owed page is here: the lazy source may forget the process. The `proc.residual` event
   * says what came from the source after commit (not in the migration record).
   */
  released(pcb: Pcb): void {
    const from = pcb.lazyFrom!;
    pcb.lazyFrom = undefined;
    const a = this.arrivals.get(pcb.pid);
    this.arrivals.delete(pcb.pid);
    this.k.request(this.k.subjects.host(from, 'release'), { pid: pcb.pid }, { kind: 'ignore', what: `release of ${pcb.pid}'s pages on ${from}` });
    const pulled = a ? { pages: a.pages, bytes: a.pages * pcb.memory.pageSize, pulledPages: a.pulledPages, faultPages: a.faultPages, ms: hundredths(this.k.now() - a.arrivedAt) } : {};
    this.k.event('proc.residual', { pid: pcb.pid, host: this.k.hostId, residual: [], from, ...pulled });
  }

  /**
   * A page fault of a lazily moved process: the pages the source still owes come from it, in
   * as many `fetch` requests as a reply's size allows (a forward-running fault asks for many).
   */
  fetchFromSource(pcb: Pcb, pages: number[]): void {
    const a = this.arrivalOf(pcb);
    for (let i = 0; i < pages.length; i += PAGES_PER_MESSAGE) {
      a.fetching++;
      this.k.request(this.k.subjects.host(pcb.lazyFrom!, 'fetch'), { pid: pcb.pid, pages: pages.slice(i, i + PAGES_PER_MESSAGE) }, { kind: 'migration', pid: pcb.pid, step: 'fetch' }, { framedReply: true });
    }
  }
}

/** Ms to 0.01 ms: what a migration record reports (the clock may read finer). */
export function hundredths(ms: number): number {
  return Math.round(ms * 100) / 100;
}

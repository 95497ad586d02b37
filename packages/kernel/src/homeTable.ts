import type { Caller } from './caller.js';
import type { Grant } from './placement.js';

/** What a home host keeps about each process it is home to, wherever it runs. */
export interface HomeRecord {
  pid: string;
  program: string;
  parent: string | null;
  /** Where it runs now (the home is the authority on this). */
  host: string;
  state: 'starting' | 'running' | 'exited';
  code?: number;
  /** Subject console output and the exit status are published to. */
  tty?: string;
  /** Started directly by a `spawn` request (its exit ends `wisp run`). */
  root: boolean;
  children: Set<string>;
  /** The migd grant of the host an `anywhere` child was placed on, held while it runs there. */
  grant?: Grant;
  /** A pending `wait` by this process (`callId`: the process's id for the call). */
  waiter?: { target: string | null; caller: Caller; callId?: number };
  /** The last wait answered, kept so the same call re-issued after a migration gets the same child. */
  lastWait?: { callId: number; reaped: Reaped };
}

/** A reaped child: what `wait` returns. */
export interface Reaped {
  pid: string;
  code: number;
}

/**
 * The home host's process table: PIDs, parent/child links, exit statuses and waits.
 * Pure bookkeeping; the kernel performs what it decides.
 */
export class HomeTable {
  readonly records = new Map<string, HomeRecord>();
  private nextPid = 1;

  /** Allocates the next pid number. */
  allocate(): number {
    return this.nextPid++;
  }

  /** Adds a record and links it to its parent. */
  add(rec: HomeRecord): void {
    this.records.set(rec.pid, rec);
    if (rec.parent) this.records.get(rec.parent)?.children.add(rec.pid);
  }

  /** Removes a record that never started. */
  discard(pid: string): void {
    const rec = this.records.get(pid);
    if (!rec) return;
    this.records.delete(pid);
    if (rec.parent) this.records.get(rec.parent)?.children.delete(pid);
  }

  /**
   * A process exited. Returns the parent's waiter to answer, if one was waiting for it.
   * A process nobody can wait for any more (no parent, parent gone) is reaped at once.
   */
  exited(pid: string, code: number): { waiter: Caller; reaped: Reaped } | null {
    const rec = this.records.get(pid);
    if (!rec || rec.state === 'exited') return null;
    rec.state = 'exited';
    rec.code = code;
    // Its own exited children can never be waited for now.
    for (const c of rec.children) {
      const child = this.records.get(c);
      if (child?.state === 'exited') this.records.delete(c);
    }
    const parent = rec.parent ? this.records.get(rec.parent) : undefined;
    if (!parent || parent.state === 'exited') {
      this.reap(rec);
      return null;
    }
    const w = parent.waiter;
    if (w && (w.target === null || w.target === pid)) {
      parent.waiter = undefined;
      const reaped = this.reap(rec);
      if (w.callId !== undefined) parent.lastWait = { callId: w.callId, reaped };
      return { waiter: w.caller, reaped };
    }
    return null;
  }

  /**
   * `pid` waits for `target` (or any child). Returns the reaped child, 'wait' when it must
   * wait, or 'none' when it has no such child.
   */
  wait(pid: string, target: string | null, caller: Caller, callId?: number): Reaped | 'wait' | 'none' {
    const rec = this.records.get(pid);
    if (!rec) return 'none';
    // The same call again (re-issued where the process migrated to): the same answer.
    if (callId !== undefined && rec.lastWait?.callId === callId) return rec.lastWait.reaped;
    const candidates = target === null ? [...rec.children] : rec.children.has(target) ? [target] : [];
    if (candidates.length === 0) return 'none';
    for (const c of candidates) {
      const child = this.records.get(c);
      if (child?.state === 'exited') {
        const reaped = this.reap(child);
        if (callId !== undefined) rec.lastWait = { callId, reaped };
        return reaped;
      }
    }
    rec.waiter = { target, caller, ...(callId !== undefined ? { callId } : {}) };
    return 'wait';
  }

  /** Removes and returns the pending wait of `pid`, if any. */
  takeWaiter(pid: string): { caller: Caller; callId?: number } | undefined {
    const rec = this.records.get(pid);
    const w = rec?.waiter;
    if (!rec || !w) return undefined;
    rec.waiter = undefined;
    return w;
  }

  private reap(rec: HomeRecord): Reaped {
    this.records.delete(rec.pid);
    if (rec.parent) this.records.get(rec.parent)?.children.delete(rec.pid);
    return { pid: rec.pid, code: rec.code ?? 0 };
  }
}

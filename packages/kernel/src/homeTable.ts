import { ErrorCode, WispError } from '@wisp/protocol';
import type { Answer, Caller } from './caller.js';
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
  /**
   * Forwarded calls by call id, newest last (at most {@link FORWARDED_KEPT}): who to answer and,
   * once there is one, the answer, so the same call sent again is answered again, not redone.
   */
  forwarded?: Map<number, { replyTo: string | null; answer?: Answer }>;
  /** Newest directory epoch a call of the process came with: an older one is refused (fencing). */
  epoch?: number;
  /** Console input (`input` requests), when it was started with it; fd 0 reads as end of file otherwise. */
  stdin?: ConsoleInput;
}

/** Forwarded calls a home remembers per process: far more than one process has open at once. */
export const FORWARDED_KEPT = 16;

/** A process's console input at its home: what came and was not read yet, and who waits for it. */
export interface ConsoleInput {
  buffered: string;
  /** The sender closed it: reads return '' once `buffered` is empty. */
  closed: boolean;
  /** A pending console read (`callId`: the process's id for the call). */
  reader?: ConsoleRead;
  /** The last read answered, kept so the same call re-issued after a migration gets the same text (input is taken once). */
  lastRead?: { callId: number; text: string };
}

/** A console read: who asked, for at most how many characters. */
export interface ConsoleRead {
  caller: Caller;
  max: number;
  callId?: number;
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

  /**
   * A console read by `pid`: the text to answer now, or 'wait' until input comes (it was
   * recorded as the reader). The same call again (re-issued where the process migrated to)
   * gets the same text. `replaced`: an earlier, different read still pending, to fail.
   */
  read(pid: string, r: ConsoleRead): { text: string | 'wait'; replaced?: Caller } {
    const input = this.records.get(pid)?.stdin;
    if (!input) return { text: '' };
    if (r.callId !== undefined && input.lastRead?.callId === r.callId) return { text: input.lastRead.text };
    const stale = input.reader;
    input.reader = undefined;
    const replaced = stale && (r.callId === undefined || stale.callId !== r.callId) ? stale.caller : undefined;
    const text = this.take(input, r);
    if (text === 'wait') input.reader = r;
    return { text, ...(replaced ? { replaced } : {}) };
  }

  /**
   * Console input for `pid` (`text`, then maybe the end of it). Returns the pending read it
   * answers, if any. Throws (ESRCH, EINVAL) when the process takes no input: unknown, exited,
   * started without it, or its input already closed.
   */
  input(pid: string, text: string, close: boolean): { reader: Caller; text: string } | null {
    const rec = this.records.get(pid);
    if (!rec || rec.state === 'exited') throw new WispError(ErrorCode.ESRCH, `no running process ${pid} is homed here`);
    const input = rec.stdin;
    if (!input) throw new WispError(ErrorCode.EINVAL, `${pid} was not started with console input`);
    if (input.closed) throw new WispError(ErrorCode.EINVAL, `the console input of ${pid} is closed`);
    input.buffered += text;
    input.closed = close;
    const r = input.reader;
    if (!r) return null;
    const answer = this.take(input, r);
    if (answer === 'wait') return null;
    input.reader = undefined;
    return { reader: r.caller, text: answer };
  }

  /** Takes what `r` gets from `input` now: buffered text, '' at the end, or 'wait'. */
  private take(input: ConsoleInput, r: ConsoleRead): string | 'wait' {
    if (input.buffered.length === 0 && !input.closed) return 'wait';
    const text = input.buffered.slice(0, r.max);
    input.buffered = input.buffered.slice(text.length);
    if (r.callId !== undefined) input.lastRead = { callId: r.callId, text };
    return text;
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

import { ErrorCode, homeOf, toWireError, type DirectoryAnswer, type ProcessImage, type WireError } from '@wisp/protocol';
import { failure, type Caller, type Continuation } from '../caller.js';
import type { Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';
import { hundredths, type LazyPages } from './lazyPages.js';
import type { MachineAction, MachineDriver } from './machineDriver.js';
import { MOVED_MEMORY_MS } from './sourceSide.js';
import type { TargetContext, TargetEvent, TargetStep } from './targetMachine.js';
import { SETTLE_RETRY_MS } from './sourceMachine.js';

/** A target drops what it received when no commit comes in this time. */
export const TARGET_TIMEOUT_MS = 30_000;

/** Pages pushed ahead of the image: their numbers, size, and the message's bytes. */
export interface PageBatch {
  pages: number[];
  pageSize: number;
  bytes: Uint8Array;
}

/**
 * A move arriving here: its status is the machine's snapshot (`driver`); beside it the data
 * received (pages, the image, the PCB built from it) and its timer.
 */
export interface TargetSession {
  driver: MachineDriver;
  pid: string;
  pages: Map<number, Uint8Array>;
  image: ProcessImage | null;
  pcb: Pcb | null;
  timer: string;
}

const step = (t: TargetSession, step: TargetStep): Continuation => ({ kind: 'migration', pid: t.pid, step });

/** What the target effects need of the migrator. */
export interface TargetHost {
  k: KernelPort;
  readonly lazy: LazyPages;
  /** Processes that arrived here (committed), and until when a repeated commit is answered ok. */
  readonly arrived: Map<string, number>;
  located(pid: string, host: string): void;
}

/**
 * Performs one effect a target machine named; returns the effect's result as the machine's
 * next event if it has one (an image that cannot be rebuilt here).
 */
export function performTarget(m: TargetHost, t: TargetSession, a: MachineAction): TargetEvent | void {
  const k = m.k;
  const c = a.context as TargetContext;
  const event = a.event as TargetEvent & { caller?: Caller; batch?: PageBatch; image?: ProcessImage; error?: WireError };
  switch (a.type) {
    case 'armTimer':
      t.timer = k.armSessionTimer(t.pid, TARGET_TIMEOUT_MS);
      return;
    case 'announce':
      k.event('proc.receiving', { pid: t.pid, from: c.from, host: k.hostId, strategy: c.strategy });
      return;
    case 'keepPages': {
      const b = event.batch!;
      // One copy of the message (its buffer is not ours to keep); the pages are views into it.
      const copy = b.bytes.slice();
      b.pages.forEach((p, i) => t.pages.set(p, copy.subarray(i * b.pageSize, (i + 1) * b.pageSize)));
      return;
    }
    case 'install':
      t.image = event.image!;
      try {
        t.pcb = k.rebuild(t.image);
      } catch (err) {
        return { type: 'failed', error: { code: ErrorCode.EINVAL, message: `cannot rebuild ${t.pid}: ${toWireError(err).message}` }, caller: event.caller! };
      }
      // The received pages are this host's own copies already (see keepPages): kept as frames.
      for (const [p, b] of t.pages) t.pcb.memory.adoptFrame(p, b, true);
      t.pages.clear();
      if (c.strategy === 'lazy') t.pcb.lazyFrom = c.from;
      return;
    case 'claim':
      k.directory({ op: 'update', pid: t.pid, entry: { host: k.hostId, boot: k.boot, epoch: c.epoch + 1 }, revision: c.revision }, step(t, 'claim'));
      return;
    case 'recheck':
      k.directory({ op: 'get', pid: t.pid }, step(t, 'recheck'));
      return;
    case 'recheckLater':
      k.armSessionTimer(t.pid, SETTLE_RETRY_MS, 'target');
      return;
    case 'keepRecord':
      t.pcb!.dir = { epoch: c.epoch + 1, revision: ((event as { result: { value: DirectoryAnswer } }).result.value).revision };
      return;
    case 'resume':
      m.arrived.set(t.pid, k.now() + MOVED_MEMORY_MS);
      k.disarmSessionTimer(t.timer);
      k.adopt(t.pcb!, t.image!);
      if (homeOf(t.pid) === k.hostId) m.located(t.pid, k.hostId);
      k.event('proc.arrived', { pid: t.pid, from: c.from, host: k.hostId, strategy: c.strategy });
      if (c.strategy === 'lazy') m.lazy.arrivalOf(t.pcb!);
      return;
    case 'pull':
      return m.lazy.pull(t.pcb!);
    case 'drop':
      k.disarmSessionTimer(t.timer);
      return;
    // A request's answer; the commit's (`…Commit`) goes to who sent it, once the directory has spoken.
    case 'ack':
    case 'ackCommit':
      if (a.type === 'ackCommit' && c.report) answerClient(k, c.report);
      return k.answer(a.type === 'ack' ? event.caller! : c.committer!, { ok: true, value: {} });
    case 'refuse':
    case 'refuseCommit': {
      const p = a.params as { code: WireError['code']; why: string };
      return k.answer(a.type === 'refuse' ? event.caller! : c.committer!, failure(p.code, `${t.pid} ${p.why}`));
    }
    case 'refuseImage':
      return k.answer(event.caller!, { ok: false, error: event.error! });
  }
}

/**
 * The move's client, answered here as soon as the claim succeeded (one hop sooner than through
 * the source): the source's record, its times stretched by the target's part since the commit came.
 */
function answerClient(k: KernelPort, r: NonNullable<TargetContext['report']>): void {
  const more = Math.max(0, k.now() - r.arrivedAt);
  const record = { ...r.record, freezeMs: hundredths(r.record.freezeMs + more), totalMs: hundredths(r.record.totalMs + more) };
  k.answer({ kind: 'remote', replyTo: r.to }, { ok: true, value: record });
}

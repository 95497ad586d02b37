import { ErrorCode, PROTOCOL_VERSION, homeOf, toWireError, type CommitRequest, type DirectoryAnswer, type MigrationRecord, type OfferRequest, type ProcessImage } from '@wisp/protocol';
import type { Answer, Caller, Continuation } from '../caller.js';
import { fenceOf } from '../fileFence.js';
import type { Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';
import { hundredths, PAGES_PER_MESSAGE, type LazyPages } from './lazyPages.js';
import type { MachineAction, MachineDriver } from './machineDriver.js';
import { participants } from './participants.js';
import { SETTLE_RETRY_MS, type SourceContext, type SourceEvent, type SourceStep } from './sourceMachine.js';

/** How long a source remembers where a process went, to tell stragglers to try again. */
export const MOVED_MEMORY_MS = 60_000;

/**
 * A move away from this host: its status is the machine's snapshot (`driver`); beside it only
 * who asked and the data the effects carry.
 */
export interface SourceSession {
  driver: MachineDriver;
  pid: string;
  requester: Caller;
  /** What the target is offered (sent alone, or with the image for `flush` and `lazy`). */
  offer: OfferRequest | null;
  /** The participants' image, once taken. */
  image: ProcessImage | null;
  /** Pages precopy marked clean without writing them to the backing file (written back on abort). */
  precopied: Set<number>;
  /** The page step under way, for `proc.moving` progress events. */
  progress?: MoveProgress;
}

/** Pages of one step (a send or a flush) acknowledged against its total; `shown` in twentieths. */
interface MoveProgress {
  step: 'pages' | 'flush';
  done: number;
  total: number;
  pageSize: number;
  shown: number;
}

/** What the source effects need of the migrator. */
export interface SourceHost {
  k: KernelPort;
  readonly lazy: LazyPages;
  /** Processes that left: pid → the host they went to, and until when to remember it. */
  readonly departed: Map<string, { to: string; until: number }>;
  located(pid: string, host: string): void;
  /** A session ended: an eviction waiting for it may be answered. */
  sessionEnded(pid: string, outcome: MigrationRecord['outcome']): void;
}

const contextOf = (s: SourceSession) => s.driver.snapshot.context as SourceContext;
const step = (s: SourceSession, step: SourceStep, stream?: string): Continuation => ({ kind: 'migration', pid: s.pid, step, ...(stream ? { stream } : {}) });

/**
 * Performs one effect a source machine named, against the kernel; returns the effect's result
 * as the machine's next event, if it has one now (answers to requests come later).
 */
export function performSource(m: SourceHost, s: SourceSession, a: MachineAction): SourceEvent | void {
  const k = m.k;
  const c = a.context as SourceContext;
  const pcb = k.process(s.pid);
  switch (a.type) {
    case 'offer':
      if (!pcb) return { type: 'failed', error: { code: ErrorCode.ESRCH, message: `${s.pid} is gone` } };
      s.offer = { protocol: PROTOCOL_VERSION, pid: s.pid, from: k.hostId, program: pcb.program.name, version: pcb.program.version, strategy: c.strategy };
      // Copy and precopy push pages before the image, which need the session: the offer goes alone.
      if (c.offer === 'sent') k.request(k.subjects.host(c.to, 'offer'), s.offer, step(s, 'offer'));
      return;
    case 'sendRound': {
      const dirty = pcb!.memory.takeDirty();
      // The first round sends every resident page, clean ones too (the background cleaner may
      // have written them to the backing file): the target has them all, and faults none in.
      return sendPages(m, s, pcb!, s.precopied.size === 0 ? pcb!.memory.residentPages() : dirty, true);
    }
    case 'measureRound':
      return { type: 'measured', dirtyPages: pcb ? pcb.memory.dirtyCount : 0 };
    case 'freeze':
      k.freeze(pcb!);
      return k.quiesced(pcb!) ? frozen(k, pcb!) : undefined;
    case 'pullOwed': {
      const owed = pcb!.memory.owedPages();
      for (let i = 0; i < owed.length; i += PAGES_PER_MESSAGE) {
        k.request(k.subjects.host(pcb!.lazyFrom!, 'fetch'), { pid: s.pid, pages: owed.slice(i, i + PAGES_PER_MESSAGE) }, step(s, 'owed'), { framedReply: true });
      }
      return { type: 'sent', requests: Math.ceil(owed.length / PAGES_PER_MESSAGE) };
    }
    case 'installOwed':
      m.lazy.arrivalOf(pcb!).pages += m.lazy.install(pcb!, (a.event as { result: Answer }).result);
      return;
    case 'releaseOwed':
      // (Unless the background pull brought the last owed pages, and released them, meanwhile.)
      if (pcb!.lazyFrom) m.lazy.released(pcb!);
      return;
    case 'writeOut':
      return writeOut(m, s, pcb!, c);
    case 'moveStreams': {
      const streams = [...pcb!.fds.values()];
      for (const stream of streams) k.fs('move', [stream, c.to], step(s, 'move', stream), fenceOf(pcb!));
      return { type: 'sent', requests: streams.length };
    }
    case 'sendAllPages':
      return sendPages(m, s, pcb!, pcb!.memory.residentPages(), false);
    case 'sendImage':
      return sendImage(m, s, pcb!, c);
    case 'sendCommit': {
      // Meant for the target's run that answered first (when one answered before the commit
      // left): another run refuses it (`EBOOT`) rather than claim what it never took.
      const body: CommitRequest = { pid: s.pid, epoch: c.epoch, revision: c.revision };
      if (c.targetBoot !== null) body.boot = c.targetBoot;
      // A client waiting for the move is answered by the target once it claims the process.
      if (answeredByTarget(s.requester)) body.report = { to: s.requester.replyTo, record: recordOf(k, s, c, 'committed') };
      k.request(k.subjects.host(c.to, 'commit'), body, step(s, 'commit'));
      return;
    }
    case 'readDirectory':
      k.directory({ op: 'get', pid: s.pid }, step(s, 'settle'));
      return;
    case 'fence':
      k.directory({ op: 'update', pid: s.pid, entry: { host: c.host, boot: c.boot, epoch: c.epoch + 1 }, revision: c.revision }, step(s, 'fence'));
      return;
    case 'keepFence': {
      // The record is this host's again, one epoch on: a claim of the old one cannot win now.
      const d = (a.event as { result: { value: DirectoryAnswer } }).result.value;
      if (pcb) pcb.dir = { epoch: c.epoch + 1, revision: d.revision };
      const why = c.error ? ` (${c.error.code}: ${c.error.message})` : '';
      k.log('warn', `migration of ${s.pid} to ${c.to} not confirmed${why}; the directory still gave it to ${k.hostId}, fenced at epoch ${c.epoch + 1}`, { pid: s.pid });
      return;
    }
    case 'settleLater':
      k.armSessionTimer(s.pid, SETTLE_RETRY_MS, 'source');
      return;
    case 'finish':
      // The commit's answer came back ok: the target answered the client already (see sendCommit).
      return finish(m, s, pcb!, c, answeredByTarget(s.requester) && isCommitOk(a.event));
    case 'undo':
      return undo(m, s, pcb, c);
    case 'thaw':
      if (pcb?.alive) k.thaw(pcb);
      return;
    case 'report':
      return report(m, s, c, 'aborted');
  }
}

/** The process is at its safe point: when, and what there is to move. */
export function frozen(k: KernelPort, pcb: Pcb): SourceEvent {
  return { type: 'frozen', at: k.now(), dirtyPages: pcb.memory.dirtyCount, streams: pcb.fds.size };
}

/** Sends pages to the target in `pages` messages; the step ends when all are acknowledged. */
function sendPages(m: SourceHost, s: SourceSession, pcb: Pcb, pages: number[], precopy: boolean): SourceEvent {
  const c = contextOf(s);
  for (let i = 0; i < pages.length; i += PAGES_PER_MESSAGE) {
    const batch = pages.slice(i, i + PAGES_PER_MESSAGE);
    if (precopy) for (const p of batch) s.precopied.add(p);
    m.k.request(m.k.subjects.host(c.to, 'pages'), { pid: s.pid, pages: batch, pageSize: pcb.memory.pageSize }, step(s, 'pages'), { bytes: [pcb.memory.copyPages(batch)] });
  }
  startProgress(m.k, s, 'pages', pages.length, pcb.memory.pageSize);
  return { type: 'sent', requests: Math.ceil(pages.length / PAGES_PER_MESSAGE), pages: pages.length, bytes: pages.length * pcb.memory.pageSize };
}

/**
 * A `proc.moving` event as a page step starts, then each time another twentieth of it is
 * acknowledged (at most 21 a step, however large the process): what `wisp migrate` shows while it waits.
 */
function startProgress(k: KernelPort, s: SourceSession, step: MoveProgress['step'], total: number, pageSize: number): void {
  if (total === 0) return;
  s.progress = { step, done: 0, total, pageSize, shown: 0 };
  emitProgress(k, s, s.progress);
}

/** One of a session's answers arrived: pages acknowledged (a `pages` batch, or the whole flush). */
export function noteProgress(k: KernelPort, s: SourceSession, step: SourceStep, answer: Answer): void {
  const p = s.progress;
  if (!p || p.step !== step || !answer.ok) return;
  // Every batch but the last is full, so capping the sum counts them in any order.
  p.done = step === 'flush' ? p.total : Math.min(p.total, p.done + PAGES_PER_MESSAGE);
  const twentieths = Math.floor((p.done * 20) / p.total);
  if (twentieths <= p.shown) return;
  p.shown = twentieths;
  emitProgress(k, s, p);
}

function emitProgress(k: KernelPort, s: SourceSession, p: MoveProgress): void {
  const c = contextOf(s);
  k.event('proc.moving', { pid: s.pid, to: c.to, strategy: c.strategy, step: p.step, round: c.rounds, pages: p.done, totalPages: p.total, bytes: p.done * p.pageSize, totalBytes: p.total * p.pageSize });
}

/** The per-strategy flush: write dirty pages out (`flush`) or send the last ones (`precopy`). */
function writeOut(m: SourceHost, s: SourceSession, pcb: Pcb, c: SourceContext): SourceEvent {
  if (c.strategy === 'precopy') return sendPages(m, s, pcb, pcb.memory.takeDirty(), true);
  const dirty = pcb.memory.takeDirty();
  if (dirty.length === 0) return { type: 'sent', requests: 0 };
  // The frames themselves, not copies: the process stays frozen until the pageOut ends, even
  // if the migration aborts meanwhile (the machine's `abortedMidFlush`).
  const pages = new Map<number, Uint8Array>();
  for (const p of dirty) pages.set(p, pcb.memory.pageView(p));
  pcb.backed = true;
  m.k.fs('pageOut', [backingFileOf(pcb.pid), pages], step(s, 'flush'), fenceOf(pcb));
  startProgress(m.k, s, 'flush', dirty.length, pcb.memory.pageSize);
  return { type: 'sent', requests: 1, pages: dirty.length, bytes: dirty.length * pcb.memory.pageSize, inPlace: true };
}

/** The image, taken by the participants (a failure aborts: nothing has reached the target yet). */
function sendImage(m: SourceHost, s: SourceSession, pcb: Pcb, c: SourceContext): SourceEvent | void {
  const where = c.strategy === 'lazy' ? 'source' : c.strategy === 'flush' ? 'backing' : 'sent';
  try {
    s.image = participants.encapsulate(m.k, pcb, { where, backingFile: backingFileOf(s.pid) });
  } catch (err) {
    return { type: 'failed', error: { code: ErrorCode.EINVAL, message: `cannot take the image of ${s.pid}: ${toWireError(err).message}` } };
  }
  // Served from now on: the target may fault (or start pulling) before our commit is answered.
  if (c.strategy === 'lazy') m.lazy.residual.set(s.pid, pcb.memory);
  const body = c.offer === 'withImage' ? { image: s.image, offer: s.offer! } : { image: s.image };
  m.k.request(m.k.subjects.host(c.to, 'transfer'), body, step(s, 'transfer'));
}

function finish(m: SourceHost, s: SourceSession, pcb: Pcb, c: SourceContext, answered: boolean): void {
  const k = m.k;
  m.departed.set(s.pid, { to: c.to, until: k.now() + MOVED_MEMORY_MS });
  k.release(pcb);
  // The home is the authority on where its processes run.
  // (A target that is the home updated its record as the process arrived.)
  const home = homeOf(s.pid);
  if (home === k.hostId) m.located(s.pid, c.to);
  else if (home !== c.to) k.request(k.subjects.host(home, 'located'), { pid: s.pid, host: c.to }, { kind: 'ignore', what: `telling ${home} that ${s.pid} is on ${c.to}` });
  report(m, s, c, 'committed', answered);
}

/** Undoes what reached the target: its streams come back, its session is dropped; precopied pages are written back. */
function undo(m: SourceHost, s: SourceSession, pcb: Pcb | undefined, c: SourceContext): void {
  const k = m.k;
  m.lazy.residual.delete(s.pid);
  // Fenced as the process is here now (after a fence of its record, one epoch on).
  const fence = pcb ? fenceOf(pcb) : { pid: s.pid, epoch: c.epoch };
  for (const stream of c.moved) k.fs('move', [stream, k.hostId, c.to], { kind: 'ignore', what: `taking back ${stream} from ${c.to}` }, fence);
  k.request(k.subjects.host(c.to, 'abort'), { pid: s.pid }, { kind: 'ignore', what: `abort of ${s.pid} on ${c.to}` });
  if (!pcb || s.precopied.size === 0) return;
  // Pages precopy marked clean were never written out: the backing file must have them.
  const pages = new Map<number, Uint8Array>();
  for (const p of s.precopied) if (pcb.memory.pageState(p) === 'clean') pages.set(p, pcb.memory.pageBytes(p));
  if (pages.size === 0) return;
  pcb.backed = true;
  k.fs('pageOut', [backingFileOf(pcb.pid), pages], { kind: 'ignore', what: `write-back of ${pcb.pid}'s precopied pages` }, fence);
}

/** Whether the target answers this requester itself (see `sendCommit`): a client waiting on a reply subject. */
function answeredByTarget(r: Caller): r is Caller & { kind: 'remote'; replyTo: string } {
  return r.kind === 'remote' && !!r.replyTo;
}

/** The event is the commit's ok answer. */
function isCommitOk(e: unknown): boolean {
  const a = e as SourceEvent;
  return a.type === 'answer' && a.step === 'commit' && a.result.ok;
}

/** The move's record as it stands now. */
function recordOf(k: KernelPort, s: SourceSession, c: SourceContext, outcome: MigrationRecord['outcome']): MigrationRecord {
  const error = outcome === 'aborted' ? (c.error ?? { code: ErrorCode.EIO, message: 'aborted' }) : null;
  const now = k.now();
  return {
    pid: s.pid,
    from: k.hostId,
    to: c.to,
    strategy: c.strategy,
    outcome,
    ...(error ? { error } : {}),
    freezeMs: c.record.frozenAt > 0 ? hundredths(now - c.record.frozenAt) : 0,
    totalMs: hundredths(now - c.record.startedAt),
    bytes: c.record.bytes,
    pages: c.record.pages,
    precopyRounds: c.rounds,
    streams: c.moved.length,
    residual: outcome === 'committed' && c.strategy === 'lazy' ? [k.hostId] : [],
  };
}

/**
 * The move ended: messages held for the process go on, the record goes out, the requester is
 * answered (unless the target did: `answered`; a second answer would be harmless, but costs).
 */
function report(m: SourceHost, s: SourceSession, c: SourceContext, outcome: MigrationRecord['outcome'], answered = false): void {
  const k = m.k;
  k.moveEnded(s.pid);
  const record = recordOf(k, s, c, outcome);
  k.event('proc.migrated', record);
  m.sessionEnded(s.pid, outcome);
  k.log(outcome === 'committed' ? 'info' : 'warn', `migration of ${s.pid} to ${c.to} ${outcome}${record.error ? `: ${record.error.message}` : ''}`, { pid: s.pid });
  if (!answered) k.answer(s.requester, { ok: true, value: record });
}

/** The backing file of a process's address space (Sprite's swap file), on the file servers. */
export function backingFileOf(pid: string): string {
  return `/.wisp/swap/${pid}`;
}

import {
  ErrorCode,
  PROTOCOL_VERSION,
  homeOf,
  type MigrateRequest,
  type MigrationRecord,
  type OfferRequest,
  type ProcessImage,
  type Strategy,
  type WireError,
} from '@wisp/protocol';
import type { AnyStateMachine } from 'xstate';
import type { Answer, Caller, Continuation } from '../caller.js';
import type { Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';
import { MachineDriver, type MachineAction } from './machineDriver.js';
import { participants } from './participants.js';
import { sourceMachine } from './sourceMachine.js';
import { targetMachine } from './targetMachine.js';

/** Pages per `pages` message: 192 × 4 KiB stays well inside a 1 MiB `max_payload`. */
const PAGES_PER_MESSAGE = 192;
/** Background-pull requests in flight per lazily moved process. */
const PULL_IN_FLIGHT = 4;
/** Commit is retried this often when the target does not answer (it may have it already). */
const COMMIT_TRIES = 3;
/** A target drops what it received when no commit comes in this time. */
const TARGET_TIMEOUT_MS = 30_000;
/** How long a source remembers where a process went, to tell stragglers to try again. */
const MOVED_MEMORY_MS = 60_000;

/** The steps whose answers come back to the migrator. */
export type MigrationStep = 'offer' | 'pages' | 'flush' | 'move' | 'transfer' | 'commit' | 'fetch' | 'pull' | 'owed';

interface SourceSession {
  driver: MachineDriver;
  pid: string;
  to: string;
  strategy: Strategy;
  requester: Caller;
  startedAt: number;
  frozenAt: number;
  /** Answers still awaited in the current multi-part step. */
  waiting: number;
  stepError: WireError | null;
  bytes: number;
  pages: number;
  rounds: number;
  /** Pages the current precopy round sends. */
  roundPages: number;
  /** Streams handed to the target (moved back on abort). */
  moved: string[];
  /** Pages precopy took (marked clean) without writing them to the backing file. */
  precopied: Set<number>;
  commitTries: number;
  /**
   * The commit went right behind the image (see {@link sendImage}); its answer, once final,
   * decides the outcome. `transferError` keeps why the image was refused, the better reason.
   */
  commitAnswer: Answer | null;
  transferError: WireError | null;
  /** The target answered the image ok: from then on it may have been told to run it. */
  transferred: boolean;
  /** A `pageOut` of the process's own frames (not copies) is in flight: it must not run until it ends. */
  flushInFlight: boolean;
  /** The participants' images, taken once the process is frozen and flushed. */
  image: ProcessImage | null;
  /** What the target is offered (sent alone, or with the image: see offerRidesWithImage). */
  offer: OfferRequest | null;
}

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

interface TargetSession {
  driver: MachineDriver;
  pid: string;
  from: string;
  strategy: Strategy;
  pages: Map<number, Uint8Array>;
  image: ProcessImage | null;
  pcb: Pcb | null;
  timer: string;
}

/**
 * Migration of running processes (DESIGN §5), both sides, driving the pure source and target
 * machines and performing their steps against the kernel through a {@link KernelPort}. Each
 * step's rule for failure: before commit, abort and resume on the source; once committed, the
 * process lives on the target.
 */
export class Migrator {
  private readonly sources = new Map<string, SourceSession>();
  private readonly targets = new Map<string, TargetSession>();
  /** Processes that left: pid → the host they went to, and until when to remember it. */
  private readonly moved = new Map<string, { to: string; until: number }>();
  /** Address spaces kept for processes that left lazily, until their target has every page. */
  private readonly residual = new Map<string, Pcb['memory']>();
  /** Processes that arrived here (committed), and until when a repeated commit is answered ok. */
  private readonly arrived = new Map<string, number>();
  /** Processes whose migration aborted while a flush of their frames was in flight: thawed when it ends. */
  private readonly thawAfterFlush = new Set<string>();
  /** Processes that arrived here lazily and still depend on their source. */
  private readonly arrivals = new Map<string, LazyArrival>();

  /** Evictions under way: who asked, when, and the pids still leaving. */
  private readonly evictions: Array<{ caller: Caller; startedAt: number; left: Set<string>; moved: string[]; stayed: string[] }> = [];

  /** The protocol machines sessions run; a model checker's tests may plant a buggy copy (`plantMachines`). */
  machines: { source: AnyStateMachine; target: AnyStateMachine } = { source: sourceMachine, target: targetMachine };

  constructor(private readonly k: KernelPort) {}

  /**
   * `evict`: every foreign process here goes home, each as a normal migration (DESIGN §7).
   * Answered once the last one has left (or stayed, its migration aborted), with the time it took.
   */
  evict(strategy: Strategy, caller: Caller): void {
    const foreign = [...this.k.procs.values()].filter((p) => p.home !== this.k.hostId && p.alive && !this.sources.has(p.pid));
    const e = { caller, startedAt: this.k.now(), left: new Set(foreign.map((p) => p.pid)), moved: [] as string[], stayed: [] as string[] };
    this.k.event('host.evicting', { host: this.k.hostId, pids: [...e.left] });
    if (e.left.size === 0) return this.evicted(e);
    this.evictions.push(e);
    for (const p of foreign) {
      this.migrate({ pid: p.pid, to: p.home, strategy }, { kind: 'remote', replyTo: null });
      // Refused before a session began (busy paging): it stays.
      if (!this.sources.has(p.pid) && e.left.delete(p.pid)) e.stayed.push(p.pid);
    }
    if (e.left.size === 0 && this.evictions.includes(e)) {
      this.evictions.splice(this.evictions.indexOf(e), 1);
      this.evicted(e);
    }
  }

  private evicted(e: (typeof this.evictions)[number]): void {
    const ms = hundredths(this.k.now() - e.startedAt);
    this.k.event('host.evicted', { host: this.k.hostId, moved: e.moved, stayed: e.stayed, ms });
    this.k.answer(e.caller, { ok: true, value: { moved: e.moved, stayed: e.stayed, ms } });
  }

  /**
   * Whether messages and signals for `pid` (running here) can be taken now: yes until its
   * image is taken for the target (they travel in it); then the sender must try again.
   */
  takesMessages(pid: string): boolean {
    const s = this.sources.get(pid);
    return !s || s.image === null;
  }

  /** Where `pid` went, if it left this host recently. */
  movedTo(pid: string): string | undefined {
    const m = this.moved.get(pid);
    if (m && m.until < this.k.now()) this.moved.delete(pid);
    return this.moved.get(pid)?.to;
  }

  /** Hosts a process running here still depends on (the source of a lazy move). */
  residualOf(pcb: Pcb): string[] {
    return pcb.lazyFrom ? [pcb.lazyFrom] : [];
  }

  // ── source side ────────────────────────────────────────────────────────────

  /** `migrate`: move a process running here to `req.to`. */
  migrate(req: MigrateRequest, caller: Caller): void {
    const pcb = this.k.procs.get(req.pid);
    if (!pcb) return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `no process ${req.pid} on ${this.k.hostId}`));
    if (req.to === this.k.hostId) return this.k.answer(caller, this.k.fail(ErrorCode.EINVAL, `${req.pid} already runs on ${req.to}`));
    // (Also while an aborted move's flush of its frames is in flight: that answer is not this move's.)
    if (this.sources.has(req.pid) || this.thawAfterFlush.has(req.pid) || pcb.faulting) return this.k.answer(caller, this.k.fail(ErrorCode.EBUSY, `${req.pid} is busy moving or paging`));
    const strategy = req.strategy ?? 'flush';
    const s: SourceSession = {
      driver: new MachineDriver(this.machines.source, `migrate-${req.pid}`, { pid: req.pid, to: req.to, strategy }),
      pid: req.pid,
      to: req.to,
      strategy,
      requester: caller,
      startedAt: this.k.now(),
      frozenAt: 0,
      waiting: 0,
      stepError: null,
      bytes: 0,
      pages: 0,
      rounds: 0,
      roundPages: 0,
      moved: [],
      precopied: new Set(),
      commitTries: 0,
      commitAnswer: null,
      transferError: null,
      transferred: false,
      flushInFlight: false,
      image: null,
      offer: null,
    };
    this.sources.set(req.pid, s);
    this.k.event('proc.migrating', { pid: req.pid, from: this.k.hostId, to: req.to, strategy });
    this.performSource(s, s.driver.start());
  }

  /** A call of a frozen process finished: maybe it can move now. */
  callDone(pcb: Pcb): void {
    const s = this.sources.get(pcb.pid);
    if (s && s.driver.state === 'freezing' && this.k.quickCallsOpen(pcb) === 0) this.sendSource(s, { type: 'frozen' });
  }

  /** Forgets the backing file of a process that exited. */
  dropBacking(pid: string): void {
    this.k.fs('dropPages', [backingFileOf(pid)], { kind: 'ignore', what: `removing the backing file of ${pid}` });
  }

  /** A process ended (exit, kill) while leaving: the migration aborts with it. */
  ended(pid: string): void {
    this.arrivals.delete(pid);
    const s = this.sources.get(pid);
    if (s && !s.driver.done) this.sendSource(s, { type: 'failed', error: { code: ErrorCode.ESRCH, message: `${pid} exited while migrating` } });
  }

  private sendSource(s: SourceSession, event: Parameters<MachineDriver['send']>[0]): void {
    this.performSource(s, s.driver.send(event));
  }

  private performSource(s: SourceSession, actions: MachineAction[]): void {
    for (const a of actions) {
      const pcb = this.k.procs.get(s.pid);
      switch (a.type) {
        case 'offer': {
          if (!pcb) return this.sendSource(s, { type: 'failed', error: { code: ErrorCode.ESRCH, message: `${s.pid} is gone` } });
          s.offer = { protocol: PROTOCOL_VERSION, pid: s.pid, from: this.k.hostId, program: pcb.program.name, version: pcb.program.version, strategy: s.strategy };
          // Flush and lazy send nothing to the target before the image: the offer rides with it
          // (one request fewer). Copy and precopy push pages first, which need the session.
          if (!offerRidesWithImage(s.strategy)) this.k.request(this.k.subjects.host(s.to, 'offer'), s.offer, this.step(s, 'offer'));
          // Freeze and flush while the offer is answered (not for precopy: see the machine).
          if (s.strategy !== 'precopy') this.sendSource(s, { type: 'offerSent' });
          break;
        }
        case 'precopyRound': {
          s.rounds++;
          const dirty = pcb!.memory.takeDirty();
          s.roundPages = dirty.length;
          this.sendPages(s, pcb!, dirty, true);
          break;
        }
        case 'freeze':
          this.k.freeze(pcb!);
          s.frozenAt = this.k.now();
          if (this.k.quickCallsOpen(pcb!) === 0) this.sendSource(s, { type: 'frozen' });
          break;
        case 'flush':
          // A process that came here lazily brings in what its last source still owes first:
          // residual dependencies never chain.
          if (pcb!.lazyFrom && pcb!.memory.owedCount > 0) this.pullOwed(s, pcb!);
          else this.flush(s, pcb!);
          break;
        case 'transfer':
          this.startTransfer(s, pcb!);
          break;
        case 'commit':
          // Sent with the image already; the machine gets here only once its answer came.
          this.commitSettled(s);
          break;
        case 'finish':
          this.finish(s, pcb!);
          break;
        case 'thaw':
          this.thaw(s, pcb);
          break;
      }
    }
  }

  private pullOwed(s: SourceSession, pcb: Pcb): void {
    const owed = pcb.memory.owedPages();
    s.waiting = Math.ceil(owed.length / PAGES_PER_MESSAGE);
    for (let i = 0; i < owed.length; i += PAGES_PER_MESSAGE) {
      this.k.request(this.k.subjects.host(pcb.lazyFrom!, 'fetch'), { pid: pcb.pid, pages: owed.slice(i, i + PAGES_PER_MESSAGE) }, this.step(s, 'owed'), { framedReply: true });
    }
  }

  /** The per-strategy flush: write dirty pages out (`flush`) or send the last ones (`precopy`). */
  private flush(s: SourceSession, pcb: Pcb): void {
    if (s.strategy === 'flush') {
      const dirty = pcb.memory.takeDirty();
      if (dirty.length === 0) return this.sendSource(s, { type: 'flushed' });
      // The frames themselves, not copies: the process stays frozen until the pageOut ends,
      // even if the migration aborts meanwhile (see thaw).
      const pages = new Map<number, Uint8Array>();
      for (const p of dirty) pages.set(p, pcb.memory.pageView(p));
      s.bytes += dirty.length * pcb.memory.pageSize;
      s.pages += dirty.length;
      pcb.backed = true;
      s.waiting = 1;
      s.flushInFlight = true;
      this.k.fs('pageOut', [backingFileOf(pcb.pid), pages], this.step(s, 'flush'));
      return;
    }
    if (s.strategy === 'precopy') return this.sendPages(s, pcb, pcb.memory.takeDirty(), true);
    this.sendSource(s, { type: 'flushed' });
  }

  /** Sends pages to the target in `pages` messages; the step ends when all are acknowledged. */
  private sendPages(s: SourceSession, pcb: Pcb, pages: number[], precopy: boolean): void {
    s.waiting = Math.ceil(pages.length / PAGES_PER_MESSAGE);
    if (s.waiting === 0) return this.pagesSent(s, 0);
    for (let i = 0; i < pages.length; i += PAGES_PER_MESSAGE) {
      const batch = pages.slice(i, i + PAGES_PER_MESSAGE);
      if (precopy) for (const p of batch) s.precopied.add(p);
      const bytes = [pcb.memory.copyPages(batch)];
      s.bytes += batch.length * pcb.memory.pageSize;
      s.pages += batch.length;
      this.k.request(this.k.subjects.host(s.to, 'pages'), { pid: s.pid, pages: batch, pageSize: pcb.memory.pageSize }, this.step(s, 'pages'), { bytes });
    }
  }

  private pagesSent(s: SourceSession, count: number): void {
    switch (s.driver.state) {
      case 'precopying':
        return this.sendSource(s, { type: 'roundDone', dirtyPages: count, sentPages: s.roundPages });
      case 'flushing':
        return this.sendSource(s, { type: 'flushed' });
      case 'transferring':
        return this.sendImage(s);
    }
  }

  /** Streams move at the file server; `copy` pages go; then the image. */
  private startTransfer(s: SourceSession, pcb: Pcb): void {
    const streams = [...pcb.fds.values()];
    s.waiting = streams.length;
    if (streams.length === 0) return this.streamsMoved(s, pcb);
    for (const stream of streams) this.k.fs('move', [stream, s.to], { kind: 'migration', pid: s.pid, step: 'move', stream });
  }

  private streamsMoved(s: SourceSession, pcb: Pcb): void {
    if (s.strategy === 'copy') return this.sendPages(s, pcb, pcb.memory.residentPages(), false);
    this.sendImage(s);
  }

  private sendImage(s: SourceSession): void {
    const pcb = this.k.procs.get(s.pid)!;
    const where = s.strategy === 'lazy' ? 'source' : s.strategy === 'flush' ? 'backing' : 'sent';
    s.image = participants.encapsulate(this.k, pcb, { where, backingFile: backingFileOf(s.pid) });
    // Served from now on: the target may fault (or start pulling) before our commit is answered.
    if (s.strategy === 'lazy') this.residual.set(s.pid, pcb.memory);
    const body = offerRidesWithImage(s.strategy) ? { image: s.image, offer: s.offer! } : { image: s.image };
    this.k.request(this.k.subjects.host(s.to, 'transfer'), body, this.step(s, 'transfer'));
    // The commit follows at once instead of a round trip later: the target takes its requests in
    // order, so it commits only an image it holds, and answers ESRCH if the image was refused.
    // Whatever the transfer's answer, the commit's decides: once it is sent, the process resumes
    // here only if the target definitely did not take it (the machine's rule for `failed`).
    this.k.request(this.k.subjects.host(s.to, 'commit'), { pid: s.pid }, this.step(s, 'commit'));
  }

  /** The pipelined commit's final answer is in: tell the machine (prepared, then committed), or abort. */
  private commitSettled(s: SourceSession): void {
    const a = s.commitAnswer;
    if (!a) return;
    if (s.driver.state === 'transferring') {
      if (a.ok) return this.sendSource(s, { type: 'prepared' });
      return this.sendSource(s, { type: 'failed', error: s.transferError ?? a.error });
    }
    if (s.driver.state === 'awaitingCommit') this.sendSource(s, { type: 'committed' });
  }

  private finish(s: SourceSession, pcb: Pcb): void {
    this.sources.delete(s.pid);
    this.moved.set(s.pid, { to: s.to, until: this.k.now() + MOVED_MEMORY_MS });
    this.k.release(pcb);
    // The home is the authority on where its processes run.
    // (A target that is the home updated its record as the process arrived.)
    const home = homeOf(s.pid);
    if (home === this.k.hostId) this.located(s.pid, s.to);
    else if (home !== s.to) this.k.request(this.k.subjects.host(home, 'located'), { pid: s.pid, host: s.to }, { kind: 'ignore', what: `telling ${home} that ${s.pid} is on ${s.to}` });
    this.k.moveEnded(s.pid);
    this.report(s, 'committed', null);
  }

  private thaw(s: SourceSession, pcb: Pcb | undefined): void {
    this.sources.delete(s.pid);
    this.residual.delete(s.pid);
    const error = (s.driver.snapshot.context as { error: WireError | null }).error ?? { code: ErrorCode.EIO, message: 'aborted' };
    // Undo what reached the target: its streams come back, its session is dropped.
    for (const stream of s.moved) this.k.fs('move', [stream, this.k.hostId, s.to], { kind: 'ignore', what: `taking back ${stream} from ${s.to}` });
    this.k.request(this.k.subjects.host(s.to, 'abort'), { pid: s.pid }, { kind: 'ignore', what: `abort of ${s.pid} on ${s.to}` });
    if (pcb) {
      // Pages precopy marked clean were never written out: the backing file must have them.
      if (s.precopied.size > 0) {
        const pages = new Map<number, Uint8Array>();
        for (const p of s.precopied) if (pcb.memory.pageState(p) === 'clean') pages.set(p, pcb.memory.pageBytes(p));
        if (pages.size > 0) {
          pcb.backed = true;
          this.k.fs('pageOut', [backingFileOf(pcb.pid), pages], { kind: 'ignore', what: `write-back of ${pcb.pid}'s precopied pages` });
        }
      }
      if (s.flushInFlight) this.thawAfterFlush.add(s.pid);
      else if (pcb.alive) this.k.thaw(pcb);
    }
    this.k.moveEnded(s.pid);
    this.report(s, 'aborted', error);
  }

  private report(s: SourceSession, outcome: MigrationRecord['outcome'], error: WireError | null): void {
    const now = this.k.now();
    const record: MigrationRecord = {
      pid: s.pid,
      from: this.k.hostId,
      to: s.to,
      strategy: s.strategy,
      outcome,
      ...(error ? { error } : {}),
      freezeMs: s.frozenAt > 0 ? hundredths(now - s.frozenAt) : 0,
      totalMs: hundredths(now - s.startedAt),
      bytes: s.bytes,
      pages: s.pages,
      precopyRounds: s.rounds,
      streams: s.moved.length,
      residual: outcome === 'committed' && s.strategy === 'lazy' ? [this.k.hostId] : [],
    };
    this.k.event('proc.migrated', record);
    for (const e of this.evictions) {
      if (!e.left.delete(s.pid)) continue;
      (outcome === 'committed' ? e.moved : e.stayed).push(s.pid);
      if (e.left.size === 0) {
        this.evictions.splice(this.evictions.indexOf(e), 1);
        this.evicted(e);
      }
      break;
    }
    this.k.log(outcome === 'committed' ? 'info' : 'warn', `migration of ${s.pid} to ${s.to} ${outcome}${error ? `: ${error.message}` : ''}`, { pid: s.pid });
    this.k.answer(s.requester, { ok: true, value: record });
  }

  private step(s: SourceSession, step: MigrationStep): Continuation {
    return { kind: 'migration', pid: s.pid, step };
  }

  /** The answer to one of a session's requests. */
  answered(k: Extract<Continuation, { kind: 'migration' }>, answer: Answer): void {
    if (k.step === 'fetch' || k.step === 'pull') return this.fetched(k, answer);
    if (k.step === 'flush' && this.thawAfterFlush.delete(k.pid)) {
      // Aborted while its frames were being written out: now it may run (and write) again.
      const p = this.k.procs.get(k.pid);
      if (p?.alive) this.k.thaw(p);
    }
    const s = this.sources.get(k.pid);
    if (!s) return;
    if (k.step === 'flush') s.flushInFlight = false;
    const pcb = this.k.procs.get(k.pid);
    if (!answer.ok) {
      if (k.step === 'commit' && answer.error.code === ErrorCode.ETIMEDOUT && ++s.commitTries < COMMIT_TRIES) {
        // The target may have it: ask again (commit is idempotent there) rather than resume here.
        this.k.request(this.k.subjects.host(s.to, 'commit'), { pid: s.pid }, this.step(s, 'commit'));
        return;
      }
      // After a try that timed out, a target that had the image and no longer answers at all
      // may have run the process and crashed since: as unconfirmed as a timeout (found by the
      // model checker: the source resumed and repeated console output the target had produced).
      const unconfirmed = answer.error.code === ErrorCode.ETIMEDOUT || (answer.error.code === ErrorCode.EHOSTUNREACH && s.commitTries > 0 && s.transferred);
      if (k.step === 'commit' && unconfirmed) {
        // Nobody can say whether it runs there: it must not run here too. It is lost with its target.
        this.k.log('error', `commit of ${s.pid} on ${s.to} unconfirmed; the process stays with the target`, { pid: s.pid });
        s.commitAnswer = { ok: true, value: {} };
        return this.commitSettled(s);
      }
      if (k.step === 'commit') {
        s.commitAnswer = answer;
        return this.commitSettled(s);
      }
      if (k.step === 'transfer') {
        // The commit behind it will fail too (the target has no image); its answer decides.
        s.transferError ??= answer.error;
        return;
      }
      if (k.step === 'offer' && s.driver.state !== 'negotiating') {
        // A pipelined offer refused. Once the image and commit are on their way, the commit's
        // answer decides (it fails too: the target has no session); before that, stop now.
        s.transferError = answer.error;
        if (s.driver.state === 'transferring') return;
        return this.sendSource(s, { type: 'failed', error: answer.error });
      }
      if (k.step === 'pages' || k.step === 'move' || k.step === 'flush' || k.step === 'owed') s.stepError ??= answer.error;
      else return this.sendSource(s, answer.error.code === ErrorCode.EREFUSED || answer.error.code === ErrorCode.ENOPROG ? { type: 'refused', error: answer.error } : { type: 'failed', error: answer.error });
    }
    switch (k.step) {
      case 'offer':
        // Pipelined offers (every strategy but precopy) went on without this answer.
        if (s.driver.state === 'negotiating') this.sendSource(s, { type: 'accepted' });
        return;
      case 'move':
        if (answer.ok) s.moved.push(k.stream!);
        if (--s.waiting > 0) return;
        if (s.stepError) return this.sendSource(s, { type: 'failed', error: s.stepError });
        return this.streamsMoved(s, pcb!);
      case 'pages':
      case 'flush': {
        if (--s.waiting > 0) return;
        if (s.stepError) return this.sendSource(s, { type: 'failed', error: s.stepError });
        if (k.step === 'flush') return this.sendSource(s, { type: 'flushed' });
        return this.pagesSent(s, pcb ? pcb.memory.dirtyCount : 0);
      }
      case 'owed': {
        if (answer.ok) this.arrivalOf(pcb!).pages += this.install(pcb!, answer);
        if (--s.waiting > 0) return;
        if (s.stepError) return this.sendSource(s, { type: 'failed', error: s.stepError });
        this.released(pcb!);
        return this.flush(s, pcb!);
      }
      case 'transfer':
        // Prepared; the commit's answer (see commitSettled) moves the machine on.
        s.transferred = true;
        return;
      case 'commit':
        s.commitAnswer = answer;
        return this.commitSettled(s);
    }
  }

  // ── target side ────────────────────────────────────────────────────────────

  /** `offer`: the target's checks — program and version here, accepting work, same protocol. */
  offer(req: OfferRequest, caller: Caller, accepting: boolean): void {
    const refused = this.openSession(req, accepting);
    this.k.answer(caller, refused ?? { ok: true, value: {} });
  }

  /** The offer's checks; on success a target session waits for the image. Returns the refusal, if any. */
  private openSession(req: OfferRequest, accepting: boolean): Answer | null {
    if (req.protocol !== PROTOCOL_VERSION) return this.k.fail(ErrorCode.EREFUSED, `protocol ${req.protocol} != ${PROTOCOL_VERSION}`);
    if (!accepting) return this.k.fail(ErrorCode.EREFUSED, `host ${this.k.hostId} does not accept foreign processes`);
    if (!this.k.registry.get(req.program, req.version)) return this.k.fail(ErrorCode.ENOPROG, `host ${this.k.hostId} has no program ${req.program}@${req.version}`);
    if (this.k.procs.has(req.pid) || this.targets.has(req.pid)) return this.k.fail(ErrorCode.EBUSY, `${req.pid} is already here`);
    const timer = this.k.armSessionTimer(req.pid, TARGET_TIMEOUT_MS);
    this.targets.set(req.pid, {
      driver: new MachineDriver(this.machines.target, `arrive-${req.pid}`, { pid: req.pid, from: req.from }),
      pid: req.pid,
      from: req.from,
      strategy: req.strategy,
      pages: new Map(),
      image: null,
      pcb: null,
      timer,
    });
    return null;
  }

  /** `pages`: pages pushed ahead of the image (`copy`, `precopy`); a later copy of a page wins. */
  pages(meta: { pid: string; pages: number[]; pageSize: number }, bytes: Uint8Array, caller: Caller): void {
    const t = this.targets.get(meta.pid);
    if (!t || t.image) return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `no migration of ${meta.pid} is arriving here`));
    if (bytes.length !== meta.pages.length * meta.pageSize) return this.k.answer(caller, this.k.fail(ErrorCode.EINVAL, `${bytes.length} bytes for ${meta.pages.length} pages of ${meta.pageSize}`));
    // One copy of the message (its buffer is not ours to keep); the pages are views into it.
    const copy = bytes.slice();
    meta.pages.forEach((p, i) => t.pages.set(p, copy.subarray(i * meta.pageSize, (i + 1) * meta.pageSize)));
    // The first pages: the target is receiving (an observable point inside the transfer).
    if (t.driver.state === 'offered') this.k.event('proc.receiving', { pid: meta.pid, from: t.from, host: this.k.hostId, strategy: t.strategy });
    this.performTarget(t, t.driver.send({ type: 'pages' }));
    this.k.answer(caller, { ok: true, value: {} });
  }

  /** `transfer`: the image (with the offer, for flush and lazy); the PCB is built and held until commit. */
  transfer(image: ProcessImage, caller: Caller, offered?: { offer: OfferRequest; accepting: boolean }): void {
    if (offered) {
      if (offered.offer.pid !== image.pid) return this.k.answer(caller, this.k.fail(ErrorCode.EINVAL, `offer of ${offered.offer.pid} with the image of ${image.pid}`));
      const refused = this.openSession(offered.offer, offered.accepting);
      if (refused) return this.k.answer(caller, refused);
    }
    const t = this.targets.get(image.pid);
    if (!t || t.image) return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `no migration of ${image.pid} is arriving here`));
    t.image = image;
    try {
      this.performTarget(t, t.driver.send({ type: 'transfer' }));
    } catch (err) {
      this.dropTarget(t);
      return this.k.answer(caller, this.k.fail(ErrorCode.EINVAL, `cannot rebuild ${image.pid}: ${(err as Error).message}`));
    }
    this.k.answer(caller, { ok: true, value: {} });
  }

  /** `commit`: run it here. Answered again if the source asks twice. */
  commit(pid: string, caller: Caller): void {
    const t = this.targets.get(pid);
    if (!t) {
      const pcb = this.k.procs.get(pid);
      // A repeated commit of a process that already runs here — or that arrived here and has
      // since exited or moved on: the source must not resume it (found by the model checker).
      const arrived = this.arrived.get(pid);
      // (A frozen process this host is itself moving away is not one that arrived.)
      if ((pcb && !this.sources.has(pid)) || (arrived !== undefined && arrived >= this.k.now())) return this.k.answer(caller, { ok: true, value: {} });
      return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `no migration of ${pid} is waiting here`));
    }
    if (!t.pcb) return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `${pid} has no image here yet`));
    // Resumed (and subscribed to its subject) before the answer, so no message to the pid finds
    // nobody once the source lets go; the lazy pull starts after it, so the source reads the
    // answer that ends its freeze before it serves the pull's first requests.
    this.performTarget(t, t.driver.send({ type: 'commit' }));
    this.k.answer(caller, { ok: true, value: {} });
    if (t.strategy === 'lazy' && t.pcb) this.pull(t.pcb);
  }

  /** `abort`, or the target's timeout: forget the session. */
  abort(pid: string, caller: Caller | null): void {
    const t = this.targets.get(pid);
    if (t) this.performTarget(t, t.driver.send({ type: caller ? 'abort' : 'timeout' }));
    if (caller) this.k.answer(caller, { ok: true, value: {} });
  }

  private performTarget(t: TargetSession, actions: MachineAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'install':
          t.pcb = this.k.rebuild(t.image!);
          // The received pages are this host's own copies already (see pages): kept as frames.
          for (const [p, b] of t.pages) t.pcb.memory.adoptFrame(p, b, true);
          t.pages.clear();
          if (t.strategy === 'lazy') t.pcb.lazyFrom = t.from;
          break;
        case 'resume':
          this.arrived.set(t.pid, this.k.now() + MOVED_MEMORY_MS);
          this.targets.delete(t.pid);
          this.k.disarmSessionTimer(t.timer);
          this.k.adopt(t.pcb!, t.image!);
          if (homeOf(t.pid) === this.k.hostId) this.located(t.pid, this.k.hostId);
          this.k.event('proc.arrived', { pid: t.pid, from: t.from, host: this.k.hostId, strategy: t.strategy });
          if (t.strategy === 'lazy') this.arrivalOf(t.pcb!);
          break;
        case 'drop':
          this.dropTarget(t);
          break;
      }
    }
  }

  private dropTarget(t: TargetSession): void {
    this.targets.delete(t.pid);
    this.k.disarmSessionTimer(t.timer);
  }

  // ── paging across hosts (lazy) ─────────────────────────────────────────────

  /** `fetch`: pages of a process that left this host lazily, as a framed reply. */
  fetch(req: { pid: string; pages: number[] }, caller: Caller): void {
    const space = this.residual.get(req.pid);
    if (!space) return this.k.answer(caller, this.k.fail(ErrorCode.ESRCH, `no pages of ${req.pid} are kept here`));
    const bytes = [space.copyPages(req.pages)];
    this.k.answer(caller, { ok: true, value: { pid: req.pid, pages: req.pages, pageSize: space.pageSize }, bytes } as Answer);
  }

  /** `release`: the target has every page; the residual dependency ends. */
  release(pid: string, caller: Caller): void {
    this.residual.delete(pid);
    this.k.answer(caller, { ok: true, value: {} });
  }

  private arrivalOf(pcb: Pcb): LazyArrival {
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
  private pull(pcb: Pcb): void {
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

  private fetched(k: Extract<Continuation, { kind: 'migration' }>, answer: Answer): void {
    const pcb = this.k.procs.get(k.pid);
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
      this.k.log('error', `pages of ${k.pid} from ${pcb.lazyFrom}: ${answer.error.message}`, { pid: k.pid });
      if (k.step === 'fetch') a.fetchError ??= answer.error;
      else a.pullFailed = true;
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
      return this.k.pagesFailed(pcb, error);
    }
    this.k.pagesIn(pcb);
    // The fault may have brought the last owed pages.
    if (pcb.lazyFrom && a.pulling === 0 && pcb.memory.owedCount === 0) this.released(pcb);
  }

  /** Installs pages of a framed `fetch` answer that are still absent here; returns how many pages it carried. */
  private install(pcb: Pcb, answer: Answer): number {
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
  private released(pcb: Pcb): void {
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

  /** `located`: this home learns where its process runs now. */
  located(pid: string, host: string): void {
    const rec = this.k.home.records.get(pid);
    if (rec && rec.state !== 'exited') rec.host = host;
  }
}

/** Ms to 0.01 ms: what a migration record reports (the clock may read finer). */
function hundredths(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Whether `strategy` sends the offer with the image (nothing goes to the target before it). */
function offerRidesWithImage(strategy: Strategy): boolean {
  return strategy === 'flush' || strategy === 'lazy';
}

/** The backing file of a process's address space (Sprite's swap file), on the file servers. */
export function backingFileOf(pid: string): string {
  return `/.wisp/swap/${pid}`;
}

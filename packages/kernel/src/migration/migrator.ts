import { ErrorCode, type CommitRequest, type MigrateRequest, type MigrationRecord, type OfferRequest, type ProcessImage, type Strategy } from '@wisp/protocol';
import type { AnyStateMachine } from 'xstate';
import { failure, type Answer, type Caller, type Continuation } from '../caller.js';
import { fenceOf } from '../fileFence.js';
import type { Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';
import { LazyPages, hundredths } from './lazyPages.js';
import { MachineDriver, type MachineAction } from './machineDriver.js';
import { sourceMachine, type SourceEvent, type SourceInput, type SourceStep } from './sourceMachine.js';
import { backingFileOf, frozen, noteProgress, performSource, type SourceHost, type SourceSession } from './sourceSide.js';
import { commitBootRefusal, lateCommitRefusal, offerRefusal, targetMachine, type TargetEvent, type TargetInput, type TargetStep } from './targetMachine.js';
import { performTarget, type PageBatch, type TargetHost, type TargetSession } from './targetSide.js';

export { backingFileOf } from './sourceSide.js';

/** The steps whose answers come back to the migrator: a source session's, and lazy paging's. */
export type MigrationStep = SourceStep | TargetStep | 'fetch' | 'pull';

/** A plain-data view of the migrator's sessions, for a model checker. */
export interface MigratorView {
  sources: Array<{ pid: string; to: string; state: string }>;
  targets: Array<{ pid: string; from: string; state: string; hasImage: boolean }>;
  /** Pids frozen only until a flush of their frames, left in flight by an aborted move, ends. */
  thawing: string[];
}

/**
 * Migration of running processes (DESIGN §5), both sides: a driver of the pure source and
 * target machines, which hold every rule of the protocol. The migrator turns requests and
 * answers into machine events, performs the effects the machines name (sourceSide.ts,
 * targetSide.ts) and feeds their results back; the participant table takes and rebuilds the
 * image. What outlives a session stays in small tables: where processes went, which arrived,
 * and lazy moves' residual dependencies (lazyPages.ts).
 */
export class Migrator implements SourceHost, TargetHost {
  private readonly sources = new Map<string, SourceSession>();
  private readonly targets = new Map<string, TargetSession>();
  /** Processes that left: pid → the host they went to, and until when to remember it. */
  readonly departed = new Map<string, { to: string; until: number }>();
  /** Processes that arrived here (committed), and until when a repeated commit is answered ok. */
  readonly arrived = new Map<string, number>();
  readonly lazy: LazyPages;
  /** Evictions under way: who asked, when, and the pids still leaving. */
  private readonly evictions: Array<{ caller: Caller; startedAt: number; left: Set<string>; moved: string[]; stayed: string[] }> = [];

  /** The protocol machines sessions run; a model checker's tests may plant a buggy copy (`KernelConfig.machines`). */
  machines: { source: AnyStateMachine; target: AnyStateMachine } = { source: sourceMachine, target: targetMachine };

  constructor(public k: KernelPort) {
    this.lazy = new LazyPages(this);
  }

  /** Evictions of processes waiting for their directory record (see {@link recordOpened}), by pid. */
  private readonly awaitingRecord = new Map<string, Strategy>();

  /** `pid`'s directory record is written: an eviction waiting for it goes on. */
  recordOpened(pid: string): void {
    const strategy = this.awaitingRecord.get(pid);
    if (strategy === undefined) return;
    this.awaitingRecord.delete(pid);
    const p = this.k.process(pid);
    if (!p || !this.begin({ pid, to: p.home, strategy }, { kind: 'remote', replyTo: null })) this.sessionEnded(pid, 'aborted');
  }

  /** The sessions as plain data (see {@link MigratorView}). */
  view(): MigratorView {
    const sources = [...this.sources.values()];
    return {
      sources: sources.map((s) => ({ pid: s.pid, to: (s.driver.snapshot.context as { to: string }).to, state: s.driver.state })),
      targets: [...this.targets.values()].map((t) => ({ pid: t.pid, from: (t.driver.snapshot.context as TargetInput).from, state: t.driver.state, hasImage: t.image !== null })),
      thawing: sources.filter((s) => s.driver.state === 'abortedMidFlush').map((s) => s.pid),
    };
  }

  /** After a structural copy of its kernel: the port and the sessions' action collectors point at the copy. */
  rebind(k: KernelPort, rebindPcb: (pcb: Pcb) => void): void {
    this.k = k;
    for (const s of this.sources.values()) s.driver.rebind();
    for (const t of this.targets.values()) {
      t.driver.rebind();
      if (t.pcb) rebindPcb(t.pcb);
    }
  }

  /**
   * `evict`: every foreign process here goes home, each as a normal migration (DESIGN §7).
   * Answered once the last one has left (or stayed, its migration aborted), with the time it took.
   */
  evict(strategy: Strategy, caller: Caller): void {
    const foreign = this.k.foreign().filter((p) => !this.leaving(p.pid));
    const e = { caller, startedAt: this.k.now(), left: new Set(foreign.map((p) => p.pid)), moved: [] as string[], stayed: [] as string[] };
    this.k.event('host.evicting', { host: this.k.hostId, pids: [...e.left] });
    if (e.left.size === 0) return this.evicted(e);
    this.evictions.push(e);
    for (const p of foreign) {
      // Just started, its directory record not yet written: it goes once the record is there.
      if (p.dir.revision === 0) {
        this.awaitingRecord.set(p.pid, strategy);
        continue;
      }
      // Refused before a session began (busy paging, or an aborted move's flush in flight): it stays.
      if (!this.begin({ pid: p.pid, to: p.home, strategy }, { kind: 'remote', replyTo: null }) && e.left.delete(p.pid)) e.stayed.push(p.pid);
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

  /** @internal A source session ended (its record went out): an eviction waiting for it may be answered. */
  sessionEnded(pid: string, outcome: MigrationRecord['outcome']): void {
    for (const e of this.evictions) {
      if (!e.left.delete(pid)) continue;
      (outcome === 'committed' ? e.moved : e.stayed).push(pid);
      if (e.left.size === 0) {
        this.evictions.splice(this.evictions.indexOf(e), 1);
        this.evicted(e);
      }
      break;
    }
  }

  /**
   * Whether messages and signals for `pid` (running here) can be taken now: yes until its
   * image is taken for the target (they travel in it); then the sender must try again.
   */
  takesMessages(pid: string): boolean {
    const s = this.sources.get(pid);
    return !s || !s.driver.hasTag('imageTaken');
  }

  /** Whether a move of `pid` away from here is under way, an aborted one's flush included: hands off its pages. */
  hasSession(pid: string): boolean {
    return this.sources.has(pid);
  }

  /** Whether `pid` is moving away (a session that has not ended). */
  private leaving(pid: string): boolean {
    const s = this.sources.get(pid);
    return s !== undefined && s.driver.state !== 'abortedMidFlush';
  }

  /** Where `pid` went, if it left this host recently. */
  movedTo(pid: string): string | undefined {
    const m = this.departed.get(pid);
    if (m && m.until < this.k.now()) this.departed.delete(pid);
    return this.departed.get(pid)?.to;
  }

  /** Hosts a process running here still depends on (the source of a lazy move). */
  residualOf(pcb: Pcb): string[] {
    return pcb.lazyFrom ? [pcb.lazyFrom] : [];
  }

  // ── source side ────────────────────────────────────────────────────────────

  /** `migrate`: move a process running here to `req.to`. */
  migrate(req: MigrateRequest, caller: Caller): void {
    this.begin(req, caller);
  }

  /** Starts a source session; false if the move was refused before one began. */
  private begin(req: MigrateRequest, caller: Caller): boolean {
    const pcb = this.k.process(req.pid);
    const refuse = (code: ErrorCode, message: string) => (this.k.answer(caller, failure(code, message)), false);
    if (!pcb) return refuse(ErrorCode.ESRCH, `no process ${req.pid} on ${this.k.hostId}`);
    if (req.to === this.k.hostId) return refuse(ErrorCode.EINVAL, `${req.pid} already runs on ${req.to}`);
    // (Also while an aborted move's flush of its frames is in flight: that answer is not this move's.)
    if (this.sources.has(req.pid) || pcb.faulting) return refuse(ErrorCode.EBUSY, `${req.pid} is busy moving or paging`);
    // Its directory record is the commit point of every move: none can begin before it exists.
    if (pcb.dir.revision === 0) return refuse(ErrorCode.EAGAIN, `${req.pid} is not in the process directory yet; try again`);
    if (pcb.suspended) return refuse(ErrorCode.EAGAIN, `${req.pid} is suspended until ${this.k.hostId} holds its lease again`);
    const strategy = req.strategy ?? 'flush';
    const k = this.k;
    const input: SourceInput = { pid: req.pid, to: req.to, strategy, owesPages: pcb.lazyFrom !== undefined && pcb.memory.owedCount > 0, now: k.now(), host: k.hostId, boot: k.boot, ...pcb.dir };
    const s: SourceSession = { driver: new MachineDriver(this.machines.source, `migrate-${req.pid}`, input, `${strategy} ${input.owesPages}`), pid: req.pid, requester: caller, offer: null, image: null, precopied: new Set() };
    this.sources.set(req.pid, s);
    this.k.event('proc.migrating', { pid: req.pid, from: this.k.hostId, to: req.to, strategy });
    this.runSource(s, s.driver.start());
    return true;
  }

  /** A call of a frozen process finished: maybe it can move now. */
  callDone(pcb: Pcb): void {
    const s = this.sources.get(pcb.pid);
    if (s && s.driver.state === 'freezing' && this.k.quiesced(pcb)) this.feedSource(s, frozen(this.k, pcb));
  }

  /** Forgets the backing file of a process that exited (fenced: a stale copy's late drop is refused). */
  dropBacking(pcb: Pcb): void {
    this.k.fs('dropPages', [backingFileOf(pcb.pid)], { kind: 'ignore', what: `removing the backing file of ${pcb.pid}` }, fenceOf(pcb));
  }

  /** A process ended (exit, kill) while leaving: the migration aborts with it. */
  ended(pid: string): void {
    this.lazy.arrivals.delete(pid);
    if (this.awaitingRecord.delete(pid)) this.sessionEnded(pid, 'aborted');
    const s = this.sources.get(pid);
    if (s) this.feedSource(s, { type: 'failed', error: { code: ErrorCode.ESRCH, message: `${pid} exited while migrating` } });
  }

  /** The answer to one of a session's requests: one event for its machine. */
  answered(k: Extract<Continuation, { kind: 'migration' }>, answer: Answer): void {
    if (k.step === 'fetch' || k.step === 'pull') return this.lazy.fetched(k, answer);
    if (k.step === 'claim' || k.step === 'recheck') {
      const t = this.targets.get(k.pid);
      return t ? this.feedTarget(t, { type: 'answer', step: k.step, result: answer }) : undefined;
    }
    const s = this.sources.get(k.pid);
    if (s) noteProgress(this.k, s, k.step, answer);
    if (s) this.feedSource(s, { type: 'answer', step: k.step, ...(k.stream ? { stream: k.stream } : {}), result: answer });
  }

  /** A session's pause before it reads the directory again is over. */
  retry(pid: string, side: 'source' | 'target'): void {
    const session = side === 'source' ? this.sources.get(pid) : this.targets.get(pid);
    if (!session) return;
    if (side === 'source') this.feedSource(session as SourceSession, { type: 'retry' });
    else this.feedTarget(session as TargetSession, { type: 'retry' });
  }

  private feedSource(s: SourceSession, event: SourceEvent): void {
    const actions = s.driver.send(event);
    if (s.driver.done) this.sources.delete(s.pid);
    this.runSource(s, actions);
  }

  /**
   * Performs a batch of effects in order, then feeds back the results they had at once. A
   * failure ends the batch: what follows it in the batch depended on it.
   */
  private runSource(s: SourceSession, actions: MachineAction[]): void {
    let results: SourceEvent[] | undefined;
    for (const a of actions) {
      const r = performSource(this, s, a);
      if (!r) continue;
      (results ??= []).push(r);
      if (r.type === 'failed') break;
    }
    if (results) for (const r of results) this.feedSource(s, r);
  }

  // ── target side ────────────────────────────────────────────────────────────

  /** `offer`: the target's checks; on success a target session waits for the image. */
  offer(req: OfferRequest, caller: Caller, accepting: boolean): void {
    const refused = this.openSession(req, accepting);
    this.k.answer(caller, refused ? { ok: false, error: refused } : { ok: true, value: {} });
  }

  private openSession(req: OfferRequest, accepting: boolean) {
    const refused = offerRefusal(req, { hostId: this.k.hostId, accepting, hasProgram: this.k.hasProgram(req.program, req.version), here: this.k.process(req.pid) !== undefined || this.targets.has(req.pid) });
    if (refused) return refused;
    const input: TargetInput = { pid: req.pid, from: req.from, strategy: req.strategy, host: this.k.hostId, boot: this.k.boot };
    const t: TargetSession = { driver: new MachineDriver(this.machines.target, `arrive-${req.pid}`, input, req.strategy), pid: req.pid, pages: new Map(), image: null, pcb: null, timer: '' };
    this.targets.set(req.pid, t);
    this.runTarget(t, t.driver.start());
    return null;
  }

  /** `pages`: pages pushed ahead of the image (`copy`, `precopy`). */
  pages(meta: { pid: string; pages: number[]; pageSize: number }, bytes: Uint8Array, caller: Caller): void {
    const t = this.targets.get(meta.pid);
    if (!t) return this.k.answer(caller, failure(ErrorCode.ESRCH, `no migration of ${meta.pid} is arriving here`));
    if (bytes.length !== meta.pages.length * meta.pageSize) return this.k.answer(caller, failure(ErrorCode.EINVAL, `${bytes.length} bytes for ${meta.pages.length} pages of ${meta.pageSize}`));
    const batch: PageBatch = { pages: meta.pages, pageSize: meta.pageSize, bytes };
    this.feedTarget(t, { type: 'pages', caller, batch });
  }

  /** `transfer`: the image (with the offer, for flush and lazy); the PCB is built and held until commit. */
  transfer(image: ProcessImage, caller: Caller, offered?: { offer: OfferRequest; accepting: boolean }): void {
    if (offered) {
      if (offered.offer.pid !== image.pid) return this.k.answer(caller, failure(ErrorCode.EINVAL, `offer of ${offered.offer.pid} with the image of ${image.pid}`));
      const refused = this.openSession(offered.offer, offered.accepting);
      if (refused) return this.k.answer(caller, { ok: false, error: refused });
    }
    const t = this.targets.get(image.pid);
    if (!t) return this.k.answer(caller, failure(ErrorCode.ESRCH, `no migration of ${image.pid} is arriving here`));
    this.feedTarget(t, { type: 'transfer', caller, image });
  }

  /** `commit`: claim it in the directory and run it here. Answered again if the source asks twice. */
  commit(req: CommitRequest, caller: Caller): void {
    const pid = req.pid;
    const restarted = commitBootRefusal(req, { hostId: this.k.hostId, boot: this.k.boot });
    if (restarted) {
      this.k.log('warn', `commit of ${pid} refused: ${restarted.message}`, { pid });
      return this.k.answer(caller, { ok: false, error: restarted });
    }
    const t = this.targets.get(pid);
    if (t) return this.feedTarget(t, req.report ? { type: 'commit', caller, epoch: req.epoch, revision: req.revision, report: req.report, at: this.k.now() } : { type: 'commit', caller, epoch: req.epoch, revision: req.revision });
    const arrived = this.arrived.get(pid);
    const refused = lateCommitRefusal(pid, { runsHere: this.k.process(pid) !== undefined, leavingHere: this.sources.has(pid), arrivedRecently: arrived !== undefined && arrived >= this.k.now() });
    this.k.answer(caller, refused ? { ok: false, error: refused } : { ok: true, value: {} });
  }

  /** `abort`, or the target's timeout (no caller): forget the session. */
  abort(pid: string, caller: Caller | null): void {
    const t = this.targets.get(pid);
    if (t) return this.feedTarget(t, caller ? { type: 'abort', caller } : { type: 'timeout' });
    if (caller) this.k.answer(caller, { ok: true, value: {} });
  }

  private feedTarget(t: TargetSession, event: TargetEvent): void {
    const actions = t.driver.send(event);
    if (t.driver.done) this.targets.delete(t.pid);
    this.runTarget(t, actions);
  }

  private runTarget(t: TargetSession, actions: MachineAction[]): void {
    for (const a of actions) {
      const failed = performTarget(this, t, a);
      if (failed) return this.feedTarget(t, failed);
    }
  }

  // ── paging across hosts (lazy) ─────────────────────────────────────────────

  /** `fetch`: pages of a process that left this host lazily, as a framed reply. */
  fetch(req: { pid: string; pages: number[] }, caller: Caller): void {
    this.lazy.fetch(req, caller);
  }

  /** `release`: the target has every page; the residual dependency ends. */
  release(pid: string, caller: Caller): void {
    this.lazy.release(pid, caller);
  }

  /** A page fault of a lazily moved process: the owed pages come from its source. */
  fetchFromSource(pcb: Pcb, pages: number[]): void {
    this.lazy.fetchFromSource(pcb, pages);
  }

  /** `located`: this home learns where its process runs now. */
  located(pid: string, host: string): void {
    this.k.locate(pid, host);
  }
}

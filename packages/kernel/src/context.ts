import { subjects, type DirectoryOp, type FsFence, type Subjects } from '@wisp/protocol';
import type { ProgramRegistry } from '@wisp/proc';
import { notState, type HasNonState } from '@wisp/vm';
import type { AnyStateMachine } from 'xstate';
import type { Answer, Caller, Continuation } from './caller.js';
import { Cleaner, type CleanerConfig } from './cleaner.js';
import type { Effect, FsOp } from './effects.js';
import { Delivery } from './delivery.js';
import { DirectoryRecords } from './directoryRecords.js';
import { LeaseRule } from './leaseRule.js';
import { FileCalls } from './fileCalls.js';
import { HomeDuties } from './homeDuties.js';
import { HomeTable } from './homeTable.js';
import { KillRouting } from './killRouting.js';
import type { RequestOptions } from './migration/kernelPort.js';
import { Migrator } from './migration/migrator.js';
import type { Pcb, ProcTimer } from './pcb.js';
import { MigrationPort } from './migrationPort.js';
import { Placement } from './placement.js';
import { Processes } from './processes.js';
import { Scheduler } from './scheduler.js';
import { Syscalls } from './syscalls.js';

const NO_OPTIONS: RequestOptions = {};

/** How a kernel is configured. */
export interface KernelConfig {
  /** This host's id. */
  hostId: string;
  /** Cluster name for subjects. */
  cluster?: string;
  /** Programs this host can run. */
  registry: ProgramRegistry;
  /** Timeout of a forwarded call or control request, ms. */
  callTimeoutMs?: number;
  /** Reported by `info` (the runtime applies the skew to `now`). */
  clockSkewMs?: number;
  /** Reported by `info`. */
  osPid?: number;
  /** Reported by `info`. */
  startedAt?: number;
  /** Whether processes from other hosts may migrate here (default true). */
  acceptForeign?: boolean;
  /**
   * This run of the host (a new id at every start): directory records name it beside the host
   * id, so a restarted host never takes a record of its previous run for its own. Default: the host id.
   */
  boot?: string;
  /** Hands out pid numbers (e.g. from a durable counter); default: 1, 2, … from this kernel's start. */
  allocatePid?: () => number;
  /**
   * The protocol machines migration sessions run (the real ones by default): a model checker's
   * tests plant a buggy copy this way to show the checker finds it.
   */
  machines?: { source?: AnyStateMachine; target?: AnyStateMachine };
  /**
   * Internal, for the model checker's tests only: the lease rule to use instead of the real one
   * (a planted copy, see `@wisp/kernel/sim`'s `LeaseRule`), to show the checker finds its bug.
   */
  leaseRule?: new (ctx: KernelContext) => LeaseRule;
  /**
   * The background cleaner, which writes dirty pages of the processes running here to their
   * backing files while they run, so a flush (eviction) has fewer to write. Off unless given
   * (the runtime's `Host` turns it on by default; checker and unit kernels stay without it).
   */
  cleaner?: CleanerConfig | false;
}

/**
 * What every room of the kernel shares: the process table, the home table, the kernel timers,
 * the answers awaited, the effects queued for the world and the clock — with the helpers that
 * send a request, ask the file system, answer a caller and arm a timer — and the rooms
 * themselves, so one can ask another (`k.files.closeInherited(…)`).
 *
 * Plain data plus class instances and no closures: a model checker copies a kernel by copying
 * this object graph, and the copy works on its own state.
 */
export class KernelContext implements HasNonState {
  readonly hostId: string;
  readonly subjects: Subjects;
  readonly config: KernelConfig;
  /** Processes running here. */
  readonly procs = new Map<string, Pcb>();
  /** Processes homed here, wherever they run. */
  readonly home = new HomeTable();
  /** Kernel timers armed, by id: processes' timers, retries, leases, migration sessions. */
  readonly timers = new Map<string, ProcTimer>();
  /** What to do with each answer awaited, by request token (see `dispatch.ts`). */
  readonly pending = new Map<number, Continuation>();
  /** Effects queued since the world last took them. */
  effects: Effect[] = [];
  /** This host's clock as of the event being handled (every event brings it). */
  private readonly clock = { now: 0 };
  private tokenSeq = 0;
  private timerSeq = 0;

  /** Run queue, the atomic step, page faults, processes' own timers. */
  readonly scheduler: Scheduler;
  /** Start, signal, crash and end of the processes running here. */
  readonly processes: Processes;
  /** A process's syscalls, where each is served; the local ones. */
  readonly syscalls: Syscalls;
  /** Messages: delivery, hold while the target moves, retry. */
  readonly delivery: Delivery;
  /** Kills routed through the target's home; signals where it runs. */
  readonly kills: KillRouting;
  /** File calls, streams and fd inheritance at spawn. */
  readonly files: FileCalls;
  /** What a home host does for the processes homed on it. */
  readonly duties: HomeDuties;
  /** Exec-time placement on idle hosts: migd grants and their leases. */
  readonly placement: Placement;
  /** Processes' records in the process directory: opened at start, closed at the end. */
  readonly records: DirectoryRecords;
  /** What a lapsed lease stops, and what runs again once the directory says so. */
  readonly lease: LeaseRule;
  /** The kernel as the migration code sees it. */
  readonly port: MigrationPort;
  /** Migration sessions, both sides. */
  readonly migrator: Migrator;
  /** Background write-back of dirty pages to backing files. */
  readonly cleaner: Cleaner;

  /** This host's clock as of the event being handled, ms. */
  get now(): number {
    return this.clock.now;
  }

  set now(ms: number) {
    this.clock.now = ms;
  }

  /**
   * Not state (a model checker leaves them out of a fingerprint): the effects queue, which the
   * world drains after every event, and the clock reading, which every event brings anew.
   */
  [notState](): readonly object[] {
    return [this.effects, this.clock];
  }

  constructor(config: KernelConfig) {
    this.config = config;
    this.hostId = config.hostId;
    this.subjects = subjects(config.cluster);
    this.scheduler = new Scheduler(this);
    this.processes = new Processes(this);
    this.syscalls = new Syscalls(this);
    this.delivery = new Delivery(this);
    this.kills = new KillRouting(this);
    this.files = new FileCalls(this);
    this.duties = new HomeDuties(this);
    this.placement = new Placement(this);
    this.records = new DirectoryRecords(this);
    this.lease = new (config.leaseRule ?? LeaseRule)(this);
    this.port = new MigrationPort(this);
    this.migrator = new Migrator(this.port);
    this.cleaner = new Cleaner(this, config.cleaner ? config.cleaner : null);
    if (config.machines) {
      const m = this.migrator.machines;
      this.migrator.machines = { source: config.machines.source ?? m.source, target: config.machines.target ?? m.target };
    }
  }

  /** Whether this host takes foreign processes (migration targets check it at the offer). */
  get accepting(): boolean {
    return this.config.acceptForeign !== false;
  }

  /** Timeout of a forwarded call or a control request, ms. */
  get callTimeout(): number {
    return this.config.callTimeoutMs ?? 5000;
  }

  /** Number of processes running here whose home is another host. */
  foreignCount(): number {
    let n = 0;
    for (const p of this.procs.values()) if (p.home !== this.hostId) n++;
    return n;
  }

  /** The next request token (also names a retry waiting for its timer). */
  nextToken(): number {
    return ++this.tokenSeq;
  }

  /** A fresh timer id: `prefix` says whose it is (`t` process, `r` retry, `l` lease, `s` session). */
  nextTimerId(prefix: string): string {
    return `${prefix}${++this.timerSeq}`;
  }

  /** Arms a kernel timer that belongs to no process; returns its id. */
  setTimer(prefix: string, t: ProcTimer, delayMs: number): string {
    const id = this.nextTimerId(prefix);
    this.timers.set(id, t);
    this.emit({ type: 'setTimer', id, delayMs });
    return id;
  }

  /** Answers a caller: a local process's call completes, a remote requester gets a reply. */
  answer(caller: Caller, answer: Answer): void {
    if (caller.kind === 'proc') {
      const pcb = this.procs.get(caller.pid);
      if (pcb) this.scheduler.complete(pcb, caller.callId, caller.call, answer);
      return;
    }
    let replyTo: string | null = null;
    if (caller.kind === 'forwarded') {
      // Kept for a retry of the call; the latest try is the one whose requester still listens.
      const kept = this.home.records.get(caller.pid)?.forwarded?.get(caller.callId);
      if (kept) {
        kept.answer = answer;
        replyTo = kept.replyTo;
      }
    } else replyTo = caller.replyTo;
    if (replyTo === null) return;
    if (!answer.ok) return this.emit({ type: 'reply', to: replyTo, ok: false, error: answer.error });
    // Built field by field, not by spreading: this is on the path of every forwarded call.
    const reply: Effect & { type: 'reply'; ok: true } = { type: 'reply', to: replyTo, ok: true, value: answer.value };
    if (answer.bytes) reply.bytes = answer.bytes;
    this.emit(reply);
  }

  /** This run of the host (see {@link KernelConfig.boot}). */
  get boot(): string {
    return this.config.boot ?? this.hostId;
  }

  /** Asks the process directory; its answer is handled by `k`'s kind. Returns the token. */
  directory(op: DirectoryOp, k: Continuation): number {
    const token = ++this.tokenSeq;
    this.pending.set(token, k);
    this.emit({ type: 'directory', token, op });
    return token;
  }

  /** Sends a request; its answer is handled by `k`'s kind (see `dispatch.ts`). Returns the token. */
  request(subject: string, body: unknown, k: Continuation, opts: RequestOptions = NO_OPTIONS): number {
    const token = ++this.tokenSeq;
    this.pending.set(token, k);
    const e: Effect & { type: 'request' } = { type: 'request', token, subject, body, timeoutMs: opts.timeoutMs ?? this.callTimeout };
    if (opts.bytes) e.bytes = opts.bytes;
    if (opts.framedReply) e.framedReply = true;
    this.emit(e);
    return token;
  }

  /**
   * Asks the host's file-system client; its answer is handled by `k`'s kind. Returns the token.
   * `fence` (see `fenceOf`) for an operation made for a process; none for the host's own.
   */
  fs(op: FsOp, args: unknown[], k: Continuation, fence?: FsFence): number {
    const token = ++this.tokenSeq;
    this.pending.set(token, k);
    this.emit(fence ? { type: 'fs', token, op, args, fence } : { type: 'fs', token, op, args });
    return token;
  }

  emit(e: Effect): void {
    this.effects.push(e);
  }

  /** A cluster event (process started, exited, …). */
  event(kind: string, data: Record<string, unknown>): void {
    this.emit({ type: 'event', kind, data });
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.emit({ type: 'log', level, msg, ...(fields ? { fields } : {}) });
  }
}

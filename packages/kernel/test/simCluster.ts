import { ErrorCode, subjects, type DirectoryOp, type Subjects, type TtyMessage, type WireError } from '@wisp/protocol';
import type { ProgramRegistry } from '@wisp/proc';
import { Kernel, type Effect } from '../src/index.js';
import { applyDirectory, checkReply, noResponders, requestEvent, responseEvent, route, timedOut, toWire, wire, type Answer, type DirectoryRegister } from '../src/sim/index.js';

export type { Answer } from '../src/sim/index.js';

/**
 * A simulated cluster for unit tests: several pure {@link Kernel}s joined by the simulated
 * network of `@wisp/kernel/sim` (the one the model checker uses) and a virtual clock. No NATS,
 * no real timers, fully deterministic.
 *
 * - `request` effects are routed by subject (`route`): a host subject to that host's kernel, a
 *   pid subject to the host subscribed to the pid as the `deliver` verb. Nobody subscribed → a
 *   `response` with `EHOSTUNREACH`. A request left unanswered past its `timeoutMs` (virtual)
 *   gets `ETIMEDOUT`. Every host reply is checked against its verb's declared reply schema.
 * - `reply` effects go back to the requester as `response` events (or to a test client).
 * - `publish` effects are collected per subject (tty subjects: console output and exits).
 * - `setTimer`/`cancelTimer` run on the virtual clock; each host sees `clock + skew`.
 * - Bodies cross the network as JSON, as on the wire.
 *
 * Message delivery is FIFO over one global queue. {@link run} goes until quiescent, handing
 * queued messages and due timers to kernels before any process slice (control first), and
 * giving hosts with runnable processes one slice each in turn.
 */
export class SimCluster {
  /** Every request put on the network, in order. */
  readonly requests: SentRequest[] = [];
  /** Console effects (home console output), in order. */
  readonly consoleLog: ConsoleRecord[] = [];
  /** Cluster events (`event` effects), in order. */
  readonly events: EventRecord[] = [];
  /** `log` effects, in order. */
  readonly logs: LogRecord[] = [];
  /** Every `fs` effect performed, in order. */
  readonly fsOps: FsOpRecord[] = [];
  /** The process directory (a register with compare-and-set, as the runtime's KV bucket). */
  directory: DirectoryRegister = {};
  /** While true the directory answers nothing but "no responders" (JetStream unreachable). */
  directoryDown = false;
  /** Every directory operation, with its answer, in order. */
  readonly directoryOps: Array<{ at: number; host: string; op: DirectoryOp; answer: Answer }> = [];
  private directorySeq = 0;
  /** Replies to nobody (already answered, timed out or never asked). */
  readonly strayReplies: Effect[] = [];
  readonly cluster: string;
  /** The cluster's subjects (`@wisp/protocol`). */
  readonly subjects: Subjects;

  private readonly hosts = new Map<string, SimHost>();
  /** Runs of each host id so far (a restart is a new run, with a new boot). */
  private readonly runs = new Map<string, number>();
  private readonly published = new Map<string, PublishRecord[]>();
  private readonly subscriptions = new Map<string, string>();
  /** Hosts whose subscriptions are cut (see {@link cutHost}). */
  private readonly cutHosts = new Set<string>();
  private readonly queue: Delivery[] = [];
  private readonly inflight = new Map<string, Inflight>();
  /** The verb each delivered request was for, by reply subject: its reply is checked against the verb's declared schema. */
  private readonly replyVerbs = new Map<string, string>();
  private readonly timers = new Map<string, SimTimer>();
  private readonly maxSteps: number;
  private readonly defaultRegistry: ProgramRegistry;
  private readonly fs: SimFs | undefined;
  private time: number;
  private seq = 0;
  private rr = 0;
  private ttySeq = 0;

  constructor(opts: SimOptions) {
    this.cluster = opts.cluster ?? 'default';
    this.subjects = subjects(this.cluster);
    this.time = opts.startAt ?? 1_700_000_000_000;
    this.maxSteps = opts.maxSteps ?? 1_000_000;
    this.defaultRegistry = opts.registry;
    this.fs = opts.fs;
    for (const h of opts.hosts) this.addHost(typeof h === 'string' ? { id: h } : h);
  }

  // ── hosts and clock ──────────────────────────────────────────────────────

  /**
   * Adds a host (a fresh kernel). Its boot is its id on its first run, `<id>#<n>` on the n-th
   * (a host added again after {@link removeHost}, or {@link restartHost}), unless `cfg.boot` says.
   */
  addHost(cfg: SimHostConfig): Kernel {
    if (this.hosts.has(cfg.id)) throw new Error(`host ${cfg.id} exists`);
    const skewMs = cfg.skewMs ?? 0;
    const run = (this.runs.get(cfg.id) ?? 0) + 1;
    this.runs.set(cfg.id, run);
    const kernel = new Kernel({
      hostId: cfg.id,
      boot: cfg.boot ?? (run === 1 ? cfg.id : `${cfg.id}#${run}`),
      cluster: this.cluster,
      registry: cfg.registry ?? this.defaultRegistry,
      callTimeoutMs: cfg.callTimeoutMs,
      clockSkewMs: skewMs,
      startedAt: this.time + skewMs,
    });
    this.hosts.set(cfg.id, { kernel, skewMs });
    return kernel;
  }

  /**
   * Crashes a host: its kernel, timers and subscriptions vanish. Messages already queued to it
   * are lost; requests it had not answered time out.
   */
  removeHost(id: string): void {
    if (!this.hosts.delete(id)) throw new Error(`no host ${id}`);
    for (const [pid, host] of this.subscriptions) if (host === id) this.subscriptions.delete(pid);
    for (const [key, t] of this.timers) if (t.host === id) this.timers.delete(key);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const d = this.queue[i]!;
      if (d.kind !== 'client' && d.host === id) this.queue.splice(i, 1);
    }
    for (const [to, f] of this.inflight) if (f.requester.kind === 'kernel' && f.requester.host === id) this.inflight.delete(to);
  }

  /**
   * Restarts a host at this exact point: the run ends as {@link removeHost} ends it (its kernel,
   * timers, subscriptions and its own requests vanish), and a new run — a fresh kernel with a new
   * boot — takes its id at once. Requests already on their way to it are not lost, as they are
   * in a crash: they reach the new run, as requests the network held back would (answers to the
   * old run's own requests go nowhere: its inbox is gone).
   */
  restartHost(id: string, cfg: Omit<SimHostConfig, 'id'> = {}): Kernel {
    const before = this.queue.slice();
    const old = this.hosts.get(id);
    this.removeHost(id);
    const kernel = this.addHost({ ...(old ? { skewMs: old.skewMs } : {}), ...cfg, id });
    // The requests to it back in their places among the rest (removeHost dropped them).
    this.queue.splice(0, this.queue.length, ...before.filter((d) => d.kind === 'client' || d.host !== id || d.kind === 'request'));
    return kernel;
  }

  /**
   * Takes the subscription of `pid`'s subject away from its host, as a NATS reconnect does until
   * the client subscribes again; returns a function that puts it back.
   */
  cutSubscription(pid: string): () => void {
    const host = this.subscriptions.get(pid);
    if (!host) throw new Error(`nobody subscribes to ${pid}`);
    this.subscriptions.delete(pid);
    return () => void this.subscriptions.set(pid, host);
  }

  /**
   * Takes every subscription of host `id` away — its host subjects and its pids' — as a NATS
   * reconnect does until the host subscribes again: requests to it find no responders while it
   * runs on. Returns a function that puts them back.
   */
  cutHost(id: string): () => void {
    if (!this.hosts.has(id)) throw new Error(`no host ${id}`);
    this.cutHosts.add(id);
    return () => void this.cutHosts.delete(id);
  }

  /** The kernel of a host. */
  kernel(id: string): Kernel {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no host ${id}`);
    return h.kernel;
  }

  /** Host ids, in creation order. */
  get hostIds(): string[] {
    return [...this.hosts.keys()];
  }

  /** The virtual clock, ms (a host with no skew reads exactly this). */
  get now(): number {
    return this.time;
  }

  /** A host's clock: the virtual clock plus its skew. */
  hostNow(id: string): number {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no host ${id}`);
    return this.time + h.skewMs;
  }

  /** Kernel timers armed on a host (or everywhere), soonest first. */
  armedTimers(host?: string): { host: string; id: string; due: number }[] {
    return [...this.timers.values()]
      .filter((t) => host === undefined || t.host === host)
      .sort(byDue)
      .map(({ host: h, id, due }) => ({ host: h, id, due }));
  }

  // ── running ──────────────────────────────────────────────────────────────

  /**
   * One unit of work: a queued message, else a due timer, else one process slice on the next
   * host (round-robin) that has work. Returns false when there was nothing to do.
   */
  step(): boolean {
    const d = this.queue.shift();
    if (d) {
      this.deliver(d);
      return true;
    }
    if (this.fireDue()) return true;
    const ids = [...this.hosts.keys()];
    for (let n = 0; n < ids.length; n++) {
      const id = ids[(this.rr + n) % ids.length]!;
      const h = this.hosts.get(id)!;
      if (!h.kernel.hasWork) continue;
      this.rr = (this.rr + n + 1) % ids.length;
      h.kernel.run(this.time + h.skewMs, 1);
      this.drain(id);
      return true;
    }
    return false;
  }

  /** Hands `host` an event from the world that is not a message (a lease lapsing, say), at its clock; performs its effects. */
  tell(host: string, event: { type: 'lease'; held: boolean }): void {
    this.kernel(host).handle({ ...event, now: this.hostNow(host) });
    this.drain(host);
  }

  /**
   * Runs one process slice on `host` (whatever else is queued), performing its effects.
   * Returns false when the host had no work.
   */
  slice(host: string): boolean {
    const h = this.hosts.get(host);
    if (!h) throw new Error(`no host ${host}`);
    if (!h.kernel.hasWork) return false;
    h.kernel.run(this.time + h.skewMs, 1);
    this.drain(host);
    return true;
  }

  /**
   * Moves the clock to the next kernel timer's deadline without running anything, so a driver
   * going {@link step} by step can go on when the cluster is quiet. False when no timer is armed.
   */
  jumpToNextTimer(): boolean {
    const next = [...this.timers.values()].sort(byDue)[0];
    if (!next) return false;
    this.time = Math.max(this.time, next.due);
    return true;
  }

  /** Runs until nothing is queued, due or runnable, without moving the clock. Returns steps taken. */
  run(): number {
    let steps = 0;
    while (this.step()) {
      if (++steps > this.maxSteps) throw new Error(`sim did not go quiet within ${this.maxSteps} steps (a livelock?)`);
    }
    return steps;
  }

  /** Moves the clock forward by `ms`, firing timers (and request timeouts) at their deadlines. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advance: bad ms ${ms}`);
    const target = this.time + ms;
    this.run();
    for (;;) {
      const next = this.nextDeadline();
      if (next === undefined || next > target) break;
      this.time = Math.max(this.time, next);
      this.run();
    }
    this.time = target;
    this.run();
  }

  /** Moves the clock to `t` (absolute virtual time). */
  advanceTo(t: number): void {
    this.advance(t - this.time);
  }

  /**
   * Runs and advances the clock from timer to timer until no kernel timer is armed (request
   * timeouts alone do not keep it going). Throws if that takes more than `limitMs`.
   * Returns the virtual ms that passed.
   */
  settle(limitMs = 24 * 3600_000): number {
    const start = this.time;
    this.run();
    for (;;) {
      const next = [...this.timers.values()].sort(byDue)[0];
      if (!next) return this.time - start;
      if (next.due - start > limitMs) throw new Error(`sim did not settle within ${limitMs} ms (timer ${next.id} on ${next.host} due at +${next.due - start})`);
      this.advance(Math.max(0, next.due - this.time));
    }
  }

  // ── a test client (plays the CLI) ────────────────────────────────────────

  /** Puts a request on the network from a client; nothing runs until {@link run}/{@link step}. */
  request(subject: string, body: unknown, timeoutMs = 5000): PendingReply {
    const pending = new PendingReply(subject);
    const to = this.inbox();
    this.inflight.set(to, { requester: { kind: 'client', pending }, deadline: this.time + timeoutMs, subject });
    this.requests.push({ at: this.time, from: 'client', subject, body: wire(body) });
    this.route(subject, body, to);
    return pending;
  }

  /** A request to a host verb, run until quiet; returns the answer. */
  call(host: string, verb: string, body: unknown): Answer {
    const p = this.request(this.subject(host, verb), body);
    this.run();
    if (!p.answer) throw new Error(`no answer to ${verb} on ${host}`);
    return p.answer;
  }

  /**
   * Starts `program` with `home` as its home (on host `opts.on` when given), with a fresh tty
   * subject, and runs until quiet (the clock does not move). Throws when the spawn fails.
   */
  spawn(home: string, program: string, args: string[] = [], opts: { on?: string; version?: string; stdin?: boolean } = {}): SimProc {
    const tty = `tty.${++this.ttySeq}`;
    const answer = this.call(home, 'spawn', { program, args, tty, ...opts });
    if (!answer.ok) throw new SimRequestError(answer.error);
    const v = answer.value as { pid: string; host: string };
    return { pid: v.pid, host: v.host, tty };
  }

  /** Sends a message to a process from a client (`from` defaults to `client`; `epoch`: as a process's copy at that epoch would); does not run. */
  send(pid: string, event: { type: string; [k: string]: unknown }, from = 'client', epoch?: number): PendingReply {
    return this.request(this.subjects.proc(pid), { from, event, ...(epoch !== undefined ? { epoch } : {}) });
  }

  /** A host subject. */
  subject(host: string, verb: string): string {
    return this.subjects.host(host, verb);
  }

  // ── what happened ────────────────────────────────────────────────────────

  /** Messages published to `subject`, in order. */
  publishedTo(subject: string): PublishRecord[] {
    return this.published.get(subject) ?? [];
  }

  /** What a tty subject received. */
  tty(subject: string): TtyMessage[] {
    return this.publishedTo(subject).map((r) => r.body as TtyMessage);
  }

  /** Text written to `fd` (default stdout) on a tty, optionally by one pid only. */
  output(tty: string, fd = 1, pid?: string): string {
    return this.tty(tty)
      .filter((m): m is Extract<TtyMessage, { kind: 'out' }> => m.kind === 'out' && m.fd === fd && (pid === undefined || m.pid === pid))
      .map((m) => m.data)
      .join('');
  }

  /** Exit code published on a tty for `pid` (the root process when omitted), or undefined. */
  exitCode(tty: string, pid?: string): number | undefined {
    const m = this.tty(tty).find((x) => x.kind === 'exit' && (pid === undefined ? x.root : x.pid === pid));
    return m && m.kind === 'exit' ? m.code : undefined;
  }

  /** Virtual time a pid's exit was published on a tty, or undefined. */
  exitTime(tty: string, pid: string): number | undefined {
    return this.publishedTo(tty).find((r) => (r.body as TtyMessage).kind === 'exit' && (r.body as TtyMessage).pid === pid)?.at;
  }

  /** Console text on one host (its home console), optionally one pid's and one fd's. */
  consoleText(host: string, opts: { pid?: string; fd?: number } = {}): string {
    return this.consoleLog
      .filter((c) => c.host === host && (opts.pid === undefined || c.pid === opts.pid) && (opts.fd === undefined || c.fd === opts.fd))
      .map((c) => c.data)
      .join('');
  }

  /** Requests a host (or the client) sent, optionally only those since index `since`. */
  requestsFrom(from: string, since = 0): SentRequest[] {
    return this.requests.slice(since).filter((r) => r.from === from);
  }

  /** Events of a kind, optionally from one host. */
  eventsOf(kind: string, host?: string): EventRecord[] {
    return this.events.filter((e) => e.kind === kind && (host === undefined || e.host === host));
  }

  /** The host subscribed to a pid's subject (where it runs), or undefined. */
  whereIs(pid: string): string | undefined {
    return this.subscriptions.get(pid);
  }

  // ── the network ──────────────────────────────────────────────────────────

  private inbox(): string {
    return `_INBOX.sim.${++this.seq}`;
  }

  private route(subject: string, body: unknown, replyTo: string, bytes?: Uint8Array): void {
    const targets = route(this.subjects, subject, wire(body), this.reachable);
    for (const t of targets) this.queue.push({ kind: 'request', host: t.host, verb: t.verb, body: t.body, replyTo, ...(bytes ? { bytes } : {}) });
    if (targets.length === 0) this.settleInflight(replyTo, noResponders(subject));
  }

  /** Who is up and subscribed, for routing. */
  private readonly reachable = {
    isUp: (host: string) => this.hosts.has(host) && !this.cutHosts.has(host),
    subscribers: (pid: string) => {
      const host = this.subscriptions.get(pid);
      return host ? [host] : [];
    },
  };

  /** Answers whoever waits on `to`, through the queue. */
  private settleInflight(to: string, answer: Answer): boolean {
    const f = this.inflight.get(to);
    if (!f) return false;
    this.inflight.delete(to);
    if (f.requester.kind === 'client') this.queue.push({ kind: 'client', pending: f.requester.pending, answer });
    else this.queue.push({ kind: 'response', host: f.requester.host, token: f.requester.token, answer });
    return true;
  }

  private deliver(d: Delivery): void {
    if (d.kind === 'client') {
      d.pending.answer = d.answer;
      return;
    }
    const h = this.hosts.get(d.host);
    if (!h) return;
    const now = this.time + h.skewMs;
    if (d.kind === 'request') this.replyVerbs.set(d.replyTo, d.verb);
    h.kernel.handle(d.kind === 'request' ? requestEvent(d, now) : responseEvent(d.token, d.answer, now));
    this.drain(d.host);
  }

  /** Fires the earliest due timer or request deadline; false when none is due. */
  private fireDue(): boolean {
    const t = [...this.timers.values()].filter((x) => x.due <= this.time).sort(byDue)[0];
    const overdue = [...this.inflight.entries()].filter(([, f]) => f.deadline <= this.time).sort((a, b) => a[1].deadline - b[1].deadline)[0];
    if (overdue && (!t || overdue[1].deadline < t.due)) {
      const [to, f] = overdue;
      return this.settleInflight(to, timedOut(f.subject));
    }
    if (!t) return false;
    this.timers.delete(timerKey(t.host, t.id));
    const h = this.hosts.get(t.host);
    if (!h) return true;
    h.kernel.handle({ type: 'timer', id: t.id, now: this.time + h.skewMs });
    this.drain(t.host);
    return true;
  }

  private nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.due < next) next = t.due;
    for (const f of this.inflight.values()) if (next === undefined || f.deadline < next) next = f.deadline;
    return next;
  }

  /** Performs a host's queued effects. */
  private drain(host: string): void {
    const h = this.hosts.get(host);
    if (!h) return;
    for (const e of h.kernel.takeEffects()) this.perform(host, e);
  }

  private perform(host: string, e: Effect): void {
    const o = toWire(host, e, this.hosts.get(host)?.kernel.boot);
    switch (o.type) {
      case 'reply': {
        const verb = this.replyVerbs.get(o.to);
        this.replyVerbs.delete(o.to);
        if (verb) checkReply(host, verb, o.answer);
        if (!this.settleInflight(o.to, o.answer)) this.strayReplies.push(e);
        return;
      }
      case 'request': {
        const to = this.inbox();
        this.inflight.set(to, { requester: { kind: 'kernel', host, token: o.token }, deadline: this.time + o.timeoutMs, subject: o.subject });
        this.requests.push({ at: this.time, from: host, subject: o.subject, body: o.body });
        return this.route(o.subject, o.body, to, o.bytes);
      }
      case 'publish': {
        let list = this.published.get(o.subject);
        if (!list) this.published.set(o.subject, (list = []));
        list.push({ at: this.time, host, body: o.body });
        return;
      }
      case 'subscribe':
        this.subscriptions.set(o.pid, host);
        return;
      case 'unsubscribe':
        if (this.subscriptions.get(o.pid) === host) this.subscriptions.delete(o.pid);
        return;
      case 'setTimer':
        this.timers.set(timerKey(host, o.id), { host, id: o.id, due: this.time + o.delayMs, seq: ++this.seq });
        return;
      case 'cancelTimer':
        this.timers.delete(timerKey(host, o.id));
        return;
      case 'console':
        this.consoleLog.push({ at: this.time, host, pid: o.pid, fd: o.fd, data: o.data });
        return;
      case 'log':
        this.logs.push({ at: this.time, host, level: o.level, msg: o.msg, fields: o.fields });
        return;
      case 'event':
        this.events.push({ at: this.time, host, kind: o.kind, data: o.data });
        return;
      case 'directory': {
        let answer: Answer;
        if (this.directoryDown) answer = noResponders(`directory ${o.op.op} ${o.op.pid}`);
        else ({ reg: this.directory, seq: this.directorySeq, answer } = applyDirectory(this.directory, this.directorySeq, o.op));
        this.directoryOps.push({ at: this.time, host, op: o.op, answer });
        this.queue.push({ kind: 'response', host, token: o.token, answer });
        return;
      }
      case 'fs': {
        this.fsOps.push({ at: this.time, host, op: o.op, args: o.args, ...(o.fence ? { fence: o.fence } : {}) });
        let answer: Answer;
        try {
          answer = this.fs ? { ok: true, value: this.fs(host, o.op, o.args) } : { ok: false, error: { code: ErrorCode.ENOSYS, message: 'no file system' } };
        } catch (err) {
          const code = (err as { code?: string }).code ?? ErrorCode.EIO;
          answer = { ok: false, error: { code, message: (err as Error).message } as WireError };
        }
        this.queue.push({ kind: 'response', host, token: o.token, answer });
        return;
      }
    }
  }
}

/** A client request's answer slot. */
export class PendingReply {
  answer: Answer | undefined;
  constructor(readonly subject: string) {}

  /** The value of a successful answer; throws when unanswered or failed. */
  value<T = unknown>(): T {
    if (!this.answer) throw new Error(`no answer yet on ${this.subject}`);
    if (!this.answer.ok) throw new SimRequestError(this.answer.error);
    return this.answer.value as T;
  }
}

/** A failed request, with its wire code. */
export class SimRequestError extends Error {
  constructor(readonly wire: WireError) {
    super(`${wire.code}: ${wire.message}`);
    this.name = 'SimRequestError';
  }
  get code(): string {
    return this.wire.code;
  }
}

export interface SimHostConfig {
  id: string;
  /** This host's clock offset from the virtual clock, ms. */
  skewMs?: number;
  /** Programs of this host; the cluster's registry when absent. */
  registry?: ProgramRegistry;
  callTimeoutMs?: number;
  /** This run's boot id (default: see {@link SimCluster.addHost}). */
  boot?: string;
}

export interface SimOptions {
  hosts: (string | SimHostConfig)[];
  /** Programs every host has unless it is given its own. */
  registry: ProgramRegistry;
  cluster?: string;
  /** Virtual time at the start, ms since the epoch. */
  startAt?: number;
  /** Serves `fs` effects (answered through the queue); without it they fail with `ENOSYS`. */
  fs?: SimFs;
  /** Steps {@link SimCluster.run} may take before it reports a livelock. */
  maxSteps?: number;
}

/** A started process. */
export interface SimProc {
  pid: string;
  /** Where it was created. */
  host: string;
  /** Its tty subject. */
  tty: string;
}

/**
 * A fake file-system client: performs `op` (an `FsClient` method name) for `host` and returns
 * its value, or throws an error with a `code`.
 */
export type SimFs = (host: string, op: string, args: unknown[]) => unknown;
export interface FsOpRecord {
  at: number;
  host: string;
  op: string;
  args: unknown[];
  /** The process it was made for and its epoch (absent: the host's own). */
  fence?: { pid: string; epoch: number };
}
export interface SentRequest {
  at: number;
  /** Host id, or `client`. */
  from: string;
  subject: string;
  body: unknown;
}
export interface PublishRecord {
  at: number;
  host: string;
  body: unknown;
}
export interface ConsoleRecord {
  at: number;
  host: string;
  pid: string;
  fd: number;
  data: string;
}
export interface EventRecord {
  at: number;
  host: string;
  kind: string;
  data: Record<string, unknown>;
}
export interface LogRecord {
  at: number;
  host: string;
  level: string;
  msg: string;
  fields: Record<string, unknown> | undefined;
}

interface SimHost {
  kernel: Kernel;
  skewMs: number;
}
interface SimTimer {
  host: string;
  id: string;
  due: number;
  seq: number;
}
interface Inflight {
  requester: { kind: 'kernel'; host: string; token: number } | { kind: 'client'; pending: PendingReply };
  deadline: number;
  subject: string;
}
type Delivery =
  | { kind: 'request'; host: string; verb: string; body: unknown; replyTo: string; bytes?: Uint8Array }
  | { kind: 'response'; host: string; token: number; answer: Answer }
  | { kind: 'client'; pending: PendingReply; answer: Answer };

function timerKey(host: string, id: string): string {
  return `${host}\u0000${id}`;
}

function byDue(a: SimTimer, b: SimTimer): number {
  return a.due - b.due || a.seq - b.seq;
}

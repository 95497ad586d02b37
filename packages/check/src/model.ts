import { applyDirectory, checkReply, noResponders, route, timedOut, type Reachable } from '@wisp/kernel/sim';
import { parseHostSubject, subjects, type Subjects } from '@wisp/protocol';
import { ProgramRegistry, type Program } from '@wisp/proc';
import type { AnyStateMachine } from 'xstate';
import { Fingerprinter } from './fingerprint.js';
import { FsSpace, type FileServerClass } from './fsSpace.js';
import { HostSpace, type HostNode, type HostOutput, type HostSetup } from './hostSpace.js';
import { MIGRATION_VERBS, describeMessage, type Answer, type Message } from './message.js';
import type { Budget, Channel, Inflight, Link, Note, Observations, Step, World } from './world.js';

/** A request the client (a user at the CLI) makes once the processes are started. `$0`, `$1`… in string fields stand for the pids of the spawned processes. */
export interface ClientAction {
  host: string;
  verb: string;
  body: Record<string, unknown>;
}

/** A process started (deterministically, before exploring) by the client. */
export interface SpawnSpec {
  program: string;
  args?: string[];
  /** Its home host. */
  home: string;
  /** Where it runs (default: home). */
  on?: string;
}

/** Which messages faults may hit: the migration protocol's (default), or every host and file-server message. */
export type FaultScope = 'migration' | 'all';

/** A cluster to check: hosts, programs, what runs, what the client does, and the faults allowed on any one path. */
export interface ModelConfig {
  /** Host ids, or how many (`h1`, `h2`, …). */
  hosts: number | string[];
  programs: Program[];
  spawn: SpawnSpec[];
  client?: ClientAction[];
  faults?: Partial<Budget>;
  faultScope?: FaultScope;
  /** Planted copies of the protocol machines (to show the checker finds their bugs). */
  machines?: { source?: AnyStateMachine; target?: AnyStateMachine };
  /** A planted lease rule (to show the checker finds its bug; see `KernelConfig.leaseRule`). */
  leaseRule?: HostSetup['leaseRule'];
  /** A planted file server class (to show the checker finds its bug; default the real `FileServer`). */
  fileServer?: FileServerClass;
  /** Timeout of forwarded calls and control requests, ms (default 5000). */
  callTimeoutMs?: number;
  cluster?: string;
}

const NO_FAULTS: Budget = { drop: 0, duplicate: 0, reorder: 0, delay: 0, crash: 0, restart: 0, partition: 0, pause: 0, total: Infinity };
/** How long the client waits for an answer (virtual ms). */
const CLIENT_TIMEOUT_MS = 600_000;
/** A file-system client's request timeout (virtual ms). */
const FS_TIMEOUT_MS = 5_000;
/**
 * Longest a partition or pause lasts, virtual ms: time does not pass beyond it until the host is
 * back (past the host lease of 5 s and two call timeouts; without a bound a cut-off host retrying
 * forever would make the state space infinite).
 */
export const MAX_OUTAGE_MS = 12_000;
/** Directory operations a migration makes: faults on these are the protocol's to survive. */
const MIGRATION_DIRECTORY_OPS = new Set(['dir.update', 'dir.get']);

/**
 * The semantics of a cluster: the real kernels and file server (through {@link HostSpace} and
 * {@link FsSpace}) joined by a simulated network. {@link initial} runs the spawns; {@link steps}
 * lists what may happen next in a state — deliver the oldest message of a channel, run a
 * process slice, fire the earliest timer or request deadline once nothing else can happen, let
 * the client act, or a fault within the budget (drop, duplicate or reorder a message, time
 * passing while messages are in flight, crash or restart a host, cut a host off or pause it);
 * {@link apply} takes a step. States are immutable; equal states have equal {@link key}s.
 *
 * A partition (`cut` link) is what NATS does to a disconnected client: what was on its way to
 * the host is lost, requests to it get no responders, and what it sends (requests, answers,
 * file and directory operations) goes nowhere, so its own requests time out; it runs on
 * meanwhile (console output is kept, as the client library buffers it until it reconnects). A
 * pause stops the host: it takes no message, slice or timer, while the others go on and time
 * runs (their requests to it time out; messages to it wait in its socket). The end of either is
 * a step (`heal`, `wake`) that is always enabled, so no end state has a host cut off or paused.
 * At the end the host is always told its lease lapsed and then that it holds it again — the
 * conservative choice: whatever the partition's or pause's length, the host runs its processes
 * all through it and learns only then that others may have moved on (the kernel's lease rule
 * then re-reads the directory for each).
 */
export class Model {
  readonly hostIds: string[];
  readonly hosts: HostSpace;
  readonly fs: FsSpace;
  readonly cluster: string;
  /** Pids of the spawned processes, in spawn order. */
  pids: string[] = [];
  /** Client actions with pids filled in. */
  actions: ClientAction[] = [];
  private readonly scope: FaultScope;
  private readonly subjects: Subjects;
  /** Answers already checked against their verb's declared reply (answers are shared between states). */
  private readonly checkedAnswers = new WeakSet<Answer>();
  private readonly messagePrints = new WeakMap<Message, string>();
  private readonly messageIds = new Map<string, number>();
  private readonly messageIdOf = new WeakMap<Message, number>();
  private readonly obsIds = new Map<string, number>();
  private readonly fp = new Fingerprinter(() => false);

  constructor(readonly config: ModelConfig) {
    this.hostIds = typeof config.hosts === 'number' ? Array.from({ length: config.hosts }, (_, i) => `h${i + 1}`) : [...config.hosts];
    this.cluster = config.cluster ?? 'check';
    this.subjects = subjects(this.cluster);
    this.scope = config.faultScope ?? 'migration';
    this.fs = new FsSpace(config.fileServer);
    this.hosts = new HostSpace({ registry: new ProgramRegistry(config.programs), cluster: this.cluster, callTimeoutMs: config.callTimeoutMs, ...(config.machines ? { machines: config.machines } : {}), ...(config.leaseRule ? { leaseRule: config.leaseRule } : {}) });
  }

  // ── states ───────────────────────────────────────────────────────────────

  /** The state after booting the hosts and starting the processes (no faults, no time). */
  initial(): World {
    const obs: Observations = { console: {}, exits: {}, emits: {}, migrations: [], answers: {}, perturbed: false, ended: [], lost: [] };
    let w: World = {
      hosts: this.hostIds.map((h) => this.hosts.boot(h, 0)),
      incs: this.hostIds.map(() => 1),
      links: this.hostIds.map((): Link => 'up'),
      outageAt: this.hostIds.map(() => 0),
      fs: this.fs.boot(),
      dir: {},
      dirSeq: 0,
      newest: {},
      net: [],
      inflight: [],
      clock: 0,
      budget: { ...NO_FAULTS, ...this.config.faults },
      client: 0,
      obs,
      obsId: this.obsId(obs),
      notes: [],
    };
    // Spawns go first, one at a time, each run until answered (client slots -1, -2, …).
    this.pids = [];
    this.config.spawn.forEach((sp, i) => {
      const slot = -(i + 1);
      w = this.clientRequest(w, slot, sp.home, 'spawn', { program: sp.program, args: sp.args ?? [], tty: `tty.${i}`, ...(sp.on ? { on: sp.on } : {}) });
      for (let n = 0; w.obs.answers[slot] === undefined; n++) {
        if (n > 10_000) throw new Error(`spawn of ${sp.program} did not complete`);
        const next = this.steps(w).find((s) => s.kind === 'deliver' || s.kind === 'slice');
        if (!next) throw new Error(`spawn of ${sp.program} got no answer`);
        w = this.apply(w, next);
      }
      const a = w.obs.answers[slot]!;
      if (!a.startsWith('ok ')) throw new Error(`spawn of ${sp.program} failed: ${a}`);
      this.pids.push((JSON.parse(a.slice(3)) as { pid: string }).pid);
    });
    this.actions = (this.config.client ?? []).map((a) => ({ ...a, body: this.fill(a.body) as Record<string, unknown> }));
    return { ...w, notes: [] };
  }

  /** A canonical key of a state: equal keys, equal futures. */
  key(w: World): string {
    let s = '';
    for (const n of w.hosts) s += n ? `${n.id},` : 'x,';
    s += `|${w.incs.join(',')}|${w.links.map((l, i) => (l === 'up' ? 'u' : `${l}@${w.outageAt[i]}`)).join(',')}|${w.fs.id}|${w.dirSeq}${JSON.stringify(w.dir)}|${JSON.stringify(w.newest)}|`;
    for (const c of w.net) {
      s += `${c.key}:`;
      for (const m of c.msgs) s += `${this.messageId(m)},`;
      s += ';';
    }
    s += '|';
    for (const f of w.inflight) s += `${f.replyTo}@${f.deadline},`;
    const b = w.budget;
    s += `|${w.clock}|${b.drop},${b.duplicate},${b.reorder},${b.delay},${b.crash},${b.restart},${b.partition},${b.pause},${b.total}|${w.client}|${w.obsId}`;
    return s;
  }

  /** Steps enabled in `w`, in a fixed order (deliveries, slices, client, time, faults). */
  steps(w: World): Step[] {
    const out: Step[] = [];
    const b = w.budget;
    const can = (k: Exclude<keyof Budget, 'total'>) => b[k] > 0 && b.total > 0;
    // Messages to a paused host wait; a paused host takes no slice, and no timer of its own fires.
    for (const c of w.net) if (!this.held(w, c)) out.push({ kind: 'deliver', channel: c.key, index: 0 });
    w.hosts.forEach((n, i) => n?.hasWork && w.links[i] !== 'paused' && out.push({ kind: 'slice', host: this.hostIds[i]! }));
    if (w.client < this.actions.length) out.push({ kind: 'client', index: w.client });
    if (!this.busy(w) || can('delay')) {
      // Time moves to the earliest deadline: every timer and request deadline due then may fire.
      let due = Infinity;
      w.hosts.forEach((n, i) => n && w.links[i] !== 'paused' && n.timers.length > 0 && (due = Math.min(due, n.timers[0]!.due)));
      for (const f of w.inflight) if (!this.pausedRequester(w, f)) due = Math.min(due, f.deadline);
      // A partition or pause ends in bounded time: time waits for its end beyond that.
      let until = Infinity;
      w.links.forEach((l, i) => l !== 'up' && (until = Math.min(until, w.outageAt[i]! + MAX_OUTAGE_MS)));
      if (due < Infinity && due <= Math.max(until, w.clock)) {
        w.hosts.forEach((n, i) => {
          if (n && w.links[i] !== 'paused') for (const t of n.timers) if (t.due === due) out.push({ kind: 'timer', host: this.hostIds[i]!, id: t.id });
        });
        for (const f of w.inflight) if (f.deadline === due && !this.pausedRequester(w, f)) out.push({ kind: 'deadline', replyTo: f.replyTo });
      }
    }
    if (can('drop') || can('duplicate') || can('reorder')) {
      for (const c of w.net) {
        const held = this.held(w, c);
        c.msgs.forEach((m, index) => {
          if (!this.faultable(m)) return;
          if (can('reorder') && index > 0 && !held) out.push({ kind: 'deliver', channel: c.key, index });
          if (can('drop')) out.push({ kind: 'drop', channel: c.key, index });
          if (can('duplicate')) out.push({ kind: 'duplicate', channel: c.key, index });
        });
      }
    }
    if (can('crash')) w.hosts.forEach((n, i) => n && out.push({ kind: 'crash', host: this.hostIds[i]! }));
    if (can('restart')) w.hosts.forEach((n, i) => !n && out.push({ kind: 'restart', host: this.hostIds[i]! }));
    w.hosts.forEach((n, i) => {
      if (!n) return;
      const host = this.hostIds[i]!;
      const link = w.links[i];
      if (link === 'cut') out.push({ kind: 'heal', host });
      else if (link === 'paused') out.push({ kind: 'wake', host });
      else {
        if (can('partition')) out.push({ kind: 'partition', host });
        if (can('pause')) out.push({ kind: 'pause', host });
      }
    });
    return out;
  }

  /**
   * Whether time passing in `w` (a timer or deadline step) needs the `delay` budget: something
   * could happen first (a message to deliver, a process to run) — on hosts that are not paused.
   */
  busy(w: World): boolean {
    return w.net.some((c) => !this.held(w, c)) || w.hosts.some((n, i) => n?.hasWork === true && w.links[i] !== 'paused');
  }

  /** Whether the messages of channel `c` wait for a paused host. */
  private held(w: World, c: Channel): boolean {
    const to = c.msgs[0]!.to;
    const i = this.hostIds.indexOf(to);
    return i >= 0 && w.links[i] === 'paused';
  }

  /** Whether `f` was asked by a paused host (its client library cannot time it out meanwhile). */
  private pausedRequester(w: World, f: Inflight): boolean {
    return 'host' in f.requester && w.links[this.index(f.requester.host)] === 'paused';
  }

  /** The state after `step`. Throws if the step is not enabled. */
  apply(w: World, step: Step): World {
    const d = new Draft(this, w);
    switch (step.kind) {
      case 'deliver': {
        const m = d.take(step.channel, step.index);
        if (step.index > 0) d.spend('reorder');
        this.deliver(d, m);
        break;
      }
      case 'drop': {
        const m = d.take(step.channel, step.index);
        d.spend('drop');
        d.notes.push({ kind: 'fault', what: `drop ${describeMessage(m)}` });
        break;
      }
      case 'duplicate': {
        const m = d.peek(step.channel, step.index);
        d.spend('duplicate');
        d.put(step.channel, m, step.index + 1);
        break;
      }
      case 'slice': {
        const i = this.index(step.host);
        const node = d.hosts[i];
        if (!node?.hasWork) throw new Error(`no work on ${step.host}`);
        this.run(d, i, { type: 'slice' }, 'slice');
        break;
      }
      case 'timer': {
        const i = this.index(step.host);
        const t = d.hosts[i]?.timers.find((x) => x.id === step.id);
        if (!t) throw new Error(`no timer ${step.id} on ${step.host}`);
        if (this.busy(w)) d.spend('delay');
        d.clock = Math.max(d.clock, t.due);
        this.run(d, i, { type: 'timer', id: step.id }, `timer:${step.id}`);
        break;
      }
      case 'deadline': {
        const f = d.takeInflight(step.replyTo);
        if (!f) throw new Error(`no request awaits ${step.replyTo}`);
        if (this.busy(w)) d.spend('delay');
        d.clock = Math.max(d.clock, f.deadline);
        if (!MIGRATION_VERBS.has(f.about)) d.perturb();
        this.answer(d, f, timedOut(f.about), 'nats', true);
        break;
      }
      case 'client': {
        if (step.index !== d.client || step.index >= this.actions.length) throw new Error(`client action ${step.index} is not next`);
        const a = this.actions[step.index]!;
        d.client++;
        this.request(d, 'client', `client.${step.index}`, { client: step.index }, this.subjects.host(a.host, a.verb), a.body, CLIENT_TIMEOUT_MS);
        break;
      }
      case 'crash': {
        const i = this.index(step.host);
        const node = d.hosts[i];
        if (!node) throw new Error(`${step.host} is down`);
        d.spend('crash');
        d.perturb();
        const lost = new Set(d.obs.lost);
        for (const p of node.view.procs) lost.add(p.pid);
        for (const t of node.view.targets) lost.add(t.pid);
        for (const r of node.view.home) if (r.state !== 'exited') lost.add(r.pid);
        d.setObs({ ...d.obs, lost: [...lost].sort() });
        d.hosts[i] = null;
        d.incs[i]!++;
        d.links[i] = 'up';
        d.outageAt[i] = 0;
        // Its block cache goes with it, dirty blocks included.
        d.fs = this.fs.forget(d.fs, step.host);
        // What was on its way to it is lost with its connection; nobody waits for its requests.
        d.net = d.net.map((c) => ({ key: c.key, msgs: c.msgs.filter((m) => m.to !== step.host) })).filter((c) => c.msgs.length > 0);
        d.inflight = d.inflight.filter((f) => !('host' in f.requester) || f.requester.host !== step.host);
        d.notes.push({ kind: 'fault', what: `crash ${step.host}` });
        break;
      }
      case 'restart': {
        const i = this.index(step.host);
        if (d.hosts[i]) throw new Error(`${step.host} is up`);
        d.spend('restart');
        d.hosts[i] = this.hosts.boot(step.host, d.clock, d.incs[i]);
        break;
      }
      case 'partition': {
        const i = this.index(step.host);
        if (!d.hosts[i] || d.links[i] !== 'up') throw new Error(`${step.host} cannot be cut off`);
        d.spend('partition');
        d.perturb();
        d.links[i] = 'cut';
        d.outageAt[i] = d.clock;
        // NATS drops what it could not hand the host yet (what it sent already has left).
        d.net = d.net.map((c) => ({ key: c.key, msgs: c.msgs.filter((m) => m.to !== step.host) })).filter((c) => c.msgs.length > 0);
        d.notes.push({ kind: 'fault', what: `partition ${step.host}` });
        break;
      }
      case 'pause': {
        const i = this.index(step.host);
        if (!d.hosts[i] || d.links[i] !== 'up') throw new Error(`${step.host} cannot be paused`);
        d.spend('pause');
        d.perturb();
        d.links[i] = 'paused';
        d.outageAt[i] = d.clock;
        d.notes.push({ kind: 'fault', what: `pause ${step.host}` });
        break;
      }
      case 'heal':
      case 'wake': {
        const i = this.index(step.host);
        if (!d.hosts[i] || d.links[i] !== (step.kind === 'heal' ? 'cut' : 'paused')) throw new Error(`${step.host} is not ${step.kind === 'heal' ? 'cut off' : 'paused'}`);
        d.links[i] = 'up';
        d.outageAt[i] = 0;
        // Conservatively past its lease: it stops everything first, then (NATS, so the directory,
        // reachable again) holds its lease again and checks each process against the directory.
        this.run(d, i, { type: 'lease', held: false }, 'lease-lapsed');
        this.run(d, i, { type: 'lease', held: true }, 'lease-held');
        break;
      }
    }
    return d.done();
  }

  // ── reading states ───────────────────────────────────────────────────────

  /** Hosts (ids) where `pid` runs (held, neither frozen nor suspended by a lapsed lease). */
  runningOn(w: World, pid: string): string[] {
    const out: string[] = [];
    w.hosts.forEach((n, i) => n?.view.procs.some((p) => p.pid === pid && !p.frozen && !p.suspended) && out.push(this.hostIds[i]!));
    return out;
  }

  /** Hosts (ids) holding `pid` in their process table (frozen or not). */
  heldOn(w: World, pid: string): string[] {
    const out: string[] = [];
    w.hosts.forEach((n, i) => n?.view.procs.some((p) => p.pid === pid) && out.push(this.hostIds[i]!));
    return out;
  }

  /** The host node of `host` (null while crashed). */
  node(w: World, host: string): HostNode | null {
    return w.hosts[this.index(host)] ?? null;
  }

  /** A readable description of a step taken in `w`. */
  describe(w: World, step: Step): string {
    switch (step.kind) {
      case 'deliver': {
        const m = w.net.find((c) => c.key === step.channel)?.msgs[step.index];
        return `${step.index > 0 ? 'deliver out of order' : 'deliver'} ${m ? describeMessage(m) : step.channel}`;
      }
      case 'drop':
      case 'duplicate': {
        const m = w.net.find((c) => c.key === step.channel)?.msgs[step.index];
        return `FAULT ${step.kind} ${m ? describeMessage(m) : step.channel}`;
      }
      case 'slice':
        return `${step.host} runs a process slice`;
      case 'timer':
        return `${this.busy(w) ? 'FAULT delay: ' : ''}timer ${step.id} fires on ${step.host}`;
      case 'deadline':
        return `${this.busy(w) ? 'FAULT delay: ' : ''}request ${step.replyTo} times out (${w.inflight.find((f) => f.replyTo === step.replyTo)?.about ?? '?'})`;
      case 'client': {
        const a = this.actions[step.index];
        return `client → ${a?.host}: ${a?.verb} ${JSON.stringify(a?.body)}`;
      }
      case 'crash':
        return `FAULT crash ${step.host}`;
      case 'restart':
        return `restart ${step.host}`;
      case 'partition':
        return `FAULT partition: ${step.host} is cut off from NATS`;
      case 'heal':
        return `${step.host} reaches NATS again (lease lapsed, then held again)`;
      case 'pause':
        return `FAULT pause: ${step.host} stops`;
      case 'wake':
        return `${step.host} wakes (lease lapsed, then held again)`;
    }
  }

  /** A one-line summary of a state: each host's processes and sessions, the clock, what is in flight. */
  summary(w: World): string {
    const hosts = w.hosts.map((n, i) => {
      const id = this.hostIds[i]!;
      if (!n) return `${id}: down`;
      const link = w.links[i] === 'up' ? '' : `(${w.links[i]})`;
      const procs = n.view.procs.map((p) => `${p.pid}${p.frozen ? '(frozen)' : ''}${p.suspended ? '(suspended)' : ''}${p.done ? '(done)' : ''}`).join(' ');
      const sessions = [...n.view.sources.map((s) => `src:${s.pid}→${s.to}@${s.state}`), ...n.view.targets.map((t) => `tgt:${t.pid}@${t.state}`)].join(' ');
      return `${id}${link}: [${procs}]${sessions ? ` ${sessions}` : ''}`;
    });
    const inFlight = w.net.reduce((n, c) => n + c.msgs.length, 0);
    return `t=${w.clock}ms ${hosts.join('; ')}; ${inFlight} in flight`;
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** Index of a host id. */
  index(host: string): number {
    const i = this.hostIds.indexOf(host);
    if (i < 0) throw new Error(`no host ${host}`);
    return i;
  }

  /** Interned id of a message's contents. */
  messageId(m: Message): number {
    const known = this.messageIdOf.get(m);
    if (known !== undefined) return known;
    const print = this.messagePrint(m);
    let id = this.messageIds.get(print);
    if (id === undefined) this.messageIds.set(print, (id = this.messageIds.size + 1));
    this.messageIdOf.set(m, id);
    return id;
  }

  /** Interned id of observations. */
  obsId(o: Observations): number {
    const k = JSON.stringify(o);
    let id = this.obsIds.get(k);
    if (id === undefined) this.obsIds.set(k, (id = this.obsIds.size + 1));
    return id;
  }

  private messagePrint(m: Message): string {
    let p = this.messagePrints.get(m);
    if (p === undefined) this.messagePrints.set(m, (p = this.fp.of(m)));
    return p;
  }

  private faultable(m: Message): boolean {
    // The client's line, and no-responders answers (from the NATS server itself), are reliable.
    if (m.kind === 'client' || m.from === 'nats' || m.from === 'client') return false;
    if (this.scope === 'all') return true;
    if (m.kind === 'request') return MIGRATION_VERBS.has(m.verb);
    // A migration's claims, reads and fences of the directory (opening and closing a record are not the protocol's).
    if (m.kind === 'dir') return MIGRATION_DIRECTORY_OPS.has(m.about);
    return m.kind === 'response' ? MIGRATION_VERBS.has(m.about) || MIGRATION_DIRECTORY_OPS.has(m.about) : false;
  }

  private fill(v: unknown): unknown {
    if (typeof v === 'string') return v.replace(/\$(\d+)/g, (_m, n: string) => this.pids[Number(n)] ?? `$${n}`);
    if (Array.isArray(v)) return v.map((x) => this.fill(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.fill(x)]));
    return v;
  }

  private clientRequest(w: World, slot: number, host: string, verb: string, body: Record<string, unknown>): World {
    const d = new Draft(this, w);
    this.request(d, 'client', `client.${slot}`, { client: slot }, this.subjects.host(host, verb), body, CLIENT_TIMEOUT_MS);
    return d.done();
  }

  private deliver(d: Draft, m: Message): void {
    switch (m.kind) {
      case 'request': {
        const i = this.index(m.to);
        if (!d.hosts[i]) return;
        d.effect = effectOf(m);
        this.run(d, i, { type: 'request', verb: m.verb, body: m.body, replyTo: m.replyTo, ...(m.bytes ? { bytes: m.bytes } : {}) }, `m${this.messagePrint(m)}`);
        d.effect = null;
        return;
      }
      case 'response': {
        // Taken only by a requester still waiting for it (first answer wins).
        if (!d.takeInflight(m.replyTo)) return;
        const i = this.index(m.to);
        if (!d.hosts[i] || d.incs[i] !== m.inc) return;
        return this.run(d, i, { type: 'response', token: m.token, answer: m.answer }, `m${this.messagePrint(m)}`);
      }
      case 'fs': {
        const replyTo = `${m.from}#${m.inc}.${m.token}`;
        const r = this.fs.step(d.fs, m.from, m.op, m.args, replyTo, this.messagePrint(m), m.fence);
        d.fs = r.node;
        for (const s of r.stale) d.notes.push({ kind: 'stale', pid: s.fence.pid, epoch: s.fence.epoch, newest: s.newest, what: `${s.verb} from ${s.host} at the file server` });
        for (const x of r.replies) {
          const f = d.inflight.find((y) => y.replyTo === x.to);
          if (f) this.answer(d, f, x.answer, 'fs', false);
        }
        return;
      }
      case 'dir': {
        // Applied whether or not the requester still waits (a KV write whose answer is late or lost).
        const r = applyDirectory(d.dir, d.dirSeq, m.op);
        d.dir = r.reg;
        d.dirSeq = r.seq;
        const f = d.inflight.find((y) => y.replyTo === `${m.from}#${m.inc}.${m.token}`);
        if (f) this.answer(d, f, r.answer, 'dir', false);
        return;
      }
      case 'client': {
        if (!d.takeInflight(m.replyTo)) return;
        return this.clientAnswer(d, m.index, m.answer);
      }
    }
  }

  /** The client got an answer: recorded as `ok <outcome or value>` or `error <code>`. */
  private clientAnswer(d: Draft, index: number, a: Answer): void {
    const text = a.ok ? `ok ${JSON.stringify((a.value as { outcome?: unknown } | null)?.outcome ?? a.value)}` : `error ${a.error.code}`;
    d.setObs({ ...d.obs, answers: { ...d.obs.answers, [index]: text } });
  }

  /** Host `i` takes an input; its outputs go out into the world. */
  private run(d: Draft, i: number, input: Parameters<HostSpace['step']>[1], key: string): void {
    const node = d.hosts[i]!;
    const host = this.hostIds[i]!;
    const r = this.hosts.step(node, input, key, d.clock, d.clock);
    d.hosts[i] = r.node;
    for (const o of r.out) this.output(d, host, d.incs[i]!, o);
  }

  private output(d: Draft, host: string, inc: number, o: HostOutput): void {
    const cut = d.links[this.index(host)] === 'cut';
    switch (o.type) {
      case 'reply': {
        // An effect of a pid taken (answered ok) as the request reached the host: fenced by epoch.
        if (d.effect?.replyTo === o.to && o.answer.ok) d.accepted(d.effect);
        const f = d.inflight.find((x) => x.replyTo === o.to);
        // A cut-off host's answer never leaves it: the requester times out.
        if (!f || cut) return;
        if (!this.checkedAnswers.has(o.answer)) {
          checkReply(host, f.about, o.answer);
          this.checkedAnswers.add(o.answer);
        }
        this.answer(d, f, o.answer, host, false);
        return;
      }
      case 'request':
        // A cut-off host's request goes nowhere: it waits until it times out.
        if (cut) return d.addInflight({ replyTo: `${host}#${inc}.${o.token}`, deadline: d.clock + o.timeoutMs, requester: { host, inc, token: o.token }, about: parseHostSubject(o.subject)?.verb ?? 'deliver' });
        return this.request(d, host, `${host}#${inc}.${o.token}`, { host, inc, token: o.token }, o.subject, o.body, o.timeoutMs, o.bytes);
      case 'fs': {
        const replyTo = `${host}#${inc}.${o.token}`;
        d.addInflight({ replyTo, deadline: d.clock + FS_TIMEOUT_MS, requester: { host, inc, token: o.token }, about: `fs.${o.op}` });
        if (cut) return;
        d.put(`${host}>fs`, { kind: 'fs', from: host, to: 'fs', inc, token: o.token, op: o.op, args: o.args, ...(o.fence ? { fence: o.fence } : {}), about: o.op });
        return;
      }
      case 'directory': {
        const replyTo = `${host}#${inc}.${o.token}`;
        const about = `dir.${o.op.op}`;
        d.addInflight({ replyTo, deadline: d.clock + FS_TIMEOUT_MS, requester: { host, inc, token: o.token }, about });
        if (cut) return;
        d.put(`${host}>dir`, { kind: 'dir', from: host, to: 'dir', inc, token: o.token, op: o.op, about });
        return;
      }
      case 'publish': {
        const b = o.body as { kind?: string; pid?: string; code?: number };
        if (b.kind === 'exit' && typeof b.pid === 'string') d.setObs({ ...d.obs, exits: { ...d.obs.exits, [b.pid]: b.code ?? -1 } });
        return;
      }
      case 'console': {
        const prev = d.obs.console[o.pid] ?? '';
        d.setObs({ ...d.obs, console: { ...d.obs.console, [o.pid]: prev + (o.fd === 1 ? o.data : `[${o.fd}]${o.data}`) } });
        return;
      }
      case 'event': {
        if (o.kind === 'proc.emit') {
          const pid = o.data.pid as string;
          const prev = d.obs.emits[pid] ?? [];
          d.setObs({ ...d.obs, emits: { ...d.obs.emits, [pid]: [...prev, JSON.stringify(o.data.event)] } });
        } else if (o.kind === 'proc.exit') {
          d.setObs({ ...d.obs, ended: [...d.obs.ended, o.data.pid as string] });
        } else if (o.kind === 'proc.migrated') {
          const r = o.data as { pid: string; from: string; to: string; outcome: string; totalMs: number };
          d.setObs({ ...d.obs, migrations: [...d.obs.migrations, `${r.pid} ${r.from}>${r.to} ${r.outcome}`] });
          d.notes.push({ kind: 'migrated', host, pid: r.pid, outcome: r.outcome, totalMs: r.totalMs, to: r.to });
        }
        return;
      }
    }
  }

  /** Sends a request: to the host(s) its subject leads to, or an immediate no-responders answer. */
  private request(d: Draft, from: string, replyTo: string, requester: Inflight['requester'], subject: string, body: unknown, timeoutMs: number, bytes?: Uint8Array): void {
    const targets = route(this.subjects, subject, body, this.reachable(d));
    const about = targets[0]?.verb ?? parseHostSubject(subject)?.verb ?? 'deliver';
    const f: Inflight = { replyTo, deadline: d.clock + timeoutMs, requester, about };
    d.addInflight(f);
    if (targets.length === 0) {
      this.answer(d, f, noResponders(subject), 'nats', false);
      return;
    }
    // NATS delivers to every subscriber; the first answer wins.
    for (const t of targets) d.put(`${from}>${t.host}`, { kind: 'request', from, to: t.host, verb: t.verb, body: t.body, replyTo, ...(bytes ? { bytes } : {}), about: t.verb });
  }

  /** Who is up and subscribed to what in the world being changed, for routing. */
  private reachable(d: Draft): Reachable {
    return {
      // A cut-off host has no subscriptions at the server: no responders.
      isUp: (host) => {
        const i = this.hostIds.indexOf(host);
        return i >= 0 && d.hosts[i] !== null && d.links[i] !== 'cut';
      },
      subscribers: (pid) => {
        const out: string[] = [];
        d.hosts.forEach((n, i) => n?.subs.includes(pid) && d.links[i] !== 'cut' && out.push(this.hostIds[i]!));
        return out;
      },
    };
  }

  /**
   * An answer for a request still waiting: onto the network back to its requester, or (a
   * timeout, which the requester's own client library gives) handed over at once — the
   * request is then no longer waiting.
   */
  private answer(d: Draft, f: Inflight, answer: Answer, from: string, local: boolean): void {
    if ('client' in f.requester) {
      if (local) return this.clientAnswer(d, f.requester.client, answer);
      return d.put(`${from}>client`, { kind: 'client', from, to: 'client', index: f.requester.client, replyTo: f.replyTo, answer, about: f.about });
    }
    const { host, inc, token } = f.requester;
    const m: Message = { kind: 'response', from, to: host, inc, token, replyTo: f.replyTo, answer, about: f.about };
    const i = this.index(host);
    // An answer for a cut-off host is lost (it times out); a paused one's waits in its socket.
    if (!local) return d.links[i] === 'cut' ? undefined : d.put(`${from}>${host}`, m);
    if (d.hosts[i] && d.incs[i] === inc) this.run(d, i, { type: 'response', token, answer }, `m${this.messagePrint(m)}`);
  }
}

/** An effect of a process a request carries: whose, at which directory epoch, and what. */
interface Effect {
  replyTo: string;
  pid: string;
  epoch: number;
  what: string;
}

/** The effect a host-to-host request carries: a forwarded call (of `pid`) or a message (of `from`), with the sender's epoch. */
function effectOf(m: Extract<Message, { kind: 'request' }>): Effect | null {
  const b = m.body as { pid?: unknown; from?: unknown; epoch?: unknown; call?: unknown } | null;
  if (!b || typeof b.epoch !== 'number') return null;
  if (m.verb === 'syscall' && typeof b.pid === 'string') return { replyTo: m.replyTo, pid: b.pid, epoch: b.epoch, what: `${String(b.call)} at ${m.to}` };
  if (m.verb === 'deliver' && typeof b.from === 'string') return { replyTo: m.replyTo, pid: b.from, epoch: b.epoch, what: `message to ${String(b.pid)}` };
  return null;
}

/** A world being changed by one step. */
class Draft {
  hosts: (HostNode | null)[];
  incs: number[];
  links: Link[];
  outageAt: number[];
  fs: World['fs'];
  dir: World['dir'];
  dirSeq: number;
  newest: World['newest'];
  net: Channel[];
  inflight: Inflight[];
  clock: number;
  budget: Budget;
  client: number;
  obs: Observations;
  notes: Note[] = [];
  /** The effect the request being delivered carries, while its host takes it. */
  effect: Effect | null = null;
  private obsChanged = false;

  constructor(
    private readonly model: Model,
    private readonly w: World,
  ) {
    this.hosts = w.hosts.slice();
    this.incs = w.incs.slice();
    this.links = w.links.slice();
    this.outageAt = w.outageAt.slice();
    this.fs = w.fs;
    this.dir = w.dir;
    this.dirSeq = w.dirSeq;
    this.newest = w.newest;
    this.net = w.net as Channel[];
    this.inflight = w.inflight as Inflight[];
    this.clock = w.clock;
    this.budget = w.budget;
    this.client = w.client;
    this.obs = w.obs;
  }

  /** An effect was accepted: newer than any before it, or noted as stale. */
  accepted(e: Effect): void {
    const newest = this.newest[e.pid] ?? 0;
    if (e.epoch < newest) this.notes.push({ kind: 'stale', pid: e.pid, epoch: e.epoch, newest, what: e.what });
    else if (e.epoch > newest) this.newest = { ...this.newest, [e.pid]: e.epoch };
  }

  spend(kind: Exclude<keyof Budget, 'total'>): void {
    if (this.budget[kind] <= 0 || this.budget.total <= 0) throw new Error(`no ${kind} left`);
    this.budget = { ...this.budget, [kind]: this.budget[kind] - 1, total: this.budget.total - 1 };
  }

  perturb(): void {
    if (!this.obs.perturbed) this.setObs({ ...this.obs, perturbed: true });
  }

  setObs(o: Observations): void {
    this.obs = o;
    this.obsChanged = true;
  }

  peek(channel: string, index: number): Message {
    const c = this.net.find((x) => x.key === channel);
    const m = c?.msgs[index];
    if (!m) throw new Error(`nothing at ${channel}[${index}]`);
    return m;
  }

  take(channel: string, index: number): Message {
    const m = this.peek(channel, index);
    this.net = this.net.map((c) => (c.key === channel ? { key: c.key, msgs: c.msgs.filter((_, i) => i !== index) } : c)).filter((c) => c.msgs.length > 0);
    return m;
  }

  /** Puts a message on a channel, at its end or at `at`. Channels stay sorted by key. */
  put(channel: string, m: Message, at?: number): void {
    const i = this.net.findIndex((c) => c.key === channel);
    if (i < 0) {
      const net = [...this.net, { key: channel, msgs: [m] }];
      net.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.net = net;
      return;
    }
    const msgs = this.net[i]!.msgs.slice();
    msgs.splice(at ?? msgs.length, 0, m);
    const net = this.net.slice();
    net[i] = { key: channel, msgs };
    this.net = net;
  }

  addInflight(f: Inflight): void {
    this.inflight = [...this.inflight.filter((x) => x.replyTo !== f.replyTo), f].sort((a, b) => (a.replyTo < b.replyTo ? -1 : 1));
  }

  takeInflight(replyTo: string): Inflight | undefined {
    const f = this.inflight.find((x) => x.replyTo === replyTo);
    if (f) this.inflight = this.inflight.filter((x) => x !== f);
    return f;
  }

  done(): World {
    return {
      hosts: this.hosts,
      incs: this.incs,
      links: this.links,
      outageAt: this.outageAt,
      fs: this.fs,
      dir: this.dir,
      dirSeq: this.dirSeq,
      newest: this.newest,
      net: this.net,
      inflight: this.inflight,
      clock: this.clock,
      budget: this.budget,
      client: this.client,
      obs: this.obs,
      obsId: this.obsChanged ? this.model.obsId(this.obs) : this.w.obsId,
      notes: this.notes,
    };
  }
}

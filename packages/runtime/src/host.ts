import { Subject, type Observable } from 'rxjs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  ErrorCode,
  WispError,
  assertHostId,
  decode,
  decodeFrame,
  encode,
  encodeFrame,
  framedPart,
  type DirectoryOp,
  type FsFence,
  type HostVerb,
  errorReply,
  gateOf,
  isHostVerb,
  NatsEdge,
  okReply,
  replyBoot,
  toWireError,
  unwrapReply,
} from '@wisp/protocol';
import type { ProgramRegistry } from '@wisp/proc';
import { Kernel, fsMethodArgs, startHostLifecycle, type CleanerConfig, type Effect, type FsOp, type HostLifecycle, type KernelEvent } from '@wisp/kernel';
import { systemClock, systemTimers, type Clock, type Timers } from './clock.js';
import type { ClusterEvent } from './clusterEvents.js';
import { HostLease, newBootId } from './hostLease.js';
import { createLogger, type Logger } from './logger.js';
import { PidBlocks } from './pidBlocks.js';
import { ProcessDirectory } from './processDirectory.js';
import { OwnerActivity, type OwnerActivityOptions } from './ownerActivity.js';
import { ReplyInbox } from './replyInbox.js';

/** How to run a host. */
export interface HostOptions {
  /** Host id (letters, digits, _). */
  id: string;
  /** A connected NATS client; the host does not close it. */
  nc: NatsConnection;
  /** Programs this host can run. */
  registry: ProgramRegistry;
  cluster?: string;
  /** This host's clock offset, ms (to show that time is always the home's). */
  clockSkewMs?: number;
  /** Replaces the system clock (the skew is not applied to a given clock). */
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  /** Where home-console output goes; default: stdout, prefixed with the pid. */
  console?: (pid: string, fd: number, data: string) => void;
  /** Timeout of forwarded calls and control requests, ms. */
  callTimeoutMs?: number;
  /** Slices run before yielding to I/O. */
  sliceBudget?: number;
  /**
   * The file-system client (an `FsClient` from `@wisp/fs`, ideally on the same connection, with
   * its default `serveCallbacks`) that performs the kernel's `fs` effects. Without one, file
   * calls fail with `ENOSYS`. A function is called once the lease is taken, so a duplicate host
   * never starts a client that answers the real one's callbacks.
   */
  fs?: HostFs | (() => Promise<HostFs>);
  /** Report owner idle time, load and foreign processes to migd (and take `wisp input`); off when absent. */
  owner?: OwnerActivityOptions;
  /**
   * Hold a lease on the host id — refusing to start (`EEXIST`) while another live host holds it —
   * and take pids from the cluster's durable counter, so none is reused after a restart. Both
   * need JetStream. Off when absent (in-process hosts of tests and benches).
   */
  lease?: { ttlMs?: number };
  /**
   * The background cleaner: dirty pages of the processes running here go to their backing files
   * while they run (paced, a few writes in flight, only when no process waits to run), so a
   * flush — an eviction — writes only what was dirtied since. On by default; `false` turns it off.
   * Its counts are in `info` (`cleaner`).
   */
  cleaner?: CleanerConfig | false;
}

/** What a host holds in the cluster's KV store when {@link HostOptions.lease} is on. */
interface Durable {
  lease: HostLease;
  pids: PidBlocks;
}

/**
 * What a host needs of a file-system client: the `FsClient` methods named by `fs` effects.
 * Structural, so the runtime does not depend on `@wisp/fs` (which uses the runtime in its tests).
 * Each method takes the fence of a fenced effect as its last argument (`FS_OP_ARITY`).
 */
export type HostFs = Record<FsOp, (...args: any[]) => Promise<unknown>>;

/** Verbs other hosts and clients may send to a host subject (`deliver` comes on `proc.<pid>`). */
const publicVerb = (verb: string) => isHostVerb(verb) && verb !== 'deliver';

/**
 * A host: the pure {@link Kernel} bound to NATS. It validates every incoming message at the
 * edge (a bad one gets an error reply and a log line), performs the kernel's effects, and
 * publishes cluster events.
 */
export class Host {
  readonly id: string;
  /** This run of the host (a new id at every start): every answer it sends carries it. */
  readonly boot: string;
  readonly kernel: Kernel;
  /** Cluster events raised by this host. */
  readonly events$: Observable<ClusterEvent>;
  /** The owner's activity and the reports to migd, when enabled by {@link HostOptions.owner}. */
  owner: OwnerActivity | null = null;
  private readonly events = new Subject<ClusterEvent>();
  private readonly nc: NatsConnection;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly procLogs = new Map<string, Logger>();
  private readonly subs: Subscription[] = [];
  private readonly procSubs = new Map<string, Subscription>();
  private readonly armed = new Map<string, unknown>();
  private readonly consoleOut: (pid: string, fd: number, data: string) => void;
  private readonly budget: number;
  private readonly inbox: ReplyInbox;
  /** Where every subscription callback and publish of this host goes through (never throws). */
  readonly edge: NatsEdge;
  private readonly fs: HostFs | undefined;
  private readonly durable: Durable | null;
  private readonly directory: ProcessDirectory;
  /** Booting, serving, evicting, disconnected, stopping, stopped (see `hostLifecycle` in `@wisp/kernel`). */
  private readonly life: HostLifecycle;
  private pumping = false;
  private pumpQueued = false;
  private stopped = false;

  private constructor(opts: HostOptions & { fs?: HostFs }, durable: Durable | null, directory: ProcessDirectory) {
    this.id = assertHostId(opts.id);
    this.durable = durable;
    this.directory = directory;
    this.nc = opts.nc;
    this.clock = opts.clock ?? systemClock(opts.clockSkewMs ?? 0);
    this.timers = opts.timers ?? systemTimers;
    // One child per actor: the host's kernel here, each process's beside it (`loggerFor`).
    this.log = (opts.logger ?? createLogger()).child({ host: this.id, machine: 'kernel' });
    this.consoleOut = opts.console ?? ((pid, fd, data) => (fd === 2 ? process.stderr : process.stdout).write(prefixLines(pid, data)));
    this.budget = opts.sliceBudget ?? 256;
    this.kernel = new Kernel({
      hostId: this.id,
      cluster: opts.cluster,
      registry: opts.registry,
      callTimeoutMs: opts.callTimeoutMs,
      clockSkewMs: opts.clockSkewMs ?? 0,
      osPid: process.pid,
      startedAt: this.clock.now(),
      // (Without a file system there are no backing files to write to.)
      cleaner: opts.fs ? (opts.cleaner ?? {}) : false,
      // The lease's boot id when there is one: the directory and the lease name the same run.
      boot: durable?.lease.holder.boot ?? newBootId(),
      ...(durable ? { allocatePid: () => durable.pids.allocate() } : {}),
    });
    this.boot = this.kernel.boot;
    this.events$ = this.events.asObservable();
    this.edge = new NatsEdge(this.nc, this.log, {
      onChange: (up, downMs) => {
        if (up) this.publishEvent('host.reconnected', { downMs });
      },
    });
    this.inbox = new ReplyInbox(this.nc, this.edge);
    this.fs = opts.fs;
    this.life = startHostLifecycle(() => this.feed({ type: 'request', verb: 'evict', body: {}, replyTo: null, now: this.clock.now() }));
  }

  /** Where the host is in its lifecycle: `booting`, `serving`, `evicting`, `disconnected`, `stopping` or `stopped`. */
  get state(): string {
    return String(this.life.getSnapshot().value);
  }

  /** Starts a host and waits until the server has its subscriptions. */
  static async start(opts: HostOptions): Promise<Host> {
    let host: Host | null = null;
    let durable: Durable | null = null;
    if (opts.lease) {
      const nc = opts.nc;
      const cluster = opts.cluster ?? 'default';
      const log = (opts.logger ?? createLogger()).child({ host: assertHostId(opts.id), machine: 'lease' });
      const lease = await HostLease.acquire({ nc, cluster, host: opts.id, log, ttlMs: opts.lease.ttlMs, onLost: (h) => host?.publishEvent('host.leaseLost', { boot: h.boot }) });
      try {
        durable = { lease, pids: await PidBlocks.open({ nc, cluster, host: opts.id, log }) };
      } catch (err) {
        await lease.release();
        throw err;
      }
    }
    let fs: HostFs | undefined;
    let directory: ProcessDirectory;
    try {
      directory = await ProcessDirectory.open(opts.nc, opts.cluster ?? 'default');
      fs = typeof opts.fs === 'function' ? await opts.fs() : opts.fs;
    } catch (err) {
      await durable?.lease.release();
      throw err;
    }
    host = new Host({ ...opts, fs }, durable, directory);
    durable?.lease.watch((held) => host?.feed({ type: 'lease', held, now: host.clock.now() }));
    const s = host.kernel.subjects;
    const onHostMsg = host.edge.callback('host', (msg: Msg) => host.onMessage(msg));
    host.subs.push(host.nc.subscribe(s.hostAll(host.id), { callback: onHostMsg }));
    host.subs.push(host.nc.subscribe(s.hosts('*'), { callback: onHostMsg }));
    await host.nc.flush();
    host.life.send({ type: 'subscribed' });
    host.watchConnection().catch((err: unknown) => host.log.warn({ err }, 'connection status ended'));
    if (opts.owner) {
      host.owner = await OwnerActivity.start({ host: host.id, boot: host.boot, nc: host.nc, subjects: s, clock: host.clock, log: host.log, edge: host.edge }, opts.owner);
      // The owner is back: every foreign process goes home (DESIGN §7), each a normal migration.
      host.owner.input$.subscribe(() => {
        host.life.send({ type: 'evict', foreign: host.kernel.foreignCount });
      });
    }
    host.log.info({ programs: opts.registry.list().length }, 'host up');
    host.publishEvent('host.up', {});
    return host;
  }

  /** Stops serving: unsubscribes and disarms timers. Processes here are lost (no eviction yet). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.life.send({ type: 'stop' });
    this.owner?.stop();
    this.publishEvent('host.down', {});
    this.stopped = true;
    for (const s of [...this.subs, ...this.procSubs.values()]) s.unsubscribe();
    this.inbox.close();
    this.edge.close();
    for (const h of this.armed.values()) this.timers.clear(h);
    this.armed.clear();
    this.events.complete();
    await this.nc.flush().catch(() => undefined);
    await this.durable?.lease.release();
    this.life.send({ type: 'stopped' });
  }

  /** Tells the lifecycle when the connection to NATS drops and comes back, until the host stops. */
  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.stopped) return;
      if (s.type === 'disconnect') this.life.send({ type: 'disconnected' });
      else if (s.type === 'reconnect') this.life.send({ type: 'reconnected' });
    }
  }

  private onMessage(msg: Msg): void {
    // `host.<id>.cache.disable` and other dotted verbs belong to the host's file-system client.
    const subject = msg.subject;
    if (dots(subject) > 4) return;
    this.accept(msg, subject.slice(subject.lastIndexOf('.') + 1), null);
  }

  private onProcMessage(pid: string, msg: Msg): void {
    this.accept(msg, 'deliver', pid);
  }

  /**
   * Decodes at the edge and hands the request to the kernel, which validates the body against
   * the command registry (once: it must anyway, being driven directly by tests and the checker)
   * and answers a bad one with an error reply and a warning that is logged here.
   */
  private accept(msg: Msg, verb: string, pid: string | null): void {
    if (this.stopped) return;
    let body: unknown;
    let bytes: Uint8Array | undefined;
    try {
      if (verb !== 'deliver' && !publicVerb(verb)) throw new WispError(ErrorCode.EINVAL, `unknown verb '${verb}'`);
      if (verb !== 'deliver' && framedPart(verb as HostVerb) === 'request') ({ meta: body, bytes } = decodeFrame(msg.data));
      else body = decode(msg.data);
    } catch (err) {
      const error = toWireError(err);
      this.log.warn({ subject: msg.subject, code: error.code }, `rejected message: ${error.message}`);
      this.edge.respond(msg, encode(errorReply(error, this.boot)));
      return;
    }
    // A message for a pid carries it as the kernel's `deliver` wants it, from the subject. A
    // decoded object is this host's own: the pid is set on it rather than copied with it.
    if (pid !== null) {
      if (isPlainObject(body)) body.pid = pid;
      else body = { ...(body as object), pid };
    }
    // nats.js gives '' for "no reply subject": such a request is processed and counted, never answered.
    const event: KernelEvent & { type: 'request' } = { type: 'request', verb, body, replyTo: this.edge.replyOf(msg), now: this.clock.now() };
    if (bytes) event.bytes = bytes;
    this.feed(event);
  }

  private feed(event: KernelEvent): void {
    // Woken from a pause past the lease, or cut off: the processes stop before anything else.
    if (event.type !== 'lease') this.durable?.lease.check();
    try {
      this.kernel.handle(event);
    } catch (err) {
      // The kernel answers bad input itself; reaching here is a kernel bug. Keep serving.
      this.log.error({ err, event: event.type }, 'kernel failed on an event');
      if (event.type === 'request' && event.replyTo) this.edge.answer(event.replyTo, encode(errorReply(toWireError(err), this.boot)));
    }
    this.pump();
  }

  /** Performs effects and runs process slices until idle, yielding to I/O between batches. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      this.perform(this.kernel.takeEffects());
      if (this.kernel.hasWork) {
        this.kernel.run(this.clock.now(), this.budget);
        this.perform(this.kernel.takeEffects());
      }
    } finally {
      this.pumping = false;
    }
    if (this.kernel.hasWork && !this.pumpQueued) {
      this.pumpQueued = true;
      setImmediate(() => {
        this.pumpQueued = false;
        this.pump();
      });
    }
  }

  private perform(effects: Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'reply':
          // Every answer carries this run's boot: a peer can tell a restarted host from one that never had it.
          this.edge.answer(e.to, e.ok && e.bytes ? encodeFrame(okReply(e.value, this.boot), e.bytes) : encode(e.ok ? okReply(e.value, this.boot) : errorReply(e.error, this.boot)));
          break;
        case 'request':
          this.request(e.token, e.subject, e.bytes ? encodeFrame(e.body, e.bytes) : encode(e.body), e.timeoutMs, e.framedReply ?? false);
          break;
        case 'publish':
          this.edge.publish(e.subject, encode(e.body));
          break;
        case 'subscribe': {
          const pid = e.pid;
          if (this.procSubs.has(pid)) break;
          this.procSubs.set(pid, this.nc.subscribe(this.kernel.subjects.proc(pid), { callback: this.edge.callback('process', (msg: Msg) => this.onProcMessage(pid, msg)) }));
          break;
        }
        case 'unsubscribe':
          this.procSubs.get(e.pid)?.unsubscribe();
          this.procSubs.delete(e.pid);
          this.procLogs.delete(e.pid);
          break;
        case 'setTimer': {
          const id = e.id;
          this.armed.set(id, this.timers.set(() => {
            this.armed.delete(id);
            this.feed({ type: 'timer', id, now: this.clock.now() });
          }, e.delayMs));
          break;
        }
        case 'cancelTimer':
          this.timers.clear(this.armed.get(e.id));
          this.armed.delete(e.id);
          break;
        case 'console':
          this.consoleOut(e.pid, e.fd, e.data);
          break;
        case 'log':
          this.loggerFor(e.fields?.pid)[e.level](e.fields ?? {}, e.msg);
          break;
        case 'event':
          this.publishEvent(e.kind, e.data);
          if (e.kind === 'host.evicted') this.life.send({ type: 'evicted' });
          break;
        case 'fs':
          this.fsOp(e.token, e.op, e.args, e.fence);
          break;
        case 'directory':
          if (e.op.op === 'update') this.directoryUpdate(e.token, e.op);
          // Not sent into a dead connection (nats.js drops it at its next dial): after the reconnect.
          else this.answerLater(e.token, () => gateOf(this.nc).up().then(() => this.directory.perform(e.op)));
          break;
      }
    }
  }

  private request(token: number, subject: string, data: Uint8Array, timeoutMs: number, framedReply: boolean): void {
    this.inbox.request(subject, data, timeoutMs, (r) => {
      const now = this.clock.now();
      if (!r.ok) return this.feed({ type: 'response', token, ok: false, error: r.error, now });
      let event: KernelEvent;
      // The envelope, kept to read the answering host's boot from (an error reply's too).
      let envelope: unknown;
      try {
        if (framedReply && r.msg.data[0] === 0) {
          // A frame (its header's high byte is 0; JSON never starts with a NUL): value and raw bytes.
          const { meta, bytes } = decodeFrame(r.msg.data);
          envelope = meta;
          event = { type: 'response', token, ok: true, value: unwrapReply(meta), bytes, now, boot: replyBoot(meta) };
        } else {
          envelope = decode(r.msg.data);
          event = { type: 'response', token, ok: true, value: unwrapReply(envelope), now, boot: replyBoot(envelope) };
        }
      } catch (err) {
        event = { type: 'response', token, ok: false, error: toWireError(err), now, boot: replyBoot(envelope) };
      }
      this.feed(event);
    });
  }

  /**
   * A directory compare-and-set (a migration's claim, a fence) published at once on the reply
   * inbox: it leaves in this batch's write, not a write of its own a microtask later.
   */
  private directoryUpdate(token: number, op: Extract<DirectoryOp, { op: 'update' }>): void {
    const r = this.directory.updateRequest(op);
    this.inbox.request(r.subject, r.data, DIRECTORY_TIMEOUT_MS, (res) => {
      let event: KernelEvent;
      try {
        if (!res.ok) throw new WispError(res.error.code, `directory update of ${op.pid}: ${res.error.message}`);
        event = { type: 'response', token, ok: true, value: this.directory.updateAnswer(op, res.msg.data), now: this.clock.now() };
      } catch (err) {
        event = { type: 'response', token, ok: false, error: toWireError(err), now: this.clock.now() };
      }
      this.feed(event);
    }, r.headers);
  }

  /** Performs an `fs` effect with the file-system client (its fence as the method's last argument); the answer is fed back as a `response`. */
  private fsOp(token: number, op: FsOp, args: unknown[], fence: FsFence | undefined): void {
    const fs = this.fs;
    this.answerLater(token, () => {
      if (!fs) throw new WispError(ErrorCode.ENOSYS, `${op}: host ${this.id} has no file system`);
      const method = fs[op];
      if (typeof method !== 'function') throw new WispError(ErrorCode.ENOSYS, `${op}: not a file-system operation`);
      return method.apply(fs, fsMethodArgs(op, args, fence));
    });
  }

  /** Runs `work` and feeds its result back as the `response` to `token`. */
  private answerLater(token: number, work: () => Promise<unknown>): void {
    // Always answered asynchronously: effects are being performed, the kernel is not to be re-entered.
    void Promise.resolve()
      .then(work)
      .then(
        (value) => this.feed({ type: 'response', token, ok: true, value: value ?? null, now: this.clock.now() }),
        (err) => this.feed({ type: 'response', token, ok: false, error: toWireError(err), now: this.clock.now() }),
      );
  }

  private loggerFor(pid: unknown): Logger {
    if (typeof pid !== 'string') return this.log;
    let l = this.procLogs.get(pid);
    if (!l) {
      l = this.log.child({ pid });
      this.procLogs.set(pid, l);
    }
    return l;
  }

  private publishEvent(kind: string, data: Record<string, unknown>): void {
    const ev: ClusterEvent = { kind, host: this.id, at: this.clock.now(), data };
    if (!this.stopped) this.events.next(ev);
    this.edge.publish(this.kernel.subjects.event(kind), encode(ev));
  }
}

/** The number of `.` in a subject. */
function dots(subject: string): number {
  let n = 0;
  for (let i = subject.indexOf('.'); i !== -1; i = subject.indexOf('.', i + 1)) n++;
  return n;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** How long a directory compare-and-set waits for JetStream's ack (nats.js's default for `kv.update`). */
const DIRECTORY_TIMEOUT_MS = 5000;

function prefixLines(pid: string, data: string): string {
  const lines = data.endsWith('\n') ? data.slice(0, -1).split('\n') : data.split('\n');
  return lines.map((l) => `[${pid}] ${l}\n`).join('');
}

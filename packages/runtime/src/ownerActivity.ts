import { Subject, type Observable } from 'rxjs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  OwnerInputRequest,
  PsReply,
  decode,
  encode,
  errorReply,
  okReply,
  toWireError,
  unwrapReply,
  type HostReport,
  type NatsEdge,
  type Subjects,
} from '@wisp/protocol';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * A pluggable source of owner input (e.g. the host's own terminal): called once with `input`,
 * which it calls on every keystroke; returns a function that stops it.
 */
export type OwnerInputSource = (input: (source: string) => void) => (() => void) | void;

/** How a host reports its owner's activity. */
export interface OwnerActivityOptions {
  /** Ms between periodic reports to migd (default 1000; tests use ~50). */
  reportMs?: number;
  /** Extra owner-input sources besides `wisp input <host>`. */
  sources?: OwnerInputSource[];
}

/** One keystroke seen by a host's {@link OwnerActivity}. */
export interface OwnerInput {
  host: string;
  source: string;
  at: number;
  /** How long the owner had been idle before it, ms. */
  idleMsBefore: number;
}

/** What {@link OwnerActivity} needs from its host. */
interface OwnerActivityDeps {
  host: string;
  nc: NatsConnection;
  subjects: Subjects;
  clock: Clock;
  log: Logger;
  /** The host's safe edge on `nc`. */
  edge: NatsEdge;
  /** The host's run, carried by its answers (see `replyBoot` in `@wisp/protocol`). */
  boot?: string;
}

/** Process states that count as load: the process wants the CPU or waits on a call. */
const LOADED = new Set(['runnable', 'blocked']);

/**
 * A host's owner activity: tracks the time of the owner's last input (from `wisp input <host>`,
 * a request on `host.<id>.owner.input`, and from pluggable {@link OwnerInputSource}s) and
 * publishes a {@link HostReport} — idle ms, load, foreign pids — on `migd.report` every
 * `reportMs`, and at once on input so migd can reclaim the host quickly.
 *
 * Load and foreign processes come from the host's own `ps` (a request to itself), so the report
 * sees what any client sees and needs nothing private of the kernel.
 */
export class OwnerActivity {
  /** Every owner input on this host, as it happens (the hook eviction can listen to). */
  readonly input$: Observable<OwnerInput>;
  private readonly inputs = new Subject<OwnerInput>();
  private readonly deps: OwnerActivityDeps;
  private readonly reportMs: number;
  private readonly stops: Array<() => void> = [];
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastInputAt: number;
  private reporting = false;
  private stopped = false;

  private constructor(deps: OwnerActivityDeps, opts: OwnerActivityOptions) {
    this.deps = deps;
    this.reportMs = Math.max(10, opts.reportMs ?? 1000);
    // A host just started counts as just touched: it becomes idle only after the idle threshold.
    this.lastInputAt = deps.clock.now();
    this.input$ = this.inputs.asObservable();
  }

  /** Starts listening for input and reporting; resolves once the input subscription is live. */
  static async start(deps: OwnerActivityDeps, opts: OwnerActivityOptions = {}): Promise<OwnerActivity> {
    const a = new OwnerActivity(deps, opts);
    a.sub = deps.nc.subscribe(deps.subjects.ownerInput(deps.host), {
      callback: deps.edge.callback('owner input', (msg: Msg) => {
        let source = 'wisp input';
        try {
          source = OwnerInputRequest.parse(decode(msg.data)).source ?? source;
        } catch (err) {
          const error = toWireError(err);
          a.deps.log.warn({ subject: msg.subject, code: error.code }, `rejected owner input: ${error.message}`);
          deps.edge.respond(msg, encode(errorReply(error, deps.boot)));
          return;
        }
        const seen = a.input(source);
        deps.edge.respond(msg, encode(okReply({ host: deps.host, idleMsBefore: seen.idleMsBefore }, deps.boot)));
      }),
    });
    for (const s of opts.sources ?? []) {
      const stop = s((source) => a.input(source));
      if (stop) a.stops.push(stop);
    }
    await deps.nc.flush();
    a.timer = setInterval(() => void a.report(false), a.reportMs);
    a.timer.unref();
    void a.report(false);
    return a;
  }

  /** Ms since the owner's last input. */
  get idleMs(): number {
    return Math.max(0, this.deps.clock.now() - this.lastInputAt);
  }

  /** Records one owner input and reports it at once. */
  input(source = 'local'): OwnerInput {
    const at = this.deps.clock.now();
    const seen: OwnerInput = { host: this.deps.host, source, at, idleMsBefore: Math.max(0, at - this.lastInputAt) };
    this.lastInputAt = at;
    this.deps.log.info({ source, idleMsBefore: seen.idleMsBefore }, 'owner input');
    if (!this.stopped) this.inputs.next(seen);
    void this.report(true);
    return seen;
  }

  /** Stops reporting and listening. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.sub?.unsubscribe();
    for (const s of this.stops) s();
    this.inputs.complete();
  }

  private async report(input: boolean): Promise<void> {
    // One periodic report at a time: a busy host answers its own ps late, and reports would pile up.
    if (this.stopped || (this.reporting && !input)) return;
    this.reporting = true;
    try {
      const { host, nc, subjects } = this.deps;
      const ps = PsReply.parse(unwrapReply(decode((await nc.request(subjects.host(host, 'ps'), encode({}), { timeout: Math.max(1000, this.reportMs * 4) })).data)));
      const here = ps.procs.filter((p) => p.host === host && p.state !== 'exited');
      const report: HostReport = {
        host,
        idleMs: this.idleMs,
        load: here.filter((p) => LOADED.has(p.state)).length,
        foreign: here.filter((p) => p.home !== host).map((p) => p.pid),
        ...(input ? { input: true } : {}),
      };
      if (!this.stopped) this.deps.edge.publish(subjects.migd('report'), encode(report));
    } catch (err) {
      if (!this.stopped) this.deps.log.debug({ err: (err as Error).message }, 'host report skipped');
    } finally {
      this.reporting = false;
    }
  }
}

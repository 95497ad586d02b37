import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { NatsEdge, decode, encode, errorReply, okReply, subjects, toWireError, type Subjects } from '@wisp/protocol';
import { createLogger, systemClock, type Clock, type ClusterEvent, type Logger } from '@wisp/runtime';
import type { MigdConfig } from './migdState.js';
import { startMigd, stepMigd, type MigdEffect, type MigdSnapshot } from './migdStep.js';
import type { MigdEvent } from './migdMachine.js';

/** How to run a {@link MigdProcess}. */
export interface MigdProcessOptions {
  /** A connected NATS client; migd does not close it. */
  nc: NatsConnection;
  cluster?: string;
  /** Idle threshold, load threshold, staleness and lease (defaults: 30 s, 1, 5 s, 30 s). */
  config?: Partial<MigdConfig>;
  /** Ms between ticks that expire stale hosts and leases (default 250). */
  tickMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * migd on NATS: the pure {@link migdMachine} bound to `wisp.<cluster>.migd.*`. It decodes each
 * message (an undecodable one gets an `EPROTO` reply and a log line), feeds it to the machine
 * with the time, and performs the effects: replies, `migd.<kind>` cluster events and logs. It
 * keeps nothing durable: a restarted migd rebuilds its view from the hosts' next reports, and
 * requesters' `renew` re-adopts their grants.
 */
export class MigdProcess {
  private snapshot: MigdSnapshot;
  private readonly nc: NatsConnection;
  private readonly subjects: Subjects;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Where every subscription callback and publish of migd goes through (never throws). */
  readonly edge: NatsEdge;
  private sub: Subscription | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(opts: MigdProcessOptions) {
    this.nc = opts.nc;
    this.subjects = subjects(opts.cluster);
    this.clock = opts.clock ?? systemClock();
    this.log = (opts.logger ?? createLogger('wisp-migd')).child({ machine: 'migd' });
    this.snapshot = startMigd({ config: opts.config, now: this.clock.now() });
    this.edge = new NatsEdge(this.nc, this.log);
  }

  /** Starts serving; resolves once the NATS server has the subscription. */
  static async start(opts: MigdProcessOptions): Promise<MigdProcess> {
    const m = new MigdProcess(opts);
    m.sub = m.nc.subscribe(m.subjects.migd('*'), { callback: m.edge.callback('migd', (msg: Msg) => m.onMessage(msg)) });
    await m.nc.flush();
    m.ticker = setInterval(() => m.feed({ type: 'tick', now: m.clock.now() }), opts.tickMs ?? 250);
    m.log.info({ config: m.snapshot.context.config }, 'migd up');
    return m;
  }

  /** The machine's current context (config and view), for tests and diagnostics. */
  get context(): MigdSnapshot['context'] {
    return this.snapshot.context;
  }

  /** Stops serving. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.sub?.unsubscribe();
    this.edge.close();
    await this.nc.flush().catch(() => undefined);
  }

  private onMessage(msg: Msg): void {
    if (this.stopped) return;
    const verb = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    let body: unknown;
    try {
      body = decode(msg.data);
    } catch (err) {
      const error = toWireError(err);
      this.log.warn({ subject: msg.subject, code: error.code }, `rejected message: ${error.message}`);
      this.edge.respond(msg, encode(errorReply(error)));
      return;
    }
    // A report is published, never answered; any other request without a reply subject is counted.
    const replyTo = msg.reply || (verb === 'report' ? null : this.edge.replyOf(msg));
    this.feed({ type: 'msg', verb, body, replyTo, now: this.clock.now() });
  }

  private feed(event: MigdEvent): void {
    let effects: MigdEffect[];
    try {
      [this.snapshot, effects] = stepMigd(this.snapshot, event);
    } catch (err) {
      // The machine answers bad input itself; reaching here is a migd bug. Keep serving.
      this.log.error({ err: (err as Error).message, event: event.type }, 'migd failed on an event');
      if (event.type === 'msg' && event.replyTo) this.edge.answer(event.replyTo, encode(errorReply(toWireError(err))));
      return;
    }
    for (const e of effects) this.perform(e);
  }

  private perform(e: MigdEffect): void {
    switch (e.type) {
      case 'reply':
        this.edge.answer(e.params.to, encode(e.params.ok ? okReply(e.params.value) : errorReply(e.params.error)));
        break;
      case 'notify': {
        const kind = `migd.${e.params.kind}`;
        const ev: ClusterEvent = { kind, host: e.params.host, at: this.clock.now(), data: e.params.data };
        this.edge.publish(this.subjects.event(kind), encode(ev));
        break;
      }
      case 'log':
        this.log[e.params.level](e.params.fields ?? {}, e.params.msg);
        break;
    }
  }
}

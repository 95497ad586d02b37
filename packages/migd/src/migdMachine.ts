import { enqueueActions, setup } from 'xstate';
import { ErrorCode, WispError, isMigdVerb, parseMigdRequest, toWireError, type WireError } from '@wisp/protocol';
import {
  DEFAULT_MIGD_CONFIG,
  applyReport,
  emptyState,
  expire,
  grantHosts,
  hostViews,
  releaseHosts,
  renewHosts,
  type MigdConfig,
  type MigdState,
  type Notice,
  type Step,
} from './migdState.js';

/** What the world tells migd. Time arrives in every event (`now`, ms on migd's clock). */
export type MigdEvent =
  /** A message on `migd.<verb>`, decoded but not validated; answered on `replyTo` when given. */
  | { type: 'msg'; verb: string; body: unknown; replyTo: string | null; now: number }
  /** Time passes: stale hosts and unrenewed leases expire. */
  | { type: 'tick'; now: number };

/** Params of the `reply` action: an answer to a request. */
export type ReplyParams = { to: string; ok: true; value: unknown } | { to: string; ok: false; error: WireError };
/** Params of the `notify` action: a cluster event `migd.<kind>` about `host`. */
export type NotifyParams = { kind: Notice['kind']; host: string; data: Record<string, unknown> };
/** Params of the `log` action. */
export type LogParams = { level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };

/** The machine's context: its config, view, and when it started. */
export interface MigdContext {
  config: MigdConfig;
  view: MigdState;
  startedAt: number;
}

/** Input of {@link migdMachine}: config overrides and the start time. */
export interface MigdInput {
  config?: Partial<MigdConfig>;
  now: number;
}

/**
 * migd, pure: an XState machine with no I/O. It learns hosts from reports, answers `request`,
 * `release`, `renew` and `status`, and announces grants, releases and reclaims. Its only
 * outputs are three named actions with serializable params — `reply`, `notify`, `log` — which
 * the runtime performs (their implementations here do nothing). Bad input gets an error reply
 * with a code and a `warn` log; the machine never throws for it.
 */
export const migdMachine = setup({
  types: { context: {} as MigdContext, events: {} as MigdEvent, input: {} as MigdInput },
  actions: {
    reply: (_: unknown, _params: ReplyParams) => {},
    notify: (_: unknown, _params: NotifyParams) => {},
    log: (_: unknown, _params: LogParams) => {},
  },
}).createMachine({
  id: 'migd',
  context: ({ input }) => ({ config: { ...DEFAULT_MIGD_CONFIG, ...input.config }, view: emptyState(), startedAt: input.now }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        msg: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const { verb, body, replyTo, now } = event;
            const answer = (p: { ok: true; value: unknown } | { ok: false; error: WireError }) => {
              if (replyTo) enqueue({ type: 'reply', params: { to: replyTo, ...p } as ReplyParams });
            };
            let step: Step<unknown>;
            try {
              step = handle(context, verb, body, now);
            } catch (err) {
              const error = toWireError(err);
              enqueue({ type: 'log', params: { level: 'warn', msg: `rejected ${verb}: ${error.message}`, fields: { code: error.code } } });
              return answer({ ok: false, error });
            }
            enqueue.assign({ view: step.state });
            announce(step.notices, enqueue);
            // `report` is published, never answered.
            if (verb !== 'report') answer({ ok: true, value: step.result });
          }),
        },
        tick: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const step = expire(context.view, context.config, event.now);
            if (step.state !== context.view) enqueue.assign({ view: step.state });
            announce(step.notices, enqueue);
          }),
        },
      },
    },
  },
});

/** Validates and applies one message. Throws a {@link WispError} for bad input. */
function handle(ctx: MigdContext, verb: string, body: unknown, now: number): Step<unknown> {
  if (!isMigdVerb(verb)) throw new WispError(ErrorCode.EINVAL, `unknown migd verb '${verb}'`);
  const { config, view } = ctx;
  switch (verb) {
    case 'report':
      return applyReport(view, config, parseMigdRequest(verb, body), now);
    case 'request':
      return grantHosts(view, config, parseMigdRequest(verb, body), now);
    case 'release': {
      const r = parseMigdRequest(verb, body);
      return releaseHosts(view, r.requester, r.hosts);
    }
    case 'renew': {
      const r = parseMigdRequest(verb, body);
      return renewHosts(view, config, r.requester, r.held, now);
    }
    case 'status': {
      parseMigdRequest(verb, body);
      const { idleAfterMs, loadBelow, staleAfterMs, leaseMs } = config;
      return { state: view, notices: [], result: { hosts: hostViews(view, config, now), config: { idleAfterMs, loadBelow, staleAfterMs, leaseMs }, startedAt: ctx.startedAt } };
    }
  }
}

type Enqueue = (a: { type: 'notify'; params: NotifyParams } | { type: 'log'; params: LogParams }) => void;

function announce(notices: Notice[], enqueue: Enqueue): void {
  for (const n of notices) {
    const { kind, host, ...data } = n;
    enqueue({ type: 'notify', params: { kind, host, data } });
    enqueue({ type: 'log', params: { level: 'info', msg: `${kind} ${host}`, fields: data } });
  }
}

import { z } from 'zod';
import { ErrorCode, WispError } from './errors.js';
import { HostIdSchema, PidSchema } from './schemas.js';

/**
 * Messages of the load-sharing daemon (`wisp.<cluster>.migd.<verb>`) and of owner input
 * (`wisp.<cluster>.host.<id>.owner.input`).
 *
 * Hosts publish a {@link HostReport} on `migd.report` every few hundred ms and at once on owner
 * input; migd keeps no other state it cannot rebuild from these (grants are re-adopted through
 * `renew`). Requesters are named by a free-form token (e.g. `pmake-4711`).
 */

const requester = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'a requester is letters, digits and _ . : @ -');
const ms = z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER);
const hostList = z.array(HostIdSchema).max(1024);

/** What a host publishes on `migd.report`: its owner's idle time, its load and its foreign processes. */
export const HostReport = z
  .object({
    host: HostIdSchema,
    /** Ms since the owner's last input (relative, so clock skew does not matter). */
    idleMs: ms,
    /** Processes here that are runnable or blocked on a call (not sleeping, not idle). */
    load: z.number().int().min(0).max(1_000_000),
    /** Pids running here whose home is another host. */
    foreign: z.array(PidSchema).max(100_000),
    /** True when this report was sent because of owner input (not the periodic one). */
    input: z.boolean().optional(),
  })
  .strict();

/** `host.<id>.owner.input`: a keystroke from the owner (`wisp input <host>`). */
export const OwnerInputRequest = z.object({ source: z.string().max(128).optional() }).strict();
/** Reply to owner input: how long the owner had been idle before it. */
export const OwnerInputReply = z.object({ host: HostIdSchema, idleMsBefore: ms });

/** `migd.request`: up to `n` more idle hosts for `requester`, longest-idle first. */
export const MigdRequest = z
  .object({
    requester,
    n: z.number().int().min(1).max(1024),
    /** Hosts the requester does not want (e.g. its own home). */
    exclude: hostList.optional(),
  })
  .strict();
/** Reply to `request`: the hosts granted now (maybe none) and every host the requester holds. */
export const MigdGrantReply = z.object({ granted: hostList, held: hostList });

/** `migd.release`: the requester gives hosts back. Releasing a host it does not hold is no error. */
export const MigdRelease = z.object({ requester, hosts: hostList }).strict();
/** Reply to `release`. */
export const MigdReleaseReply = z.object({ released: hostList });

/**
 * `migd.renew`: the requester still uses `held`. Renews their lease; a restarted migd re-adopts
 * any it does not know as granted (if still idle and free). Hosts the requester lost are listed.
 */
export const MigdRenew = z.object({ requester, held: hostList }).strict();
/** Reply to `renew`. */
export const MigdRenewReply = z.object({ held: hostList, lost: hostList });

/** `migd.status`: migd's view. */
export const MigdStatusRequest = z.object({}).strict();
/** One host as migd sees it. */
export const MigdHostView = z.object({
  host: HostIdSchema,
  /** Owner idle (ms since input ≥ the idle threshold). */
  ownerIdle: z.boolean(),
  idleMs: ms,
  load: z.number().int().min(0),
  foreign: z.array(PidSchema),
  /** Idle and lightly loaded: could be granted. */
  available: z.boolean(),
  /** Requester holding a grant on this host, or null. */
  grantedTo: requester.nullable(),
  /** Ms since the last report. */
  reportAgeMs: ms,
});
/** Reply to `status`. */
export const MigdStatusReply = z.object({
  hosts: z.array(MigdHostView),
  config: z.object({ idleAfterMs: ms, loadBelow: z.number(), staleAfterMs: ms, leaseMs: ms }),
  startedAt: z.number(),
});

/** Why a grant ended other than by release. */
export const ReclaimReasonSchema = z.enum(['owner', 'fairness', 'gone', 'lease']);

/**
 * Data of the `migd.reclaim` cluster event (its `host` is the reclaimed host): the grant on it
 * ended. `owner` means its owner returned, so its foreign processes must go home (eviction).
 */
export const ReclaimEventData = z.object({
  holder: requester,
  reason: ReclaimReasonSchema,
  /** With `fairness`: the requester the host went to. */
  to: requester.optional(),
});

/** The migd commands: verb → request and reply schemas. `report` is published, never answered. */
export const migdCommands = {
  report: { request: HostReport, reply: null, summary: 'a host reports idle time, load and foreign processes' },
  request: { request: MigdRequest, reply: MigdGrantReply, summary: 'grant idle hosts' },
  release: { request: MigdRelease, reply: MigdReleaseReply, summary: 'give hosts back' },
  renew: { request: MigdRenew, reply: MigdRenewReply, summary: 'keep (or re-adopt) held hosts' },
  status: { request: MigdStatusRequest, reply: MigdStatusReply, summary: 'migd’s view of the hosts' },
} as const;

/** A verb of {@link migdCommands}. */
export type MigdVerb = keyof typeof migdCommands;
/** The validated request body of a migd verb. */
export type MigdRequestOf<V extends MigdVerb> = z.infer<(typeof migdCommands)[V]['request']>;

/** True when `verb` names a migd command. */
export function isMigdVerb(verb: string): verb is MigdVerb {
  return  Object.hasOwn(migdCommands, verb);
}

/** Validates a decoded body for a migd `verb`; throws `EINVAL` with a readable reason. */
export function parseMigdRequest<V extends MigdVerb>(verb: V, body: unknown): MigdRequestOf<V> {
  const res = (migdCommands[verb].request as z.ZodType).safeParse(body);
  if (res.success) return res.data as MigdRequestOf<V>;
  const why = res.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw new WispError(ErrorCode.EINVAL, `bad migd ${verb} request: ${why}`);
}

export type HostReport = z.infer<typeof HostReport>;
export type OwnerInputReply = z.infer<typeof OwnerInputReply>;
export type MigdRequest = z.infer<typeof MigdRequest>;
export type MigdGrantReply = z.infer<typeof MigdGrantReply>;
export type MigdRelease = z.infer<typeof MigdRelease>;
export type MigdReleaseReply = z.infer<typeof MigdReleaseReply>;
export type MigdRenew = z.infer<typeof MigdRenew>;
export type MigdRenewReply = z.infer<typeof MigdRenewReply>;
export type MigdHostView = z.infer<typeof MigdHostView>;
export type MigdStatusReply = z.infer<typeof MigdStatusReply>;
export type ReclaimReason = z.infer<typeof ReclaimReasonSchema>;
export type ReclaimEventData = z.infer<typeof ReclaimEventData>;

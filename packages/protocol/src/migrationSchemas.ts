import { z } from 'zod';
import { HostIdSchema, PidSchema } from './schemas.js';

/**
 * Messages of the migration protocol (DESIGN §5). A migration is asked of the host running the
 * process (`migrate`); that source offers the process to the target (`offer`), moves its pages
 * (`pages`, binary) and image (`transfer`), and commits (`commit`) or aborts (`abort`). The home
 * learns the new location (`located`). After a `lazy` move the target pulls pages from the
 * source (`fetch`, binary reply) and ends the dependency (`release`).
 */

/** How an address space moves. */
export const StrategySchema = z.enum(['flush', 'copy', 'precopy', 'lazy']);
export type Strategy = z.infer<typeof StrategySchema>;

const pageNo = z.number().int().min(0).max(2 ** 31);
const ms = z.number().min(0);

/** `migrate`: move `pid` (running on the host asked) to host `to`. */
export const MigrateRequest = z.object({ pid: PidSchema, to: HostIdSchema, strategy: StrategySchema.optional() }).strict();

/** `offer`: may this process come to you? */
export const OfferRequest = z
  .object({
    protocol: z.number().int(),
    pid: PidSchema,
    from: HostIdSchema,
    program: z.string().min(1).max(64),
    version: z.string().max(64),
    strategy: StrategySchema,
  })
  .strict();

/** `pages` (binary frame: this meta, then the pages' bytes in order): pages of a process's address space. */
export const PagesMeta = z.object({ pid: PidSchema, pages: z.array(pageNo).max(65536), pageSize: z.number().int().min(256).max(1 << 20) }).strict();

/** A kernel timer in flight: the time left, so deadlines hold on a host with another clock. */
export const TimerImage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('raise'), leftMs: ms, event: z.object({ type: z.string() }).passthrough(), sendId: z.string().optional() }).strict(),
  z.object({ kind: z.literal('sleep'), leftMs: ms, callId: z.number().int().min(1) }).strict(),
]);

/** A call the process was blocked in at the freeze, issued again on the target. */
export const ReissueImage = z.object({ callId: z.number().int().min(1), call: z.enum(['wait', 'read']), args: z.array(z.unknown()).max(8) }).strict();

const extents = z.array(z.tuple([pageNo, z.number().int().min(1)]));

/** Where the target finds the pages of the address space. */
export const MemoryImage = z
  .object({
    /** Size, page size, and which pages have contents (others read as zeros), as runs. */
    description: z
      .object({ size: z.number().int().min(0), pageSize: z.number().int().min(256).max(1 << 20), maxSize: z.number().int().min(0), pages: extents, dirty: extents })
      .strict(),
    /** `sent`: already pushed with `pages` messages; `backing`: in the backing file; `source`: fetch from the source host. */
    where: z.enum(['sent', 'backing', 'source']),
    backingFile: z.string().optional(),
  })
  .strict();

const event = z.object({ type: z.string() }).passthrough();

/** Everything a process is, apart from its pages: the encapsulated participants. */
export const ProcessImage = z
  .object({
    pid: PidSchema,
    home: HostIdSchema,
    parent: PidSchema.nullable(),
    program: z.string(),
    version: z.string(),
    /** The program's persisted XState snapshot (its registers). */
    snapshot: z.unknown(),
    urgent: z.array(event),
    mailbox: z.array(event),
    callSeq: z.number().int().min(0),
    /** Calls answered during the freeze are in `urgent`; these are still open. */
    reissue: z.array(ReissueImage),
    timers: z.array(TimerImage),
    fds: z.array(z.tuple([z.number().int().min(3), z.string()])),
    seqIn: z.record(z.string(), z.number().int()),
    seqOut: z.record(z.string(), z.number().int()),
    /** Newest directory epoch taken from each sender (fencing; absent: none). */
    epochIn: z.record(z.string(), z.number().int()).optional(),
    memory: MemoryImage,
    transitions: z.number().int().min(0),
  })
  .strict();

/**
 * `transfer`: the image; the target builds the PCB and holds it, frozen, until `commit`. For
 * strategies that send no pages ahead of it (`flush`, `lazy`) it also carries the offer: one
 * request where a separate offer would cost the target a message.
 */
export const TransferRequest = z.object({ image: ProcessImage, offer: OfferRequest.optional() }).strict();
/** `abort` of the migration of `pid` (sent by the source to the target). */
export const PidOnly = z.object({ pid: PidSchema }).strict();
/** `located`: the home learns where its process runs now. */
export const LocatedRequest = z.object({ pid: PidSchema, host: HostIdSchema }).strict();
/** `fetch`: pages of a process that left this host lazily (binary reply). */
export const FetchRequest = z.object({ pid: PidSchema, pages: z.array(pageNo).max(65536) }).strict();

/** `evict`: send every foreign process on the host home (owner activity, or `wisp evict`). */
export const EvictRequest = z.object({ strategy: StrategySchema.optional() }).strict();
/** Reply to `evict`, once the last foreign process has left (or failed to). */
export const EvictReply = z.object({ moved: z.array(PidSchema), stayed: z.array(PidSchema), ms: ms });

/** What every migration reports (also the `proc.migrated` event's data). */
export const MigrationRecord = z.object({
  pid: PidSchema,
  from: HostIdSchema,
  to: HostIdSchema,
  strategy: StrategySchema,
  outcome: z.enum(['committed', 'aborted']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  freezeMs: ms,
  totalMs: ms,
  bytes: z.number().int().min(0),
  pages: z.number().int().min(0),
  precopyRounds: z.number().int().min(0),
  streams: z.number().int().min(0),
  /** Hosts other than home the process still depends on (the source, after `lazy`). */
  residual: z.array(HostIdSchema),
});

/**
 * `commit`: run `pid` here if the process directory still gives it to the source at `epoch`, at
 * `revision` — the target claims it by compare-and-set of that record (DESIGN §5). `boot`: the
 * target's boot as the source learned it from the target's answers before the commit left (the
 * offer's, the pages'); a target running another boot refuses with `EBOOT`. Absent when the
 * commit leaves with the image, nothing answered yet: the source then compares the boots of the
 * transfer's and the commit's answers (replies carry the boot). With `report` (a reply subject),
 * the target answers the client that asked for the move itself, as soon as its claim in the
 * directory succeeds — the record as the source had it when it sent the commit, its times
 * stretched by the target's part. The source then answers only if the commit's own answer did
 * not come back ok.
 */
export const CommitRequest = z
  .object({
    pid: PidSchema,
    epoch: z.number().int().min(1),
    revision: z.number().int().min(1),
    boot: z.string().min(1).max(64).optional(),
    report: z.object({ to: z.string().min(1).max(256), record: MigrationRecord }).strict().optional(),
  })
  .strict();

export type MigrateRequest = z.infer<typeof MigrateRequest>;
export type OfferRequest = z.infer<typeof OfferRequest>;
export type TimerImage = z.infer<typeof TimerImage>;
export type MemoryImage = z.infer<typeof MemoryImage>;
export type ProcessImage = z.infer<typeof ProcessImage>;
export type CommitRequest = z.infer<typeof CommitRequest>;
export type MigrationRecord = z.infer<typeof MigrationRecord>;
export type EvictReply = z.infer<typeof EvictReply>;

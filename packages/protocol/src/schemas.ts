import { z } from 'zod';
import { signalNames } from './signals.js';

const hostId = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'a host id is letters, digits and _');
const pid = z.string().regex(/^[A-Za-z0-9_]{1,64}-[0-9]{1,15}$/, 'a pid looks like h1-7');
const programName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a program name is letters, digits, _ . -');

/** Schema of a pid. */
export const PidSchema = pid;
/** Schema of a host id. */
export const HostIdSchema = hostId;
/** Schema of a signal name. */
export const SignalSchema = z.enum(signalNames);

/** An event as programs see it: an object with a string `type`. */
export const EventSchema = z.looseObject({ type: z.string().min(1).max(256) });

/** `info`: who a host is. */
export const InfoRequest = z.object({}).strict();
/** Reply to `info`. */
export const HostInfo = z.object({
  id: hostId,
  protocol: z.number().int(),
  programs: z.array(z.string()),
  procs: z.number().int(),
  foreign: z.number().int(),
  clockSkewMs: z.number(),
  osPid: z.number().int(),
  startedAt: z.number(),
  /** The background cleaner (absent from hosts that predate it). */
  cleaner: z
    .object({
      enabled: z.boolean(),
      writes: z.number().int(),
      pages: z.number().int(),
      failed: z.number().int(),
      redirtied: z.number().int(),
      inFlight: z.number().int(),
      dirty: z.number().int(),
    })
    .optional(),
});

/** One row of `ps`. */
export const ProcInfo = z.object({
  pid,
  program: z.string(),
  home: hostId,
  host: hostId,
  parent: pid.nullable(),
  state: z.enum(['runnable', 'blocked', 'sleeping', 'idle', 'exited', 'migrating', 'suspended']),
  exitCode: z.number().int().optional(),
  /** Hosts other than home it still depends on (the source of a lazy migration). */
  residual: z.array(hostId).optional(),
  /** Page faults this process has taken on the host that runs it (since it arrived there). */
  faults: z.number().int().optional(),
});
/** `ps`: processes a host runs (and, at home, exited ones not yet reaped). */
export const PsRequest = z.object({}).strict();
/** Reply to `ps`. */
export const PsReply = z.object({ procs: z.array(ProcInfo) });

/** `spawn`: sent to the host that will be the new process's home. */
export const SpawnRequest = z
  .object({
    program: programName,
    version: z.string().max(64).optional(),
    args: z.array(z.string().max(4096)).max(256).default([]),
    /** Host to run on (exec-time migration); the home itself when absent. */
    on: hostId.optional(),
    /** Subject the home publishes console output and the exit status to. */
    tty: z.string().min(1).max(256).optional(),
    /** Console input comes with `input` requests (fd 0 reads block until it does); without it fd 0 reads as end of file. */
    stdin: z.boolean().optional(),
  })
  .strict();
/** `input`: console input for a process started with `stdin`, sent to its home; `close` ends it (reads then return ''). */
export const InputRequest = z.object({ pid, text: z.string().max(1 << 16), close: z.boolean().optional() }).strict();
/** Reply to `spawn` and `create`. */
export const SpawnReply = z.object({ pid, host: hostId });

/** `create`: the home asks a host to run a new process it has named (remote exec). */
/** A file-system stream handle, `<server>:<stream>`. */
export const StreamHandleSchema = z.string().max(200).regex(/^[A-Za-z0-9_]+:[0-9]+$/, 'a stream handle looks like fs1:7');
/**
 * Fds a spawned child inherits: fd number (≥ 3, as a decimal string key) → stream handle, each
 * stream already dup'ed for the child's host.
 */
export const FdTableSchema = z
  .record(
    z.string().regex(/^[0-9]{1,7}$/, 'an fd is a decimal number').refine((k) => Number(k) >= 3 && Number(k) <= 1 << 20, 'inherited fds are 3 to 2^20'),
    StreamHandleSchema,
  )
  .refine((r) => Object.keys(r).length <= 1024, 'at most 1024 inherited fds');

export const CreateRequest = z
  .object({
    protocol: z.number().int(),
    pid,
    parent: pid.nullable(),
    program: programName,
    version: z.string().max(64),
    args: z.array(z.string()),
    /** Fds the child inherits from its parent (fd inheritance across spawn). */
    fds: FdTableSchema.optional(),
  })
  .strict();

/** Calls a process forwards to its home host. */
export const HomeCall = z.enum(['time', 'spawn', 'exit', 'wait', 'kill', 'write', 'read']);
/** `syscall`: a process running away from home forwards a call. */
export const SyscallRequest = z
  .object({
    pid,
    call: HomeCall,
    args: z.array(z.unknown()).max(8),
    /**
     * The caller's call id. A blocking call (`wait`) re-issued from a host the process migrated
     * to carries the same id, and the home answers it once: the same reaped child both times.
     */
    callId: z.number().int().min(1).optional(),
    /**
     * The caller's epoch in the process directory. The home refuses (`ESTALE`) a call from an
     * older epoch than the newest it has seen for the pid: a copy cut off and left behind by a
     * move cannot act through its home (fencing).
     */
    epoch: z.number().int().min(1).optional(),
  })
  .strict();

/** `kill`: sent to the target's home, which routes it to where the process runs. */
export const KillRequest = z.object({ pid, signal: SignalSchema }).strict();
/** `signal`: the home tells the host running a process to deliver a signal. */
export const SignalRequest = KillRequest;

/** A message to a process, on its `proc.<pid>` subject. */
export const DeliverRequest = z
  .object({
    from: z.string().min(1).max(128),
    event: EventSchema,
    /**
     * Per-sender sequence number (1, 2, …, per target pid). A receiver drops a message whose
     * seq it has already taken, so a send retried across a migration arrives exactly once.
     */
    seq: z.number().int().min(1).optional(),
    /** The sender's epoch in the process directory: a receiver refuses (`ESTALE`) an older one than it has taken from that sender. */
    epoch: z.number().int().min(1).optional(),
  })
  .strict();

/** Empty success value. */
export const Empty = z.object({}).strict();

/** What the home publishes to a process's tty subject. */
export const TtyMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('out'), pid, fd: z.number().int(), data: z.string() }),
  z.object({ kind: z.literal('exit'), pid, code: z.number().int(), root: z.boolean() }),
]);

/** A reply envelope: the value, or an error with a code. */
export const Reply = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

export type HostInfo = z.infer<typeof HostInfo>;
export type ProcInfo = z.infer<typeof ProcInfo>;
export type PsReply = z.infer<typeof PsReply>;
export type SpawnRequest = z.infer<typeof SpawnRequest>;
export type SpawnReply = z.infer<typeof SpawnReply>;
export type CreateRequest = z.infer<typeof CreateRequest>;
export type FdTable = z.infer<typeof FdTableSchema>;
export type HomeCall = z.infer<typeof HomeCall>;
export type SyscallRequest = z.infer<typeof SyscallRequest>;
export type KillRequest = z.infer<typeof KillRequest>;
export type DeliverRequest = z.infer<typeof DeliverRequest>;
export type TtyMessage = z.infer<typeof TtyMessage>;
export type Reply = z.infer<typeof Reply>;

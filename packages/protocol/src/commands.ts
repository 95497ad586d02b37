import type { z } from 'zod';
import { ErrorCode, WispError } from './errors.js';
import * as D from './detailSchemas.js';
import * as M from './migrationSchemas.js';
import * as S from './schemas.js';
import { acceptsDeliverRequest, acceptsSyscallRequest } from './quickAccept.js';

/**
 * The one registry of protocol commands a host answers: verb → request and reply schemas.
 * The kernel validates every incoming request against it (the runtime only decodes). A verb on
 * the hot path also has `accepts`, a quick structural check ({@link acceptsSyscallRequest}):
 * a body it accepts is taken as it is, any other is parsed with the schema.
 */
export const hostCommands = {
  info: { request: S.InfoRequest, reply: S.HostInfo, summary: 'who the host is' },
  ps: { request: S.PsRequest, reply: S.PsReply, summary: 'processes the host runs' },
  detail: { request: D.DetailRequest, reply: D.ProcDetail, summary: 'one process running here: machine state, memory, files' },
  spawn: { request: S.SpawnRequest, reply: S.SpawnReply, summary: 'create a process with this host as home' },
  create: { request: S.CreateRequest, reply: S.SpawnReply, summary: 'run a process named by its home' },
  syscall: { request: S.SyscallRequest, accepts: acceptsSyscallRequest, reply: null, summary: 'a call forwarded home' },
  kill: { request: S.KillRequest, reply: S.Empty, summary: 'signal a process, via its home' },
  signal: { request: S.SignalRequest, reply: S.Empty, summary: 'deliver a signal where the process runs' },
  input: { request: S.InputRequest, reply: S.Empty, summary: 'console input for a process homed here' },
  deliver: { request: S.DeliverRequest, accepts: (body: unknown) => acceptsDeliverRequest(body), reply: S.Empty, summary: 'a message to a process' },
  migrate: { request: M.MigrateRequest, reply: M.MigrationRecord, summary: 'move a process running here to another host' },
  offer: { request: M.OfferRequest, reply: S.Empty, summary: 'may this process come to you (target checks)' },
  pages: { request: M.PagesMeta, reply: S.Empty, bytes: 'request', summary: 'pages of a migrating process (binary frame)' },
  transfer: { request: M.TransferRequest, reply: S.Empty, summary: 'the image of a migrating process, held until commit' },
  commit: { request: M.CommitRequest, reply: S.Empty, summary: 'the migration commits: claim the process in the directory and run it' },
  abort: { request: M.PidOnly, reply: S.Empty, summary: 'the migration is aborted: drop what was received' },
  located: { request: M.LocatedRequest, reply: S.Empty, summary: 'tell a home where its process runs now' },
  fetch: { request: M.FetchRequest, reply: M.PagesMeta, bytes: 'reply', summary: 'pages of a process that left lazily (binary reply)' },
  release: { request: M.PidOnly, reply: S.Empty, summary: 'the target has every page: drop the residual address space' },
  evict: { request: M.EvictRequest, reply: M.EvictReply, summary: 'send every foreign process here home' },
} as const;

/** Verbs whose request (`request`) or reply (`reply`) is a binary frame ({@link encodeFrame}). */
export function framedPart(verb: HostVerb): 'request' | 'reply' | 'none' {
  const c = hostCommands[verb] as { bytes?: 'request' | 'reply' };
  return c.bytes ?? 'none';
}

/** A verb of {@link hostCommands}. */
export type HostVerb = keyof typeof hostCommands;

/** The validated request body of a verb. */
export type RequestOf<V extends HostVerb> = z.infer<(typeof hostCommands)[V]['request']>;

/** True when `verb` names a host command. */
export function isHostVerb(verb: string): verb is HostVerb {
  return Object.hasOwn(hostCommands, verb);
}

/** Validates a decoded body for `verb`; throws `EINVAL` with a readable reason. */
export function parseRequest<V extends HostVerb>(verb: V, body: unknown): RequestOf<V> {
  const c = hostCommands[verb] as { accepts?: (body: unknown) => boolean };
  // A body the quick check accepts is exactly what the parse would give back (a copy of it).
  if (c.accepts?.(body)) return body as RequestOf<V>;
  const res = hostCommands[verb].request.safeParse(body);
  if (!res.success) {
    const why = res.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new WispError(ErrorCode.EINVAL, `bad ${verb} request: ${why}`);
  }
  return res.data as RequestOf<V>;
}

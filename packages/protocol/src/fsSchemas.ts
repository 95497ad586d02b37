import { z } from 'zod';
import { ErrorCode, WispError } from './errors.js';
import { HostIdSchema, PidSchema } from './schemas.js';

/**
 * Messages of the file-server protocol (`wisp.<cluster>.fs.<id>.<verb>`), and the host callback
 * a file server sends (`wisp.<cluster>.host.<id>.cache.disable`).
 *
 * Every request names the `host` it comes from: streams and caching state are kept per host.
 * `write` and `pageOut` requests, and `read` and `pageIn` replies, carry raw bytes in a binary
 * frame (`encodeFrame`): the schema here validates the frame's JSON meta; everything else is JSON.
 * Paths are only shape-checked here; the file server normalizes and validates them.
 *
 * A request made on behalf of a process carries its `fence`: the pid and its directory epoch
 * (fencing, DESIGN §5). The file server refuses (`ESTALE`) one older than the newest epoch it
 * has seen for that pid. Requests without one (a host's or a tool's own) are not fenced.
 *
 * A request may carry a request id (`rid`): the file server then applies it at most once, and
 * answers a repeat of it with the first answer (exactly-once across a lost answer).
 */

const path = z.string().min(1).max(8192);
const stream = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const position = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const pageNo = z.number().int().min(0).max(2 ** 40);
/** Page sizes are powers of two from 512 B to 1 MiB. */
const pageSize = z
  .number()
  .int()
  .min(512)
  .max(1 << 20)
  .refine((n) => (n & (n - 1)) === 0, 'a page size is a power of two');
const pageList = z.array(pageNo).max(1 << 16);

/** The process a file request is made for, and its directory epoch (see the module comment). */
export const FsFenceSchema = z.object({ pid: PidSchema, epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();
/** Optional on every request: present when the request is made on behalf of a process. */
const fence = FsFenceSchema.optional();
/**
 * A request's id, `<client run>:<sequence>`: unique per client run. A file server answers a
 * repeated id with the answer it gave (or will give) the first, without applying it again, so a
 * client may send any request again when its answer was lost.
 */
export const FsRidSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}:[0-9]{1,16}$/, 'a request id is <run>:<sequence>');
/** Optional on every request: set by a client that may send it again. */
const rid = FsRidSchema.optional();

/** How a stream is opened, as in `fopen`: `r` read; `w` write, create, truncate; `a` append, create; `+` adds the other direction. */
export const OpenModeSchema = z.enum(['r', 'w', 'a', 'r+', 'w+', 'a+']);
/** Where a seek offset counts from. */
export const WhenceSchema = z.enum(['set', 'cur', 'end']);
/** Kind of a directory entry. */
export const FileTypeSchema = z.enum(['file', 'dir']);

/** `open`: open (maybe create) a file; flags add to what the mode implies. */
export const FsOpenRequest = z
  .object({
    host: HostIdSchema,
    fence,
    rid,
    path,
    mode: OpenModeSchema,
    create: z.boolean().optional(),
    truncate: z.boolean().optional(),
    excl: z.boolean().optional(),
  })
  .strict();
/** Reply to `open`: the stream, the file's identity and state, and whether this host may cache it. */
export const FsOpenReply = z.object({
  stream,
  /** Server-unique file id (never reused, also across restarts); caches key on it. */
  file: id,
  size: position,
  version: id,
  cacheable: z.boolean(),
  /** The server's per-file size limit, so a caching host can refuse a write with `EFBIG` at once. */
  maxFileSize: position,
});

/**
 * `read`: up to `length` bytes at `at`, or at the stream's server offset (which then advances).
 * `fill` marks a block fetch for the host's cache (with `at`): allowed on a write-only stream,
 * because a caching host must read a block before it overwrites part of it.
 */
export const FsReadRequest = z
  .object({ host: HostIdSchema, fence, rid, stream, length: z.number().int().min(0).max(2 ** 31), at: position.optional(), fill: z.boolean().optional() })
  .strict();
/** Meta of the `read` reply frame (the bytes follow; fewer than asked only at end of file). */
export const FsReadReply = z.object({ at: position, size: position, version: id });

/** Meta of the `write` request frame: write the frame's bytes at `at`, or at the stream's server offset (append streams: at the end). */
export const FsWriteRequest = z.object({ host: HostIdSchema, fence, rid, stream, at: position.optional() }).strict();
/** Reply to `write`: where the bytes went, and the file's size and version after. */
export const FsWriteReply = z.object({ at: position, count: position, size: position, version: id });

/** `seek`: move the stream's server offset. */
export const FsSeekRequest = z
  .object({ host: HostIdSchema, fence, rid, stream, offset: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), whence: WhenceSchema })
  .strict();
/** Reply to `seek`. */
export const FsSeekReply = z.object({ offset: position });

/** `close`: drop one of the requesting host's references to a stream. */
export const FsCloseRequest = z.object({ host: HostIdSchema, fence, rid, stream }).strict();

/**
 * `dup`: give host `to` a reference to a stream (a child inherits it, or a process migrates).
 * `offset`, when present, first sets the server offset (the requester held it locally).
 */
export const FsDupRequest = z.object({ host: HostIdSchema, fence, rid, stream, to: HostIdSchema, offset: position.optional() }).strict();
/**
 * `move`: hand host `host`'s reference to a stream to host `to` in one step (a process migrates):
 * the offset stays exact and the file is never open on both hosts for it.
 */
export const FsMoveRequest = z.object({ host: HostIdSchema, fence, rid, stream, to: HostIdSchema }).strict();
/** Reply to `dup`: whether host `to` may cache the file. */
export const FsDupReply = z.object({ file: id, size: position, version: id, cacheable: z.boolean() });

/** `fstat`: what a stream is (a host that inherited a stream learns its file this way). */
export const FsFstatRequest = z.object({ host: HostIdSchema, fence, rid, stream }).strict();
/** Reply to `fstat`; `path` is null once the file was unlinked. */
export const FsFstatReply = z.object({
  path: z.string().nullable(),
  file: id,
  mode: OpenModeSchema,
  offset: position,
  size: position,
  version: id,
  maxFileSize: position,
});

/** `stat`: what a path is. */
export const FsStatRequest = z.object({ host: HostIdSchema, fence, rid, path }).strict();
/** A file's sharing and caching state, as its server sees it. */
export const FileSharingSchema = z.object({
  hosts: z.array(HostIdSchema),
  writers: z.array(HostIdSchema),
  writeShared: z.boolean(),
  cachingHosts: z.array(HostIdSchema),
});
/** Reply to `stat` (a directory has size 0 and version 0 and no `sharing`). */
export const FsStatReply = z.object({ type: FileTypeSchema, size: position, version: id, sharing: FileSharingSchema.optional() });

/** `unlink`: remove a file (open streams keep it until closed). */
export const FsUnlinkRequest = z.object({ host: HostIdSchema, fence, rid, path }).strict();
/** `mkdir`: create a directory; `parents` creates missing ancestors and accepts an existing one. */
export const FsMkdirRequest = z.object({ host: HostIdSchema, fence, rid, path, parents: z.boolean().optional() }).strict();
/** `rmdir`: remove an empty directory. */
export const FsRmdirRequest = z.object({ host: HostIdSchema, fence, rid, path }).strict();
/** `readdir`: list a directory. */
export const FsReaddirRequest = z.object({ host: HostIdSchema, fence, rid, path }).strict();
/** One entry of a directory listing. */
export const FsDirEntry = z.object({ name: z.string(), type: FileTypeSchema });
/** Reply to `readdir`, sorted by name. */
export const FsReaddirReply = z.object({ entries: z.array(FsDirEntry) });
/** `rename`: move a file or directory (replacing a file, or an empty directory, at `to`). */
export const FsRenameRequest = z.object({ host: HostIdSchema, fence, rid, from: path, to: path }).strict();

/** Meta of the `pageOut` request frame: pages of a backing file, concatenated in `pages` order. */
export const FsPageOutRequest = z.object({ host: HostIdSchema, fence, rid, file: path, pageSize, pages: pageList }).strict();
/** Reply to `pageOut`. */
export const FsPageOutReply = z.object({ count: z.number().int().min(0) });
/** `pageIn`: read pages of a backing file. */
export const FsPageInRequest = z.object({ host: HostIdSchema, fence, rid, file: path, pageSize, pages: pageList }).strict();
/** Meta of the `pageIn` reply frame: the pages that exist, concatenated in this order (never-written pages are left out). */
export const FsPageInReply = z.object({ pages: pageList });
/** `dropPages`: forget every page of a backing file. */
export const FsDropPagesRequest = z.object({ host: HostIdSchema, fence, rid, file: path }).strict();

/** Empty success value. */
export const FsEmpty = z.object({}).strict();

/** Schema of a file-server id (a subject token). */
export const FsIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a file server id is letters, digits, _ and -');

/**
 * Callback from a file server to a host (`host.<id>.cache.disable`): flush dirty blocks of the
 * file, drop its cached blocks and stop caching it. `file` is the server's file id (`server`
 * says which server), `path` its current path (null once unlinked), `streams` the host's
 * streams on it.
 */
export const CacheDisableRequest = z
  .object({ server: FsIdSchema, path: z.string().nullable(), file: id, streams: z.array(stream).max(1 << 16) })
  .strict();

/** Which part of an exchange carries raw bytes in a frame. */
export type FsBytes = 'none' | 'request' | 'reply';

/** The one registry of file-server commands: verb → request and reply schemas, and where raw bytes travel. */
export const fsCommands = {
  open: { request: FsOpenRequest, reply: FsOpenReply, bytes: 'none', summary: 'open a file, maybe creating it' },
  read: { request: FsReadRequest, reply: FsReadReply, bytes: 'reply', summary: 'read bytes' },
  write: { request: FsWriteRequest, reply: FsWriteReply, bytes: 'request', summary: 'write bytes' },
  seek: { request: FsSeekRequest, reply: FsSeekReply, bytes: 'none', summary: 'move a stream offset' },
  close: { request: FsCloseRequest, reply: FsEmpty, bytes: 'none', summary: 'drop a stream reference' },
  dup: { request: FsDupRequest, reply: FsDupReply, bytes: 'none', summary: 'share a stream with a host' },
  move: { request: FsMoveRequest, reply: FsDupReply, bytes: 'none', summary: 'hand a stream reference to another host' },
  fstat: { request: FsFstatRequest, reply: FsFstatReply, bytes: 'none', summary: 'describe a stream' },
  stat: { request: FsStatRequest, reply: FsStatReply, bytes: 'none', summary: 'describe a path' },
  unlink: { request: FsUnlinkRequest, reply: FsEmpty, bytes: 'none', summary: 'remove a file' },
  mkdir: { request: FsMkdirRequest, reply: FsEmpty, bytes: 'none', summary: 'create a directory' },
  rmdir: { request: FsRmdirRequest, reply: FsEmpty, bytes: 'none', summary: 'remove an empty directory' },
  readdir: { request: FsReaddirRequest, reply: FsReaddirReply, bytes: 'none', summary: 'list a directory' },
  rename: { request: FsRenameRequest, reply: FsEmpty, bytes: 'none', summary: 'move a file or directory' },
  pageOut: { request: FsPageOutRequest, reply: FsPageOutReply, bytes: 'request', summary: 'store backing-file pages' },
  pageIn: { request: FsPageInRequest, reply: FsPageInReply, bytes: 'reply', summary: 'load backing-file pages' },
  dropPages: { request: FsDropPagesRequest, reply: FsEmpty, bytes: 'none', summary: 'forget a backing file' },
} as const satisfies Record<string, { request: z.ZodType; reply: z.ZodType; bytes: FsBytes; summary: string }>;

/** A verb of {@link fsCommands}. */
export type FsVerb = keyof typeof fsCommands;
/** The validated request (or request-frame meta) of a verb. */
export type FsRequestOf<V extends FsVerb> = z.infer<(typeof fsCommands)[V]['request']>;
/** The reply value (or reply-frame meta) of a verb. */
export type FsReplyOf<V extends FsVerb> = z.infer<(typeof fsCommands)[V]['reply']>;
export type OpenMode = z.infer<typeof OpenModeSchema>;
export type Whence = z.infer<typeof WhenceSchema>;
export type FileType = z.infer<typeof FileTypeSchema>;
export type FsDirEntry = z.infer<typeof FsDirEntry>;
export type CacheDisableRequest = z.infer<typeof CacheDisableRequest>;
/** The (pid, epoch) of a fenced file request. */
export type FsFence = z.infer<typeof FsFenceSchema>;

/** True when `verb` names a file-server command. */
export function isFsVerb(verb: string): verb is FsVerb {
  return  Object.hasOwn(fsCommands, verb);
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const res = schema.safeParse(body);
  if (res.success) return res.data;
  const why = res.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw new WispError(ErrorCode.EINVAL, `bad ${what}: ${why}`);
}

/** Validates a decoded request (or frame meta) for `verb`; throws `EINVAL` with a readable reason. */
export function parseFsRequest<V extends FsVerb>(verb: V, body: unknown): FsRequestOf<V> {
  return parseWith(fsCommands[verb].request as z.ZodType, body, `${verb} request`) as FsRequestOf<V>;
}

/** Validates a reply value (or reply-frame meta) for `verb`; throws `EINVAL`. Clients check replies at their edge too. */
export function parseFsReply<V extends FsVerb>(verb: V, value: unknown): FsReplyOf<V> {
  return parseWith(fsCommands[verb].reply as z.ZodType, value, `${verb} reply`) as FsReplyOf<V>;
}

/** Validates a `cache.disable` callback body; throws `EINVAL`. */
export function parseCacheDisable(body: unknown): CacheDisableRequest {
  return parseWith(CacheDisableRequest, body, 'cache.disable request');
}

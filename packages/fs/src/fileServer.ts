import { ErrorCode, WispError, toWireError, type FsFence } from '@wisp/protocol';
import { AnswerCache, type Answer } from './answerCache.js';
import type { FsCall, FsCallOf, FsEffect, FsInput } from './effects.js';
import { EpochFence } from './epochFence.js';
import { consistencyView, sharingOf, stepFile, type AnswerParams, type FileConsistencyView, type FileEvent } from './fileConsistency.js';
import { pagesPerReply } from './limits.js';
import { Ids, Namespace, persist, type DirNode, type FileNode } from './namespace.js';
import { normalizePath } from './path.js';
import type { StorageImage } from './storage/storage.js';
import { Streams, type Stream, type StreamRow } from './streams.js';

/** Default per-file size limit: 64 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024;
/** Default payload limit of one reply (NATS' default `max_payload`, 1 MiB); the runtime passes the connection's. */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;

/** How to build a {@link FileServer}. */
export interface FileServerOptions {
  /** What storage holds, as loaded at start. */
  image?: StorageImage;
  /** Largest file allowed, bytes (default 64 MiB); bigger writes fail with `EFBIG`. */
  maxFileSize?: number;
  /** Payload limit of one reply (`max_payload`): reads are cut short to fit it, bigger pageIns are refused. */
  maxReplyBytes?: number;
  /**
   * Ids (file ids, versions, stream ids) are allocated above this and above every loaded
   * version. The runtime passes a clock-derived floor so that ids never repeat across restarts:
   * a host cache keyed on (file, version) then never mistakes a new file for an old one.
   */
  idFloor?: number;
  /** Pids whose newest epoch is remembered at once (fencing; default 65 536, see {@link EpochFence}). */
  maxFencedPids?: number;
  /** Bounds of the answers kept for request ids (default 1024 per host, 65 536 and 16 MiB in all; see {@link AnswerCache}). */
  answers?: { perHost?: number; max?: number; maxBytes?: number };
}

/** Caching state of one file, for tests and diagnostics. */
export interface CachingState {
  /** Hosts with the file open. */
  hosts: string[];
  /** Hosts with the file open for writing. */
  writers: string[];
  /** Open on ≥ 2 hosts with ≥ 1 writer: nobody caches it. */
  writeShared: boolean;
  /** Hosts currently allowed to cache it. */
  cachingHosts: string[];
  /** Callbacks not yet answered. */
  pendingCallbacks: number;
}

/** One file in a {@link FileServerView}. */
export interface FileView {
  id: number;
  /** Null once unlinked (while streams still use it). */
  path: string | null;
  size: number;
  version: number;
  /** The contents: a view into the server's buffer, not a copy — read it, never change it. */
  data: Uint8Array;
  /** The file's consistency machine: state and context. */
  consistency: FileConsistencyView;
}

/**
 * Everything that decides how a {@link FileServer} behaves, as plain data: the id counters,
 * the namespace, every file (those in the namespace in tree order, then unlinked ones still
 * open), every open stream, and the callbacks awaited. Two servers with equal views answer
 * every input alike; the checker fingerprints this.
 */
export interface FileServerView {
  /** The last id handed out (file ids, versions and stream ids share one counter). */
  lastId: number;
  /** The last callback token handed out. */
  lastToken: number;
  /** Directories in tree order, `/` excluded. */
  dirs: string[];
  files: FileView[];
  /** Open streams in the order opened, with their file's id. */
  streams: Array<StreamRow & { file: number }>;
  /** Callbacks awaited: the token sent, the file, and the callback's number in that file's machine. */
  callbacks: Array<{ token: number; file: number; callback: number }>;
  /** Fencing: each remembered pid with the newest epoch seen, least recently used first. */
  fences: Array<[string, number]>;
  /** Request ids remembered: host, id and whether answered, oldest first. */
  answers: Array<[string, string, boolean]>;
}

/**
 * The file server, pure: a namespace of directories and files ({@link Namespace}), open
 * streams with their offsets ({@link Streams}), and per file Sprite's cache consistency as an
 * XState machine ({@link fileMachine}), one snapshot per file. No I/O and no clock:
 * {@link FileServer.handle} takes one {@link FsInput} and returns {@link FsEffect}s (replies,
 * storage writes, host callbacks).
 *
 * The server drives each file's machine: every open, dup, move, close and host loss changes
 * the stream table and then steps the machine, whose actions it performs — `callBack` becomes
 * a `cache.disable` callback effect (token from one counter), `truncate` cuts the file,
 * `answer` replies to an open with the file's size and version at that moment. Versions (from
 * one counter with ids, never reused) bump on every change, so a host finds stale blocks at open.
 *
 * **Fencing.** A request made on behalf of a process carries its `fence` (pid, directory
 * epoch); one older than the newest epoch seen for that pid is refused with `ESTALE` before
 * anything changes ({@link EpochFence}), so a copy of a process another host has moved past —
 * or a late message of one — cannot write through. Requests without a fence (a host's own
 * path operations, a tool's, a close of an orphaned stream) are not fenced: they act for no
 * process, and there is no epoch to compare.
 *
 * **Exactly once.** A request may carry a request id (`rid`, unique per client run); the answer
 * to each recent id is kept per host ({@link AnswerCache}), and a repeat of an id — a client
 * sending again a request whose answer it lost — gets that answer (or, while the first is held,
 * the same answer when it comes) and is not applied again. The cache is asked before fencing:
 * a repeat changes nothing, and its answer says truly what the first did, even when a newer
 * epoch has been seen since (refusing it `ESTALE` would say the write did not happen when it
 * did); it does not count as seeing its epoch again. Any new request is fenced as before.
 */
export class FileServer {
  private readonly ids: Ids;
  private readonly ns: Namespace;
  private readonly streams: Streams;
  /** Callback token → the file called back for and the callback's number in its machine. */
  private readonly callbacks = new Map<number, { file: FileNode; callback: number }>();
  private readonly maxFileSize: number;
  private readonly maxReplyBytes: number;
  private lastToken = 0;
  /** Newest epoch per pid (see the class comment). */
  private fences: EpochFence;
  /** Answers to recent request ids (see the class comment). */
  private answers: AnswerCache;

  constructor(opts: FileServerOptions = {}) {
    this.maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.fences = new EpochFence(opts.maxFencedPids);
    this.answers = new AnswerCache(opts.answers?.perHost, opts.answers?.max, opts.answers?.maxBytes);
    let last = Math.max(0, Math.floor(opts.idFloor ?? 0));
    for (const f of opts.image?.files.values() ?? []) last = Math.max(last, f.version);
    this.ids = new Ids(last);
    this.ns = new Namespace(this.ids);
    this.streams = new Streams(this.ids, { maxFileSize: this.maxFileSize, maxReplyBytes: this.maxReplyBytes }, (f) => this.ns.pathOf(f));
    if (opts.image) this.ns.load(opts.image, normalizePath);
  }

  /** The newest epoch seen for `pid` (fencing), if it is remembered. */
  fencedEpoch(pid: string): number | undefined {
    return this.fences.epochOf(pid);
  }

  /** Pids whose newest epoch is remembered. */
  get fencedPids(): number {
    return this.fences.size;
  }

  /** Request ids whose answers are remembered (see {@link AnswerCache}). */
  get rememberedAnswers(): number {
    return this.answers.size;
  }

  /** Feeds one input; returns what the world must do, in order. Never throws for bad requests (they become error replies). */
  handle(input: FsInput): FsEffect[] {
    switch (input.type) {
      case 'request':
        return this.remembered(this.request(input.to, input.call));
      case 'callbackDone':
        return this.remembered(this.callbackDone(input.token, input.ok, input.error?.message));
      case 'hostDown':
        this.answers.forgetHost(input.host);
        return this.remembered(this.hostDown(input.host));
    }
  }

  /**
   * Keeps each answer to the first request of an id (an open's may come with a later input)
   * and answers the repeats that waited for it, right after it.
   */
  private remembered(effects: FsEffect[]): FsEffect[] {
    if (this.answers.size === 0) return effects;
    const out: FsEffect[] = [];
    for (const e of effects) {
      out.push(e);
      if (e.type !== 'reply') continue;
      const answer: Answer = e.ok ? { ok: true, value: e.value, ...(e.bytes ? { bytes: e.bytes } : {}) } : { ok: false, error: e.error };
      for (const to of this.answers.settle(e.to, answer)) out.push(replyOf(to, answer));
    }
    return out;
  }

  /** Makes sure directory `path` exists (with its ancestors): for a server's mount points at start. */
  ensureDir(path: string): FsEffect[] {
    const fx: FsEffect[] = [];
    this.ns.ensureDir(normalizePath(path), fx);
    return fx;
  }

  /** Caching state of the file at `path` (null when there is no file), for tests and diagnostics. */
  cachingState(path: string): CachingState | null {
    const node = this.ns.lookup(normalizePath(path));
    return node?.kind === 'file' ? cachingOf(node) : null;
  }

  /** Open streams (for diagnostics): id → path, offset, refs, hosts. */
  streamTable(): StreamRow[] {
    return this.streams.table();
  }

  /** Everything that decides this server's behaviour, as plain data (see {@link FileServerView}). */
  view(): FileServerView {
    const dirs: string[] = [];
    const files: FileView[] = [];
    const fileView = (f: FileNode, path: string | null): FileView => ({ id: f.id, path, size: f.size, version: f.version, data: f.buf.subarray(0, f.size), consistency: consistencyView(f.consistency) });
    for (const [node, path] of this.ns.walk()) {
      if (node.kind === 'dir') dirs.push(path);
      else files.push(fileView(node, path));
    }
    const open = [...this.streams.all()];
    const seen = new Set(files.map((f) => f.id));
    for (const f of [...open.map((s) => s.file), ...[...this.callbacks.values()].map((c) => c.file)]) {
      if (!seen.has(f.id)) {
        seen.add(f.id);
        files.push(fileView(f, this.ns.pathOf(f)));
      }
    }
    const streams = this.streams.table().map((row, i) => ({ ...row, file: open[i]!.file.id }));
    const callbacks = [...this.callbacks].map(([token, c]) => ({ token, file: c.file.id, callback: c.callback }));
    return { lastId: this.ids.last, lastToken: this.lastToken, dirs, files, streams, callbacks, fences: this.fences.entries(), answers: this.answers.keys() };
  }

  /**
   * An independent copy: the same answers to the same inputs, and neither changes the other.
   * Cheap: files share their bytes (a copy's buffer ends at the file's size, so its first
   * write reallocates) and their consistency snapshots (never changed in place).
   */
  clone(): FileServer {
    // The same class: a subclass (a checker's planted server) stays itself in its copies.
    const Self = this.constructor as new (opts: FileServerOptions) => FileServer;
    const copy = new Self({ maxFileSize: this.maxFileSize, maxReplyBytes: this.maxReplyBytes, idFloor: this.ids.last });
    copy.lastToken = this.lastToken;
    copy.fences = this.fences.clone();
    copy.answers = this.answers.clone();
    const files = new Map<FileNode, FileNode>();
    const fileCopy = (f: FileNode, parent: DirNode | null): FileNode => {
      let c = files.get(f);
      if (!c) files.set(f, (c = { ...f, parent, buf: f.buf.subarray(0, f.size), streams: new Set() }));
      return c;
    };
    this.ns.copyInto(copy.ns, fileCopy);
    for (const s of this.streams.all()) copy.streams.add({ ...s, file: fileCopy(s.file, null), hosts: new Map(s.hosts) });
    for (const [token, c] of this.callbacks) copy.callbacks.set(token, { file: fileCopy(c.file, null), callback: c.callback });
    return copy;
  }

  // ---- dispatch -------------------------------------------------------------------------

  private request(to: string, call: FsCall): FsEffect[] {
    // A repeated id is answered as the first was, before fencing (see the class comment).
    // pageIn is answered by the runtime from storage, and is a read: it is not remembered.
    if (call.rid !== undefined && to && call.verb !== 'pageIn') {
      const seen = this.answers.recall(call.host, call.rid, to);
      if (seen.kind === 'answered') return [replyOf(to, seen.answer)];
      if (seen.kind === 'held') return [];
    }
    const effects: FsEffect[] = [];
    try {
      if (call.fence) this.fence(call.fence);
      const out = this.dispatch(to, call, effects);
      if (out !== undefined) effects.push({ type: 'reply', to, ok: true, value: out.value, ...(out.bytes ? { bytes: out.bytes } : {}) });
      return effects;
    } catch (err) {
      // An op throws before it changes anything, so its effects so far are dropped with it.
      const error = toWireError(err);
      const out: FsEffect[] = [{ type: 'reply', to, ok: false, error }];
      if (error.code === ErrorCode.ESTALE) out.unshift({ type: 'log', level: 'warn', msg: `refused ${call.verb} from host ${call.host}: ${error.message}`, fields: { verb: call.verb, host: call.host, pid: call.fence?.pid } });
      else if (!(err instanceof WispError)) out.unshift({ type: 'log', level: 'error', msg: `file server failed on ${call.verb}: ${error.message}`, fields: { verb: call.verb } });
      return out;
    }
  }

  /** Runs one call. Returns the reply, or undefined when the op emitted (or will emit) its reply itself. */
  private dispatch(to: string, c: FsCall, fx: FsEffect[]): { value: unknown; bytes?: Uint8Array } | undefined {
    switch (c.verb) {
      case 'open':
        return this.open(to, c, fx);
      case 'read':
        return this.streams.read(c);
      case 'write':
        return this.streams.write(c, fx);
      case 'seek':
        return { value: { offset: this.streams.seek(c.host, c.stream, c.offset, c.whence) } };
      case 'close': {
        const s = this.streams.of(c.host, c.stream);
        this.streams.release(s, c.host);
        this.drive(s.file, { type: 'close', host: c.host, write: s.writable }, fx);
        return { value: {} };
      }
      case 'dup': {
        const s = this.streams.of(c.host, c.stream);
        if (c.offset !== undefined) s.offset = c.offset;
        this.streams.gain(s, c.to);
        this.drive(s.file, { type: 'open', host: c.to, write: s.writable, reply: { to } }, fx);
        return undefined;
      }
      case 'move': {
        // One reference moves from `c.host` to `c.to` (a migrating process takes its stream
        // along); gained before released, so the stream never drops to zero references.
        const s = this.streams.of(c.host, c.stream);
        this.streams.gain(s, c.to);
        this.streams.release(s, c.host);
        this.drive(s.file, { type: 'move', from: c.host, to: c.to, write: s.writable, reply: { to } }, fx);
        return undefined;
      }
      case 'fstat': {
        const s = this.streams.of(c.host, c.stream);
        const f = s.file;
        return { value: { path: this.ns.pathOf(f), file: f.id, mode: s.mode, offset: s.offset, size: f.size, version: f.version, maxFileSize: this.maxFileSize } };
      }
      case 'stat': {
        const node = this.ns.lookup(normalizePath(c.path));
        if (!node) throw new WispError(ErrorCode.ENOENT, `no such file or directory: ${c.path}`);
        if (node.kind === 'dir') return { value: { type: 'dir', size: 0, version: 0 } };
        const { hosts, writers, writeShared, cachingHosts } = cachingOf(node);
        return { value: { type: 'file', size: node.size, version: node.version, sharing: { hosts, writers, writeShared, cachingHosts } } };
      }
      case 'unlink':
        this.ns.unlink(normalizePath(c.path), fx);
        return { value: {} };
      case 'mkdir':
        this.ns.mkdir(normalizePath(c.path), c.parents ?? false, fx);
        return { value: {} };
      case 'rmdir':
        this.ns.rmdir(normalizePath(c.path), fx);
        return { value: {} };
      case 'readdir':
        return { value: { entries: this.ns.readdir(normalizePath(c.path)) } };
      case 'rename':
        this.ns.rename(normalizePath(c.from), normalizePath(c.to), fx);
        return { value: {} };
      case 'pageOut':
        return { value: { count: pageOut(c, fx) } };
      case 'pageIn': {
        const file = normalizePath(c.file);
        checkPages(c.pages);
        const most = pagesPerReply(this.maxReplyBytes, c.pageSize);
        if (c.pages.length > most) {
          throw new WispError(ErrorCode.EINVAL, `pageIn of ${c.pages.length} pages of ${c.pageSize} bytes does not fit one reply; ask for at most ${most}`);
        }
        fx.push({ type: 'readPages', to, file, pageNos: [...c.pages], pageSize: c.pageSize });
        return undefined;
      }
      case 'dropPages':
        fx.push(persist({ op: 'removePages', file: normalizePath(c.file) }));
        return { value: {} };
    }
  }

  /**
   * Fencing: refuses (`ESTALE`) a request whose epoch is older than the newest seen for its
   * pid, before anything changes. Protected so a checker can plant a server that ignores epochs.
   */
  protected fence(f: FsFence): void {
    this.fences.admit(f);
  }

  private open(to: string, c: FsCallOf<'open'>, fx: FsEffect[]): undefined {
    const path = normalizePath(c.path);
    const mode = c.mode;
    const writable = mode !== 'r';
    const create = c.create ?? (mode !== 'r' && mode !== 'r+');
    const truncate = c.truncate ?? (mode === 'w' || mode === 'w+');
    if (truncate && !writable) throw new WispError(ErrorCode.EINVAL, `truncate needs a writable mode, not '${mode}'`);
    if (c.excl && !create) throw new WispError(ErrorCode.EINVAL, 'excl needs create');
    if (path === '/') throw new WispError(ErrorCode.EISDIR, `'/' is a directory`);

    let file = this.ns.lookup(path);
    if (file?.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${path}' is a directory`);
    if (file && c.excl) throw new WispError(ErrorCode.EEXIST, `'${path}' exists`);
    if (!file) {
      if (!create) throw new WispError(ErrorCode.ENOENT, `no such file: ${path}`);
      file = this.ns.create(path, fx);
    }
    const s: Stream = this.streams.open(file, c.host, mode);
    // Truncation is the machine's to order: the hosts it calls back may still hold dirty blocks
    // written before this open, and those must land first and then be cut, not after.
    this.drive(file, { type: 'open', host: c.host, write: writable, truncate, reply: { to, stream: s.id } }, fx);
    return undefined;
  }

  // ---- the per-file consistency machine ----------------------------------------------------

  /** Steps `f`'s consistency machine with `event` and performs its actions, in order. */
  private drive(f: FileNode, event: FileEvent, fx: FsEffect[]): void {
    const [next, actions] = stepFile(f.consistency, event);
    f.consistency = next;
    for (const a of actions) {
      switch (a.type) {
        case 'callBack': {
          const token = ++this.lastToken;
          this.callbacks.set(token, { file: f, callback: a.params.callback });
          const streams = [...f.streams].filter((s) => s.hosts.has(a.params.host)).map((s) => s.id);
          fx.push({ type: 'callback', token, host: a.params.host, verb: 'cache.disable', path: this.ns.pathOf(f), file: f.id, streams });
          break;
        }
        case 'truncate':
          fx.push(...this.streams.truncate(f));
          break;
        case 'answer':
          fx.push({ type: 'reply', to: a.params.reply.to, ok: true, value: this.openReply(f, a.params) });
          break;
      }
    }
  }

  /** The reply to an open (with its new stream) or to a dup or move, as the file is now. */
  private openReply(f: FileNode, { reply, cacheable }: AnswerParams): unknown {
    if (reply.stream === undefined) return { file: f.id, size: f.size, version: f.version, cacheable };
    return { stream: reply.stream, file: f.id, size: f.size, version: f.version, cacheable, maxFileSize: this.maxFileSize };
  }

  private hostDown(host: string): FsEffect[] {
    const { dropped, files } = this.streams.dropHost(host);
    const fx: FsEffect[] = [];
    for (const f of files) this.drive(f, { type: 'hostDown', host }, fx);
    if (dropped > 0) fx.push({ type: 'log', level: 'info', msg: `dropped ${dropped} stream references of host ${host}`, fields: { host } });
    return fx;
  }

  private callbackDone(token: number, ok: boolean, why: string | undefined): FsEffect[] {
    const cb = this.callbacks.get(token);
    if (!cb) return [];
    this.callbacks.delete(token);
    const out: FsEffect[] = [];
    // A host that does not answer is taken as gone: holding the open forever would be worse.
    if (!ok) out.push({ type: 'log', level: 'warn', msg: `cache.disable callback failed, going on: ${why ?? 'no answer'}`, fields: { file: cb.file.id } });
    this.drive(cb.file, { type: 'flushed', callback: cb.callback }, out);
    return out;
  }
}

/** A reply effect to `to` carrying `answer`. */
function replyOf(to: string, answer: Answer): FsEffect {
  return answer.ok ? { type: 'reply', to, ok: true, value: answer.value, ...(answer.bytes ? { bytes: answer.bytes } : {}) } : { type: 'reply', to, ok: false, error: answer.error };
}

/** The caching state of `f`, from its machine's context. */
function cachingOf(f: FileNode): CachingState {
  const c = f.consistency.context;
  const hosts = Object.keys(c.opens).sort();
  return {
    hosts,
    writers: hosts.filter((h) => c.opens[h]!.writers > 0),
    writeShared: sharingOf(c.opens) === 'writeShared',
    cachingHosts: [...c.caching].sort(),
    pendingCallbacks: c.awaiting.length,
  };
}

function pageOut(c: FsCallOf<'pageOut'>, fx: FsEffect[]): number {
  const file = normalizePath(c.file);
  checkPages(c.pages);
  if (c.bytes.length !== c.pages.length * c.pageSize) {
    throw new WispError(ErrorCode.EINVAL, `pageOut carries ${c.bytes.length} bytes for ${c.pages.length} pages of ${c.pageSize}`);
  }
  const pages = new Map<number, Uint8Array>();
  c.pages.forEach((n, i) => pages.set(n, c.bytes.subarray(i * c.pageSize, (i + 1) * c.pageSize)));
  if (pages.size > 0) fx.push(persist({ op: 'writePages', file, pages }));
  return pages.size;
}

function checkPages(pages: readonly number[]): void {
  if (new Set(pages).size !== pages.length) throw new WispError(ErrorCode.EINVAL, 'a page number is repeated');
}

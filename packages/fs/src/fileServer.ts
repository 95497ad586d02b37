import { ErrorCode, WispError, toWireError, type OpenMode, type Whence } from '@wisp/protocol';
import type { FsCall, FsCallOf, FsEffect, FsInput, PersistOp } from './effects.js';
import { maxReadBytes, pagesPerReply } from './limits.js';
import { isUnder, joinPath, normalizePath, parentOf, segments } from './path.js';
import type { StorageImage } from './storage/storage.js';

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
}

interface DirNode {
  kind: 'dir';
  name: string;
  parent: DirNode | null;
  children: Map<string, Node>;
}

interface FileNode {
  kind: 'file';
  id: number;
  name: string;
  /** Null once unlinked (streams may still use it). */
  parent: DirNode | null;
  /**
   * Contents are `buf[0, size)`; bytes past `size` are zero. `buf[0, size)` is never changed in
   * place once handed out (to storage, or as a read), so persist effects and replies can carry
   * views without copies: overwrites copy, appends within capacity write past `size` in place.
   */
  buf: Uint8Array;
  size: number;
  version: number;
  streams: Set<Stream>;
  /** Hosts told they may cache this file (open replies with `cacheable: true`) and not since called back. */
  cachingHosts: Set<string>;
  /** Outstanding `cache.disable` callbacks; opens and dups of the file wait until none is left. */
  pending: Set<number>;
  /** Replies held until `pending` is empty; built at release so they carry the post-flush size and version. */
  waiting: Array<() => FsEffect[]>;
}

type Node = DirNode | FileNode;

interface Stream {
  id: number;
  file: FileNode;
  mode: OpenMode;
  readable: boolean;
  writable: boolean;
  append: boolean;
  /** The server offset: exact and shared by every host holding the stream. */
  offset: number;
  refs: number;
  /** Host → references it holds. */
  hosts: Map<string, number>;
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

/**
 * The file server, pure: a namespace of directories and files, open streams with their offsets,
 * and per-file caching state, as in Sprite. No I/O and no clock: {@link FileServer.handle} takes
 * one {@link FsInput} and returns {@link FsEffect}s (replies, storage writes, host callbacks).
 *
 * Caching: a file is cacheable on a host unless it is write-shared (open on ≥ 2 hosts, ≥ 1 of
 * them writing). When an open or dup makes it write-shared, every *other* host caching it is
 * called back (`cache.disable`: flush dirty blocks, drop the file) and the open's reply is held
 * until all have answered. The opener itself needs no callback: if it could have dirty blocks
 * the file would have been open on it alone, so the open could not make it write-shared; its
 * clean blocks it drops on seeing `cacheable: false`. Caching comes back at the next open after
 * the sharing ends. Versions (from one counter, never reused) bump on every change, so a host
 * finds stale blocks at open.
 */
export class FileServer {
  private readonly root: DirNode = { kind: 'dir', name: '', parent: null, children: new Map() };
  private readonly streams = new Map<number, Stream>();
  private readonly callbacks = new Map<number, FileNode>();
  private readonly maxFileSize: number;
  private readonly maxReplyBytes: number;
  private lastId: number;
  private lastToken = 0;

  constructor(opts: FileServerOptions = {}) {
    this.maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    let last = Math.max(0, Math.floor(opts.idFloor ?? 0));
    const image = opts.image;
    if (image) {
      for (const d of [...image.dirs].sort((a, b) => a.length - b.length)) this.makeDirs(normalizePath(d), []);
      for (const f of image.files.values()) last = Math.max(last, f.version);
    }
    this.lastId = last;
    if (image) {
      for (const [path, f] of image.files) {
        const p = normalizePath(path);
        const parent = this.makeDirs(parentOf(p), []);
        const name = segments(p).at(-1)!;
        parent.children.set(name, this.newFile(name, parent, f.data, f.version));
      }
    }
  }

  /** Feeds one input; returns what the world must do, in order. Never throws for bad requests (they become error replies). */
  handle(input: FsInput): FsEffect[] {
    switch (input.type) {
      case 'request':
        return this.request(input.to, input.call);
      case 'callbackDone':
        return this.callbackDone(input.token, input.ok, input.error?.message);
      case 'hostDown':
        return this.hostDown(input.host);
    }
  }

  /** Makes sure directory `path` exists (with its ancestors): for a server's mount points at start. */
  ensureDir(path: string): FsEffect[] {
    const made: string[] = [];
    this.makeDirs(normalizePath(path), made);
    return made.map((p) => persist({ op: 'mkdir', path: p }));
  }

  /** Caching state of the file at `path` (null when there is no file), for tests and diagnostics. */
  cachingState(path: string): CachingState | null {
    const node = this.lookup(normalizePath(path));
    if (!node || node.kind !== 'file') return null;
    const { hosts, writers } = sharing(node);
    return {
      hosts: [...hosts].sort(),
      writers: [...writers].sort(),
      writeShared: hosts.size >= 2 && writers.size >= 1,
      cachingHosts: [...node.cachingHosts].sort(),
      pendingCallbacks: node.pending.size,
    };
  }

  /** Open streams (for diagnostics): id → path, offset, refs, hosts. */
  streamTable(): Array<{ stream: number; path: string | null; offset: number; mode: OpenMode; refs: number; hosts: Record<string, number> }> {
    return [...this.streams.values()].map((s) => ({
      stream: s.id,
      path: this.pathOf(s.file),
      offset: s.offset,
      mode: s.mode,
      refs: s.refs,
      hosts: Object.fromEntries(s.hosts),
    }));
  }

  // ---- dispatch -------------------------------------------------------------------------

  private request(to: string, call: FsCall): FsEffect[] {
    const effects: FsEffect[] = [];
    try {
      const out = this.dispatch(to, call, effects);
      if (out !== undefined) effects.push({ type: 'reply', to, ok: true, value: out.value, ...(out.bytes ? { bytes: out.bytes } : {}) });
      return effects;
    } catch (err) {
      // An op throws before it changes anything, so its effects so far are dropped with it.
      const error = toWireError(err);
      const out: FsEffect[] = [{ type: 'reply', to, ok: false, error }];
      if (!(err instanceof WispError)) out.unshift({ type: 'log', level: 'error', msg: `file server failed on ${call.verb}: ${error.message}`, fields: { verb: call.verb } });
      return out;
    }
  }

  /** Runs one call. Returns the reply, or undefined when the op emitted (or will emit) its reply itself. */
  private dispatch(to: string, c: FsCall, fx: FsEffect[]): { value: unknown; bytes?: Uint8Array } | undefined {
    switch (c.verb) {
      case 'open':
        return this.open(to, c, fx);
      case 'read':
        return this.read(c);
      case 'write':
        return this.write(c, fx);
      case 'seek':
        return { value: { offset: this.seek(c.host, c.stream, c.offset, c.whence) } };
      case 'close':
        this.close(c.host, c.stream);
        return { value: {} };
      case 'dup':
        return this.dup(to, c, fx);
      case 'move':
        return this.move(to, c, fx);
      case 'fstat': {
        const s = this.streamOf(c.host, c.stream);
        const f = s.file;
        return { value: { path: this.pathOf(f), file: f.id, mode: s.mode, offset: s.offset, size: f.size, version: f.version, maxFileSize: this.maxFileSize } };
      }
      case 'stat': {
        const node = this.lookup(normalizePath(c.path));
        if (!node) throw new WispError(ErrorCode.ENOENT, `no such file or directory: ${c.path}`);
        if (node.kind === 'dir') return { value: { type: 'dir', size: 0, version: 0 } };
        const { hosts, writers, writeShared, cachingHosts } = this.cachingState(normalizePath(c.path))!;
        return { value: { type: 'file', size: node.size, version: node.version, sharing: { hosts, writers, writeShared, cachingHosts } } };
      }
      case 'unlink':
        this.unlink(normalizePath(c.path), fx);
        return { value: {} };
      case 'mkdir':
        this.mkdir(normalizePath(c.path), c.parents ?? false, fx);
        return { value: {} };
      case 'rmdir':
        this.rmdir(normalizePath(c.path), fx);
        return { value: {} };
      case 'readdir':
        return { value: { entries: this.readdir(normalizePath(c.path)) } };
      case 'rename':
        this.rename(normalizePath(c.from), normalizePath(c.to), fx);
        return { value: {} };
      case 'pageOut':
        return { value: { count: this.pageOut(c, fx) } };
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

  // ---- streams --------------------------------------------------------------------------

  private open(to: string, c: FsCallOf<'open'>, fx: FsEffect[]): undefined {
    const path = normalizePath(c.path);
    const mode = c.mode;
    const readable = mode === 'r' || mode.endsWith('+');
    const writable = mode !== 'r';
    const append = mode.startsWith('a');
    const create = c.create ?? (mode !== 'r' && mode !== 'r+');
    const truncate = c.truncate ?? (mode === 'w' || mode === 'w+');
    if (truncate && !writable) throw new WispError(ErrorCode.EINVAL, `truncate needs a writable mode, not '${mode}'`);
    if (c.excl && !create) throw new WispError(ErrorCode.EINVAL, 'excl needs create');
    if (path === '/') throw new WispError(ErrorCode.EISDIR, `'/' is a directory`);

    let file = this.lookup(path);
    if (file?.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${path}' is a directory`);
    if (file && c.excl) throw new WispError(ErrorCode.EEXIST, `'${path}' exists`);
    if (!file) {
      if (!create) throw new WispError(ErrorCode.ENOENT, `no such file: ${path}`);
      const parent = this.parentDir(path);
      const name = segments(path).at(-1)!;
      file = this.newFile(name, parent, new Uint8Array(0), this.nextId());
      parent.children.set(name, file);
      fx.push(this.persistFile(file, path));
    }

    const s: Stream = { id: this.nextId(), file, mode, readable, writable, append, offset: 0, refs: 1, hosts: new Map([[c.host, 1]]) };
    this.streams.set(s.id, s);
    file.streams.add(s);
    const f = file;
    // Truncation waits for the callbacks: the hosts called back may still hold dirty blocks
    // written before this open, and those must land first and then be cut, not after.
    const prepare = truncate ? () => this.truncate(f) : undefined;
    this.admit(f, c.host, to, fx, (cacheable) => ({ stream: s.id, file: f.id, size: f.size, version: f.version, cacheable, maxFileSize: this.maxFileSize }), prepare);
    return undefined;
  }

  /** Cuts a file to zero bytes (a change: new version, persisted) unless it is empty already. */
  private truncate(f: FileNode): FsEffect[] {
    if (f.size === 0) return [];
    f.buf = new Uint8Array(0);
    f.size = 0;
    f.version = this.nextId();
    const path = this.pathOf(f);
    return path === null ? [] : [this.persistFile(f, path)];
  }

  private dup(to: string, c: FsCallOf<'dup'>, fx: FsEffect[]): undefined {
    const s = this.streamOf(c.host, c.stream);
    if (c.offset !== undefined) s.offset = c.offset;
    s.refs++;
    s.hosts.set(c.to, (s.hosts.get(c.to) ?? 0) + 1);
    const f = s.file;
    this.admit(f, c.to, to, fx, (cacheable) => ({ file: f.id, size: f.size, version: f.version, cacheable }));
    return undefined;
  }

  /** One reference moves from `c.host` to `c.to` (a migrating process takes its stream along). */
  private move(to: string, c: FsCallOf<'move'>, fx: FsEffect[]): undefined {
    const s = this.streamOf(c.host, c.stream);
    // Gain before release, so the stream never drops to zero references on the way.
    s.refs++;
    s.hosts.set(c.to, (s.hosts.get(c.to) ?? 0) + 1);
    this.release(s, c.host);
    const f = s.file;
    this.admit(f, c.to, to, fx, (cacheable) => ({ file: f.id, size: f.size, version: f.version, cacheable }));
    return undefined;
  }

  /**
   * Host `host` just gained a reference to `f`: decide whether it may cache it, call back the
   * other caching hosts if the file became write-shared, and reply now or once they answered
   * (running `prepare` first, at that moment).
   */
  private admit(f: FileNode, host: string, to: string, fx: FsEffect[], value: (cacheable: boolean) => unknown, prepare?: () => FsEffect[]): void {
    const { hosts, writers } = sharing(f);
    const writeShared = hosts.size >= 2 && writers.size >= 1;
    if (writeShared) {
      for (const h of f.cachingHosts) {
        if (h === host) continue;
        const token = ++this.lastToken;
        f.pending.add(token);
        this.callbacks.set(token, f);
        const streams = [...f.streams].filter((s) => s.hosts.has(h)).map((s) => s.id);
        fx.push({ type: 'callback', token, host: h, verb: 'cache.disable', path: this.pathOf(f), file: f.id, streams });
      }
      f.cachingHosts.clear();
    } else {
      f.cachingHosts.add(host);
    }
    const reply = (): FsEffect[] => [...(prepare?.() ?? []), { type: 'reply', to, ok: true, value: value(!writeShared) }];
    if (f.pending.size > 0) f.waiting.push(reply);
    else fx.push(...reply());
  }

  private read(c: FsCallOf<'read'>): { value: unknown; bytes: Uint8Array } {
    const s = this.streamOf(c.host, c.stream);
    if (!s.readable && !(c.fill && c.at !== undefined)) throw new WispError(ErrorCode.EACCES, `stream ${s.id} was opened '${s.mode}' and is not readable`);
    const f = s.file;
    const at = c.at ?? s.offset;
    const n = Math.max(0, Math.min(c.length, maxReadBytes(this.maxReplyBytes), f.size - at));
    if (c.at === undefined) s.offset = at + n;
    return { value: { at, size: f.size, version: f.version }, bytes: f.buf.subarray(at, at + n) };
  }

  private write(c: FsCallOf<'write'>, fx: FsEffect[]): { value: unknown } {
    const s = this.streamOf(c.host, c.stream);
    if (!s.writable) throw new WispError(ErrorCode.EACCES, `stream ${s.id} was opened '${s.mode}' and is not writable`);
    const f = s.file;
    // A positional write goes exactly to `at`, even on an append stream: a caching host holds the
    // end of file itself and sends it. Without `at`, append streams write at the end.
    const at = c.at ?? (s.append ? f.size : s.offset);
    const end = at + c.bytes.length;
    if (end > this.maxFileSize) throw new WispError(ErrorCode.EFBIG, `write to ${end} bytes exceeds the ${this.maxFileSize}-byte file size limit`);
    if (c.bytes.length > 0) {
      this.writeBytes(f, at, c.bytes);
      f.version = this.nextId();
      const path = this.pathOf(f);
      if (path !== null) fx.push(this.persistFile(f, path));
    }
    if (c.at === undefined) s.offset = end;
    return { value: { at, count: c.bytes.length, size: f.size, version: f.version } };
  }

  private seek(host: string, id: number, offset: number, whence: Whence): number {
    const s = this.streamOf(host, id);
    const base = whence === 'set' ? 0 : whence === 'cur' ? s.offset : s.file.size;
    const next = base + offset;
    if (next < 0 || !Number.isSafeInteger(next)) throw new WispError(ErrorCode.EINVAL, `seek to ${next} is out of range`);
    s.offset = next;
    return next;
  }

  private close(host: string, id: number): void {
    const s = this.streamOf(host, id);
    this.release(s, host);
  }

  /** Drops one reference `host` holds on `s`. */
  private release(s: Stream, host: string): void {
    const n = (s.hosts.get(host) ?? 0) - 1;
    if (n > 0) s.hosts.set(host, n);
    else s.hosts.delete(host);
    s.refs--;
    const f = s.file;
    if (s.refs <= 0) {
      this.streams.delete(s.id);
      f.streams.delete(s);
    }
    if (![...f.streams].some((o) => o.hosts.has(host))) f.cachingHosts.delete(host);
  }

  private hostDown(host: string): FsEffect[] {
    let dropped = 0;
    for (const s of [...this.streams.values()]) {
      const n = s.hosts.get(host) ?? 0;
      for (let i = 0; i < n; i++) this.release(s, host);
      dropped += n;
    }
    return dropped > 0 ? [{ type: 'log', level: 'info', msg: `dropped ${dropped} stream references of host ${host}`, fields: { host } }] : [];
  }

  private callbackDone(token: number, ok: boolean, why: string | undefined): FsEffect[] {
    const f = this.callbacks.get(token);
    if (!f) return [];
    this.callbacks.delete(token);
    f.pending.delete(token);
    const out: FsEffect[] = [];
    // A host that does not answer is taken as gone: holding the open forever would be worse.
    if (!ok) out.push({ type: 'log', level: 'warn', msg: `cache.disable callback failed, going on: ${why ?? 'no answer'}`, fields: { file: f.id } });
    if (f.pending.size === 0) {
      const waiting = f.waiting.splice(0);
      for (const w of waiting) out.push(...w());
    }
    return out;
  }

  private streamOf(host: string, id: number): Stream {
    const s = this.streams.get(id);
    if (!s) throw new WispError(ErrorCode.EBADF, `no open stream ${id}`);
    if (!s.hosts.has(host)) throw new WispError(ErrorCode.EBADF, `stream ${id} is not open on host ${host}`);
    return s;
  }

  // ---- namespace ------------------------------------------------------------------------

  private unlink(path: string, fx: FsEffect[]): void {
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such file: ${path}`);
    if (node.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${path}' is a directory; use rmdir`);
    node.parent!.children.delete(node.name);
    node.parent = null;
    fx.push(persist({ op: 'removeFile', path }));
  }

  private mkdir(path: string, parents: boolean, fx: FsEffect[]): void {
    const node = this.lookup(path);
    if (node) {
      if (parents && node.kind === 'dir') return;
      throw new WispError(ErrorCode.EEXIST, `'${path}' exists`);
    }
    if (!parents) this.parentDir(path);
    const made: string[] = [];
    this.makeDirs(path, made);
    for (const p of made) fx.push(persist({ op: 'mkdir', path: p }));
  }

  private rmdir(path: string, fx: FsEffect[]): void {
    if (path === '/') throw new WispError(ErrorCode.EINVAL, `'/' cannot be removed`);
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such directory: ${path}`);
    if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${path}' is not a directory`);
    if (node.children.size > 0) throw new WispError(ErrorCode.ENOTEMPTY, `'${path}' is not empty`);
    node.parent!.children.delete(node.name);
    node.parent = null;
    fx.push(persist({ op: 'rmdir', path }));
  }

  private readdir(path: string): Array<{ name: string; type: 'file' | 'dir' }> {
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such directory: ${path}`);
    if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${path}' is not a directory`);
    return [...node.children.values()]
      .map((n) => ({ name: n.name, type: n.kind }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Renames like POSIX: a file may replace a file, a directory an empty directory. Storage has
   * no rename, so the moved subtree is written under its new paths before the old ones are
   * removed: a crash in between leaves a copy, never a loss.
   */
  private rename(from: string, to: string, fx: FsEffect[]): void {
    if (from === '/' || to === '/') throw new WispError(ErrorCode.EINVAL, `'/' cannot be renamed or replaced`);
    const src = this.lookup(from);
    if (!src) throw new WispError(ErrorCode.ENOENT, `no such file or directory: ${from}`);
    if (from === to) return;
    if (src.kind === 'dir' && isUnder(to, from)) throw new WispError(ErrorCode.EINVAL, `cannot move '${from}' into itself`);
    const dstParent = this.parentDir(to);
    const name = segments(to).at(-1)!;
    const existing = dstParent.children.get(name);
    if (existing) {
      if (src.kind === 'file' && existing.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${to}' is a directory`);
      if (src.kind === 'dir' && existing.kind === 'file') throw new WispError(ErrorCode.ENOTDIR, `'${to}' is not a directory`);
      if (existing.kind === 'dir' && existing.children.size > 0) throw new WispError(ErrorCode.ENOTEMPTY, `'${to}' is not empty`);
    }
    const before = this.subtree(src, from);
    if (existing) {
      dstParent.children.delete(name);
      existing.parent = null;
      fx.push(persist(existing.kind === 'dir' ? { op: 'rmdir', path: to } : { op: 'removeFile', path: to }));
    }
    src.parent!.children.delete(src.name);
    src.name = name;
    src.parent = dstParent;
    dstParent.children.set(name, src);
    for (const [node, old] of before) {
      const now = to + old.slice(from.length);
      fx.push(node.kind === 'dir' ? persist({ op: 'mkdir', path: now }) : this.persistFile(node, now));
    }
    for (const [node, old] of [...before].reverse()) {
      fx.push(persist(node.kind === 'dir' ? { op: 'rmdir', path: old } : { op: 'removeFile', path: old }));
    }
  }

  private pageOut(c: FsCallOf<'pageOut'>, fx: FsEffect[]): number {
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

  // ---- helpers --------------------------------------------------------------------------

  private nextId(): number {
    return ++this.lastId;
  }

  private newFile(name: string, parent: DirNode, data: Uint8Array, version: number): FileNode {
    return {
      kind: 'file',
      id: this.nextId(),
      name,
      parent,
      buf: data,
      size: data.length,
      version,
      streams: new Set(),
      cachingHosts: new Set(),
      pending: new Set(),
      waiting: [],
    };
  }

  private persistFile(f: FileNode, path: string): FsEffect {
    return persist({ op: 'writeFile', path, file: { data: f.buf.subarray(0, f.size), version: f.version } });
  }

  /** Writes `bytes` at `at`, keeping `buf[0, size)` unchanged in place (see {@link FileNode.buf}). */
  private writeBytes(f: FileNode, at: number, bytes: Uint8Array): void {
    const end = at + bytes.length;
    if (at >= f.size && end <= f.buf.length) {
      f.buf.set(bytes, at);
    } else {
      // Doubling keeps a run of appends linear; bounded by the size limit.
      const cap = end <= f.buf.length ? f.buf.length : Math.max(end, Math.min(f.buf.length * 2, this.maxFileSize));
      const next = new Uint8Array(cap);
      next.set(f.buf.subarray(0, f.size));
      next.set(bytes, at);
      f.buf = next;
    }
    f.size = Math.max(f.size, end);
  }

  /** The node at a normalized path, or null. Throws `ENOTDIR` when a file sits where a directory must. */
  private lookup(path: string): Node | null {
    let node: Node = this.root;
    for (const seg of segments(path)) {
      if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `a component of '${path}' is not a directory`);
      const next: Node | undefined = node.children.get(seg);
      if (!next) return null;
      node = next;
    }
    return node;
  }

  /** The existing directory that will hold `path`. */
  private parentDir(path: string): DirNode {
    const p = parentOf(path);
    const dir = this.lookup(p);
    if (!dir) throw new WispError(ErrorCode.ENOENT, `no such directory: ${p}`);
    if (dir.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${p}' is not a directory`);
    return dir;
  }

  /** Creates `path` and missing ancestors, recording each created path in `made`. */
  private makeDirs(path: string, made: string[]): DirNode {
    let node: DirNode = this.root;
    let at = '/';
    for (const seg of segments(path)) {
      at = joinPath(at, seg);
      const next = node.children.get(seg);
      if (next?.kind === 'file') throw new WispError(ErrorCode.ENOTDIR, `'${at}' is a file`);
      if (next) {
        node = next;
        continue;
      }
      const dir: DirNode = { kind: 'dir', name: seg, parent: node, children: new Map() };
      node.children.set(seg, dir);
      made.push(at);
      node = dir;
    }
    return node;
  }

  /** Current path of a node, or null when it is no longer in the namespace. */
  private pathOf(node: Node): string | null {
    const names: string[] = [];
    let n: Node = node;
    while (n !== this.root) {
      if (!n.parent) return null;
      names.push(n.name);
      n = n.parent;
    }
    return `/${names.reverse().join('/')}`;
  }

  /** A node and its descendants with their paths, parents before children. */
  private subtree(node: Node, path: string): Array<[Node, string]> {
    const out: Array<[Node, string]> = [[node, path]];
    if (node.kind === 'dir') for (const child of node.children.values()) out.push(...this.subtree(child, joinPath(path, child.name)));
    return out;
  }
}

function persist(op: PersistOp): FsEffect {
  return { type: 'persist', op };
}

/** Hosts that have `f` open, and those among them that write. */
function sharing(f: FileNode): { hosts: Set<string>; writers: Set<string> } {
  const hosts = new Set<string>();
  const writers = new Set<string>();
  for (const s of f.streams) {
    for (const h of s.hosts.keys()) {
      hosts.add(h);
      if (s.writable) writers.add(h);
    }
  }
  return { hosts, writers };
}

function checkPages(pages: readonly number[]): void {
  if (new Set(pages).size !== pages.length) throw new WispError(ErrorCode.EINVAL, 'a page number is repeated');
}

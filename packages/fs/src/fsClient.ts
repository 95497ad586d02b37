import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  ErrorCode,
  FRAME_HEADER_BYTES,
  WispError,
  decode,
  decodeFrame,
  encode,
  encodeFrame,
  errorReply,
  fsCommands,
  isFsId,
  NatsEdge,
  okReply,
  parseCacheDisable,
  parseFsReply,
  subjects,
  toWireError,
  unwrapReply,
  type CacheDisableRequest,
  type FsDirEntry,
  type FsReplyOf,
  type FsRequestOf,
  type FsVerb,
  type OpenMode,
  type Subjects,
  type Whence,
} from '@wisp/protocol';
import { BlockCache, type BlockCacheOptions, type BlockCacheStats } from './blockCache.js';
import { maxReadBytes, pagesPerReply, pagesPerRequest } from './limits.js';
import { stderrLogger, type FsLogger } from './logger.js';
import { requestError } from './natsErrors.js';
import { PrefixTable } from './prefixTable.js';
import { concat } from './bytes.js';

/** A stream as a host names it: `<file server id>:<stream id>`. Serializable, valid on every host. */
export type StreamHandle = string;

/** Flags that add to what an open mode implies. */
export interface OpenFlags {
  create?: boolean;
  truncate?: boolean;
  /** With `create`: fail with `EEXIST` if the file exists. */
  excl?: boolean;
}

/** What {@link FsClient.open} returns. */
export interface OpenResult {
  stream: StreamHandle;
  size: number;
  version: number;
  /** Whether this host caches the file (it is not write-shared). */
  cacheable: boolean;
}

/** Told the bytes done so far of a whole-file read or write, and its total. */
export type FileProgress = (done: number, total: number) => void;

/** What {@link FsClient.stat} returns. */
export interface FsStat {
  type: 'file' | 'dir';
  size: number;
  version: number;
  /** For a file: who has it open and who may cache it (the server's view, as in Sprite). */
  sharing?: FileSharing;
}

/** A file's sharing and caching state at its server. */
export interface FileSharing {
  /** Hosts with the file open. */
  hosts: string[];
  /** Hosts with it open for writing. */
  writers: string[];
  /** Open on two or more hosts with at least one writer: nobody caches it. */
  writeShared: boolean;
  /** Hosts allowed to cache it now. */
  cachingHosts: string[];
}

/** How to run an {@link FsClient}. */
export interface FsClientOptions {
  /** A connected NATS client; not closed by {@link FsClient.stop}. */
  nc: NatsConnection;
  /** The id of the host this client serves. */
  host: string;
  /** Which file server owns which paths: a table or its spec (`/=fs1,/scratch=fs2`). */
  prefixes: PrefixTable | string;
  cluster?: string;
  /** Timeout of one request, ms (default 30 000; an open may wait for other hosts' flushes). */
  timeoutMs?: number;
  /** Block cache sizing, or `false` to cache nothing. */
  cache?: BlockCacheOptions | false;
  /** Dirty blocks are written back at most this long after they were first dirtied, ms (default 30). */
  writeBackMs?: number;
  /** Dirty bytes (over all files) beyond which a write flushes its file at once (default 4 MiB). */
  maxDirtyBytes?: number;
  /** Page messages in flight per pageIn/pageOut call (default 8). */
  pipeline?: number;
  /**
   * Subscribe to `host.<host>.cache.disable` and answer file-server callbacks here (default
   * true). A host runtime that owns its host subjects passes false and calls
   * {@link FsClient.handleCacheDisable} itself.
   */
  serveCallbacks?: boolean;
  logger?: FsLogger;
}

/** What this host knows of a stream. */
interface StreamRec {
  handle: StreamHandle;
  server: string;
  id: number;
  /** Cache key of the file: `<server>:<file id>`. */
  key: string;
  readable: boolean;
  writable: boolean;
  append: boolean;
  /** True while the offset is held here (the stream is on this host only); else the server's offset is used. */
  local: boolean;
  offset: number;
  /** References this host holds (processes sharing the stream here). */
  refs: number;
  maxFileSize: number;
}

/**
 * What a host uses to reach the file servers: every file call, routed by the prefix table,
 * split to fit the connection's `max_payload`, failing with {@link WispError} codes.
 *
 * **Offsets.** The server keeps every stream's offset, exact and shared by all hosts holding
 * the stream. A stream opened here is held by this host alone, so the client keeps its offset
 * locally and sends positional reads and writes (`at`): a cached read then needs no message at
 * all. When the stream is shared with another host ({@link dup} to a different host), the
 * local offset is first written to the server (a `seek`) and from then on this host uses the
 * server's offset (no `at`), so both hosts move one offset. A stream this host inherited (it never opened it) is
 * used through the server's offset, after one `fstat` to learn its file. Local dups (to this
 * host) share the one local record, so processes here share the offset too.
 *
 * **Caching.** Files the server reports `cacheable` are cached in a {@link BlockCache} of 16 KiB
 * blocks, keyed by file and version; writes are delayed (write-back) by at most `writeBackMs`,
 * and flushed at close, dup, stat, rename, before an open, when too much is dirty, and when the
 * server calls back (`cache.disable`, because another host's open made the file write-shared).
 * Only local-offset streams use the cache; a server-offset stream flushes the file's dirty
 * blocks first and updates cached blocks after its writes, so a host sees one file. All data
 * operations on one file run one at a time here (a per-file lane); opens and dups wait for their
 * replies outside the lane, because the server may hold them until this very host has answered
 * a callback that needs the lane.
 */
export class FsClient {
  readonly host: string;
  readonly prefixes: PrefixTable;
  readonly cache: BlockCache | null;
  private readonly nc: NatsConnection;
  private readonly subjects: Subjects;
  private readonly timeoutMs: number;
  private readonly writeBackMs: number;
  private readonly maxDirtyBytes: number;
  private readonly pipeline: number;
  private readonly log: FsLogger;
  private readonly streams = new Map<StreamHandle, StreamRec>();
  /** `<server>:<path>` → cache key of the file last opened there, to flush before path calls. */
  private readonly pathKeys = new Map<string, string>();
  /** Last local stream that dirtied each file: write-back goes through it. */
  private readonly writers = new Map<string, StreamRec>();
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private sub: Subscription | null = null;
  /** The safe edge of the callback subscription (present when serving callbacks). */
  private edge: NatsEdge | null = null;
  /** Callbacks received so far: an open whose request went out before one arrived does not enable caching. */
  private disables = 0;
  private stopped = false;

  private constructor(opts: FsClientOptions) {
    this.nc = opts.nc;
    this.host = opts.host;
    this.prefixes = typeof opts.prefixes === 'string' ? PrefixTable.parse(opts.prefixes) : opts.prefixes;
    this.subjects = subjects(opts.cluster);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.cache = opts.cache === false ? null : new BlockCache(opts.cache ?? {});
    this.writeBackMs = opts.writeBackMs ?? 30;
    this.maxDirtyBytes = opts.maxDirtyBytes ?? 4 * 1024 * 1024;
    this.pipeline = Math.max(1, opts.pipeline ?? 8);
    this.log = opts.logger ?? stderrLogger('wisp-fs-client', { host: opts.host });
  }

  /** Creates a client; with `serveCallbacks` (the default) it waits until its callback subscription is live. */
  static async start(opts: FsClientOptions): Promise<FsClient> {
    const c = new FsClient(opts);
    if (opts.serveCallbacks ?? true) {
      const edge = (c.edge = new NatsEdge(c.nc, c.log));
      c.sub = c.nc.subscribe(c.subjects.host(c.host, 'cache.disable'), { callback: edge.callback('cache.disable', (msg: Msg) => c.onCallback(edge, msg)) });
      await c.nc.flush();
    }
    return c;
  }

  /** Cache counters (zeros when caching is off). */
  get cacheStats(): BlockCacheStats {
    return this.cache?.stats ?? { hits: 0, misses: 0, evictions: 0 };
  }

  /** `cache.disable` callbacks this client has handled. */
  get callbacksHandled(): number {
    return this.disables;
  }

  /** True while this host caches the file of `stream`. */
  async isCached(stream: StreamHandle): Promise<boolean> {
    const rec = await this.record(stream);
    return this.cache?.has(rec.key) ?? false;
  }

  /** The connection's payload limit. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  // ---- streams --------------------------------------------------------------------------

  /** Opens `path` (mode as in `fopen`; default `r`). Any dirty data of the file here is written back first. */
  async open(path: string, mode: OpenMode = 'r', flags: OpenFlags = {}): Promise<OpenResult> {
    const { server, path: p } = this.prefixes.resolve(path);
    const known = this.pathKeys.get(`${server}:${p}`);
    if (known) await this.lane(known, () => this.flushFile(known));
    const seen = this.disables;
    const r = await this.call(server, 'open', { host: this.host, path: p, mode, ...flags });
    const key = `${server}:${r.file}`;
    this.pathKeys.set(`${server}:${p}`, key);
    const handle = `${server}:${r.stream}`;
    const rec: StreamRec = {
      handle,
      server,
      id: r.stream,
      key,
      readable: mode === 'r' || mode.endsWith('+'),
      writable: mode !== 'r',
      append: mode.startsWith('a'),
      local: true,
      offset: 0,
      refs: 1,
      maxFileSize: r.maxFileSize,
    };
    this.streams.set(handle, rec);
    const cacheable = await this.lane(key, () => this.admit(key, r.cacheable && seen === this.disables, r.version, r.size));
    return { stream: handle, size: cacheable ? this.cache!.size(key) : r.size, version: r.version, cacheable };
  }

  /** Reads up to `length` bytes at the stream's offset and advances it; an empty result is end of file. */
  async read(stream: StreamHandle, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 0) throw new WispError(ErrorCode.EINVAL, `bad read length ${length}`);
    const rec = await this.record(stream);
    if (!rec.readable) throw new WispError(ErrorCode.EACCES, `stream ${stream} is not readable`);
    if (length === 0) return new Uint8Array(0);
    return this.lane(rec.key, async () => {
      if (rec.local && this.cache?.has(rec.key)) {
        const out = await this.cachedRead(rec, rec.offset, length);
        rec.offset += out.length;
        return out;
      }
      await this.flushFile(rec.key);
      return this.directRead(rec, length);
    });
  }

  /** Writes `bytes` at the stream's offset (append streams: at the end) and advances it; returns the count. */
  async write(stream: StreamHandle, bytes: Uint8Array): Promise<number> {
    const rec = await this.record(stream);
    if (!rec.writable) throw new WispError(ErrorCode.EACCES, `stream ${stream} is not writable`);
    if (bytes.length === 0) return 0;
    return this.lane(rec.key, async () => {
      if (rec.local && this.cache?.has(rec.key)) await this.cachedWrite(rec, bytes);
      else {
        await this.flushFile(rec.key);
        await this.directWrite(rec, bytes);
      }
      return bytes.length;
    });
  }

  /** Moves the stream's offset; returns the new offset. */
  async seek(stream: StreamHandle, offset: number, whence: Whence = 'set'): Promise<number> {
    const rec = await this.record(stream);
    return this.lane(rec.key, async () => {
      if (rec.local && (whence !== 'end' || this.cache?.has(rec.key))) {
        const base = whence === 'set' ? 0 : whence === 'cur' ? rec.offset : this.cache!.size(rec.key);
        const next = base + offset;
        if (next < 0 || !Number.isSafeInteger(next)) throw new WispError(ErrorCode.EINVAL, `seek to ${next} is out of range`);
        rec.offset = next;
        return next;
      }
      await this.flushFile(rec.key);
      const r = await this.call(rec.server, 'seek', { host: this.host, stream: rec.id, offset, whence });
      if (rec.local) rec.offset = r.offset;
      return r.offset;
    });
  }

  /** Drops one reference to the stream, writing back the file's dirty blocks first. */
  async close(stream: StreamHandle): Promise<void> {
    const rec = await this.record(stream);
    await this.lane(rec.key, () => this.flushFile(rec.key));
    await this.call(rec.server, 'close', { host: this.host, stream: rec.id });
    if (--rec.refs <= 0) {
      this.streams.delete(stream);
      if (this.writers.get(rec.key) === rec) this.writers.delete(rec.key);
    }
  }

  /**
   * Gives host `host` a reference to the stream (a child inherits it; or a process moves there).
   * To another host, the local offset goes to the server first and the stream switches to the
   * server's offset here. (A migrating process's streams go with {@link move} instead.)
   */
  async dup(stream: StreamHandle, host: string): Promise<void> {
    const rec = await this.record(stream);
    await this.lane(rec.key, () => this.flushFile(rec.key));
    if (host === this.host) {
      await this.call(rec.server, 'dup', { host: this.host, stream: rec.id, to: host });
      rec.refs++;
      return;
    }
    // Hand the offset to the server inside the lane, so no operation here can slip between the
    // last local move and the switch; the dup itself must wait outside the lane (see class doc).
    await this.lane(rec.key, async () => {
      if (!rec.local) return;
      await this.call(rec.server, 'seek', { host: this.host, stream: rec.id, offset: rec.offset, whence: 'set' });
      rec.local = false;
    });
    await this.call(rec.server, 'dup', { host: this.host, stream: rec.id, to: host });
  }

  /**
   * Hands this host's reference to a stream to host `to` (a process migrates there), at the
   * server in one step. Dirty blocks and the local offset go to the server first, and this
   * host forgets the stream. With `from`, moves that host's reference instead (taking back a
   * stream handed to a target that then did not take the process).
   */
  async move(stream: StreamHandle, to: string, from: string = this.host): Promise<void> {
    if (from !== this.host) {
      const i = stream.lastIndexOf(':');
      await this.call(stream.slice(0, i), 'move', { host: from, stream: Number(stream.slice(i + 1)), to });
      return;
    }
    const rec = await this.record(stream);
    await this.lane(rec.key, async () => {
      await this.flushFile(rec.key);
      if (rec.local) await this.call(rec.server, 'seek', { host: this.host, stream: rec.id, offset: rec.offset, whence: 'set' });
      rec.local = false;
    });
    await this.call(rec.server, 'move', { host: this.host, stream: rec.id, to });
    if (--rec.refs <= 0) {
      this.streams.delete(stream);
      if (this.writers.get(rec.key) === rec) this.writers.delete(rec.key);
    }
  }

  // ---- paths ----------------------------------------------------------------------------

  /** What `path` is; this host's dirty data of the file is written back first, so the size is current. */
  async stat(path: string): Promise<FsStat> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.flushPath(server, p);
    return this.call(server, 'stat', { host: this.host, path: p });
  }

  /** Removes a file; streams open on it keep working until closed. */
  async unlink(path: string): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.call(server, 'unlink', { host: this.host, path: p });
    this.pathKeys.delete(`${server}:${p}`);
  }

  /** Creates a directory (`parents`: also missing ancestors, and an existing one is fine). */
  async mkdir(path: string, opts: { parents?: boolean } = {}): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.call(server, 'mkdir', { host: this.host, path: p, ...(opts.parents ? { parents: true } : {}) });
  }

  /** Removes an empty directory. */
  async rmdir(path: string): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.call(server, 'rmdir', { host: this.host, path: p });
  }

  /** Lists a directory, sorted by name. */
  async readdir(path: string): Promise<FsDirEntry[]> {
    const { server, path: p } = this.prefixes.resolve(path);
    return (await this.call(server, 'readdir', { host: this.host, path: p })).entries;
  }

  /** Renames a file or directory within one file server (`EXDEV` across servers). */
  async rename(from: string, to: string): Promise<void> {
    const a = this.prefixes.resolve(from);
    const b = this.prefixes.resolve(to);
    if (a.server !== b.server) throw new WispError(ErrorCode.EXDEV, `'${a.path}' and '${b.path}' are on different file servers`);
    await this.flushPath(a.server, a.path);
    await this.call(a.server, 'rename', { host: this.host, from: a.path, to: b.path });
    for (const k of [...this.pathKeys.keys()]) if (k.startsWith(`${a.server}:${a.path}`) || k === `${a.server}:${b.path}`) this.pathKeys.delete(k);
  }

  /** Reads a whole file: open, read to the end (1 MiB a read, each reported to `onProgress` with the size at open), close. */
  async readFile(path: string, onProgress?: FileProgress): Promise<Buffer> {
    const { stream: s, size } = await this.open(path, 'r');
    try {
      const chunks: Uint8Array[] = [];
      let done = 0;
      for (let b = await this.read(s, 1 << 20); b.length > 0; b = await this.read(s, 1 << 20)) {
        chunks.push(b);
        onProgress?.((done += b.length), size);
      }
      return Buffer.concat(chunks);
    } finally {
      await this.close(s);
    }
  }

  /** Creates or replaces a whole file: open for writing, write (with `onProgress`: 1 MiB a write, each reported), close. */
  async writeFile(path: string, data: Uint8Array, onProgress?: FileProgress): Promise<void> {
    const s = (await this.open(path, 'w')).stream;
    try {
      if (!onProgress) await this.write(s, data);
      for (let done = 0; onProgress && done < data.length; ) {
        const part = data.subarray(done, done + (1 << 20));
        await this.write(s, part);
        onProgress((done += part.length), data.length);
      }
    } finally {
      await this.close(s);
    }
  }

  // ---- backing files --------------------------------------------------------------------

  /**
   * Stores pages of a backing file. Pages are all one size (a power of two, 512 B – 1 MiB); they
   * go as raw bytes, as many per message as `max_payload` allows, `pipeline` messages in flight.
   */
  async pageOut(file: string, pages: ReadonlyMap<number, Uint8Array>): Promise<void> {
    const { server, path } = this.prefixes.resolve(file);
    const all = [...pages];
    if (all.length === 0) return;
    const pageSize = all[0]![1].length;
    for (const [n, p] of all) if (p.length !== pageSize) throw new WispError(ErrorCode.EINVAL, `page ${n} is ${p.length} bytes, not ${pageSize}`);
    const base = FRAME_HEADER_BYTES + encode({ host: this.host, file: path, pageSize, pages: [] }).length;
    const per = pagesPerRequest(this.maxPayload, pageSize, base);
    if (per < 1) throw new WispError(ErrorCode.EINVAL, `a page of ${pageSize} bytes does not fit max_payload ${this.maxPayload}`);
    const batches: Array<Array<[number, Uint8Array]>> = [];
    for (let i = 0; i < all.length; i += per) batches.push(all.slice(i, i + per));
    await this.pipelined(batches, (b) =>
      this.call(server, 'pageOut', { host: this.host, file: path, pageSize, pages: b.map(([n]) => n) }, b.map(([, p]) => p)),
    );
  }

  /**
   * Loads pages of a backing file; pages never written are absent from the result (the caller
   * zero-fills). The returned bytes are views into the received messages.
   */
  async pageIn(file: string, pageNos: readonly number[], pageSize = 4096): Promise<Map<number, Uint8Array>> {
    const { server, path } = this.prefixes.resolve(file);
    const per = pagesPerReply(this.maxPayload, pageSize);
    if (per < 1) throw new WispError(ErrorCode.EINVAL, `a page of ${pageSize} bytes does not fit max_payload ${this.maxPayload}`);
    const batches: number[][] = [];
    for (let i = 0; i < pageNos.length; i += per) batches.push(pageNos.slice(i, i + per));
    const out = new Map<number, Uint8Array>();
    await this.pipelined(batches, async (b) => {
      const r = await this.callBytes(server, 'pageIn', { host: this.host, file: path, pageSize, pages: b });
      if (r.bytes.length !== r.value.pages.length * pageSize) throw new WispError(ErrorCode.EPROTO, `pageIn reply carries ${r.bytes.length} bytes for ${r.value.pages.length} pages`);
      r.value.pages.forEach((n, i) => out.set(n, r.bytes.subarray(i * pageSize, (i + 1) * pageSize)));
    });
    return out;
  }

  /** Forgets every page of a backing file. */
  async dropPages(file: string): Promise<void> {
    const { server, path } = this.prefixes.resolve(file);
    await this.call(server, 'dropPages', { host: this.host, file: path });
  }

  // ---- callbacks, flushing, lifecycle ----------------------------------------------------

  /**
   * A file server's `cache.disable` callback: write back the file's dirty blocks, drop its
   * blocks, stop caching it. Resolves when done — the server holds another host's open until then.
   */
  async handleCacheDisable(req: CacheDisableRequest): Promise<void> {
    this.disables++;
    const key = `${req.server}:${req.file}`;
    await this.lane(key, async () => {
      try {
        await this.flushFile(key);
      } finally {
        this.cache?.drop(key);
      }
    });
  }

  /** Writes back every dirty block now. */
  async flush(): Promise<void> {
    if (!this.cache) return;
    await Promise.all(this.cache.dirtyKeys().map((k) => this.lane(k, () => this.flushFile(k))));
  }

  /** Writes back dirty blocks and stops answering callbacks. Streams stay open on the servers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.flush();
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.sub?.unsubscribe();
    this.edge?.close();
  }

  private onCallback(edge: NatsEdge, msg: Msg): void {
    let req: CacheDisableRequest;
    try {
      req = parseCacheDisable(decode(msg.data));
    } catch (err) {
      const error = toWireError(err);
      this.log.warn({ subject: msg.subject, code: error.code }, `rejected callback: ${error.message}`);
      edge.respond(msg, encode(errorReply(error)));
      return;
    }
    this.handleCacheDisable(req).then(
      () => edge.respond(msg, encode(okReply({}))),
      (err: unknown) => {
        const error = toWireError(err);
        this.log.error({ file: req.file, code: error.code }, `cache.disable failed: ${error.message}`);
        edge.respond(msg, encode(errorReply(error)));
      },
    );
  }

  /** After an open or dup reply: start (or keep) caching the file, or stop. Runs in the file's lane. */
  private async admit(key: string, cacheable: boolean, version: number, size: number): Promise<boolean> {
    const cache = this.cache;
    if (!cache) return false;
    if (!cacheable) {
      await this.flushFile(key);
      cache.drop(key);
      return false;
    }
    if (cache.has(key) && cache.hasDirty(key) && cache.version(key) !== version) await this.flushFile(key);
    cache.open(key, version, size);
    return true;
  }

  private async cachedRead(rec: StreamRec, at: number, length: number): Promise<Uint8Array> {
    const cache = this.cache!;
    const end = at + length;
    // Blocks fetched now may be evicted by another file's lane while we wait for the next
    // fetch; loop until all are present at once, then read synchronously.
    for (let missing = cache.missing(rec.key, at, end); missing.length > 0; missing = cache.missing(rec.key, at, end)) {
      await this.fetchBlocks(rec, missing);
    }
    const out = cache.read(rec.key, at, end);
    cache.trim();
    return out;
  }

  private async cachedWrite(rec: StreamRec, bytes: Uint8Array): Promise<void> {
    const cache = this.cache!;
    const at = rec.append ? cache.size(rec.key) : rec.offset;
    if (at + bytes.length > rec.maxFileSize) {
      throw new WispError(ErrorCode.EFBIG, `write to ${at + bytes.length} bytes exceeds the ${rec.maxFileSize}-byte file size limit`);
    }
    for (let missing = cache.missingForWrite(rec.key, at, bytes.length); missing.length > 0; missing = cache.missingForWrite(rec.key, at, bytes.length)) {
      await this.fetchBlocks(rec, missing);
    }
    cache.write(rec.key, at, bytes);
    rec.offset = at + bytes.length;
    this.writers.set(rec.key, rec);
    if (cache.dirtyBytes > this.maxDirtyBytes) await this.flushFile(rec.key);
    else this.armWriteBack(rec.key);
    cache.trim();
  }

  /** Fetches whole blocks with positional reads, runs of adjacent blocks per message. */
  private async fetchBlocks(rec: StreamRec, blocks: number[]): Promise<void> {
    const cache = this.cache!;
    const bs = cache.blockSize;
    const perMsg = Math.max(1, Math.floor(maxReadBytes(this.maxPayload) / bs));
    const version = cache.version(rec.key);
    let i = 0;
    while (i < blocks.length) {
      let j = i + 1;
      while (j < blocks.length && blocks[j] === blocks[j - 1]! + 1 && j - i < perMsg) j++;
      const first = blocks[i]!;
      const count = j - i;
      const r = await this.callBytes(rec.server, 'read', { host: this.host, stream: rec.id, length: count * bs, at: first * bs, fill: true });
      // Only this host writes a file it caches, so the server is still at our version; if not,
      // the consistency protocol failed somewhere: say so loudly rather than hide it.
      if (r.value.version !== version) this.log.warn({ key: rec.key, ours: version, server: r.value.version }, 'cached file changed on the server');
      if (cache.has(rec.key)) for (let k = 0; k < count; k++) cache.fill(rec.key, first + k, r.bytes.subarray(k * bs, (k + 1) * bs));
      i = j;
    }
  }

  private async directRead(rec: StreamRec, length: number): Promise<Uint8Array> {
    const chunk = maxReadBytes(this.maxPayload) - 64;
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const want = Math.min(chunk, length - total);
      const r = await this.callBytes(rec.server, 'read', { host: this.host, stream: rec.id, length: want, ...(rec.local ? { at: rec.offset } : {}) });
      if (rec.local) rec.offset = r.value.at + r.bytes.length;
      parts.push(r.bytes);
      total += r.bytes.length;
      if (r.bytes.length < want) break;
    }
    return parts.length === 1 ? parts[0]! : concat(parts, total);
  }

  private async directWrite(rec: StreamRec, bytes: Uint8Array): Promise<void> {
    const base = FRAME_HEADER_BYTES + encode({ host: this.host, stream: rec.id, at: Number.MAX_SAFE_INTEGER }).length;
    const chunk = this.maxPayload - base;
    for (let done = 0; done < bytes.length; ) {
      const part = bytes.subarray(done, done + chunk);
      // Local append streams let the server pick the end: another host may be appending too.
      const at = rec.local && !rec.append ? { at: rec.offset } : {};
      const r = await this.call(rec.server, 'write', { host: this.host, stream: rec.id, ...at }, part);
      if (rec.local) rec.offset = r.at + r.count;
      this.cache?.writeThrough(rec.key, r.at, part, r.version, r.size);
      done += part.length;
    }
  }

  /** Writes back the file's dirty blocks through a local writable stream. Runs in the file's lane. */
  private async flushFile(key: string): Promise<void> {
    const cache = this.cache;
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    if (!cache || !cache.hasDirty(key)) return;
    const writer = this.writers.get(key) ?? [...this.streams.values()].find((s) => s.key === key && s.writable);
    if (!writer) {
      this.log.error({ key }, 'dirty blocks but no writable stream left; dropping them');
      cache.drop(key);
      return;
    }
    const base = FRAME_HEADER_BYTES + encode({ host: this.host, stream: writer.id, at: Number.MAX_SAFE_INTEGER }).length;
    const chunk = this.maxPayload - base;
    let version = 0;
    for (const run of cache.dirtyRuns(key)) {
      for (let done = 0; done < run.bytes.length; done += chunk) {
        const r = await this.call(writer.server, 'write', { host: this.host, stream: writer.id, at: run.at + done }, run.bytes.subarray(done, done + chunk));
        version = r.version;
      }
    }
    cache.cleaned(key, version);
  }

  /** Writes back the dirty blocks of the file last opened at `path` here. */
  private async flushPath(server: string, path: string): Promise<void> {
    const key = this.pathKeys.get(`${server}:${path}`);
    if (key) await this.lane(key, () => this.flushFile(key));
  }

  private armWriteBack(key: string): void {
    if (this.timers.has(key) || this.stopped) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.lane(key, () => this.flushFile(key)).catch((err: unknown) => {
          // The blocks stay dirty; the next flush (close at the latest) retries and reports.
          this.log.warn({ key, err: (err as Error).message }, 'write-back failed');
        });
      }, this.writeBackMs),
    );
  }

  /** This host's record of a stream; a stream inherited from another host is looked up once (`fstat`). */
  private async record(handle: StreamHandle): Promise<StreamRec> {
    const rec = this.streams.get(handle);
    if (rec) return rec;
    const i = handle.lastIndexOf(':');
    const server = handle.slice(0, i);
    const id = Number(handle.slice(i + 1));
    if (i <= 0 || !isFsId(server) || !Number.isSafeInteger(id) || id <= 0) throw new WispError(ErrorCode.EBADF, `bad stream handle '${handle}'`);
    const r = await this.call(server, 'fstat', { host: this.host, stream: id });
    const made: StreamRec = {
      handle,
      server,
      id,
      key: `${server}:${r.file}`,
      readable: r.mode === 'r' || r.mode.endsWith('+'),
      writable: r.mode !== 'r',
      append: r.mode.startsWith('a'),
      local: false,
      offset: r.offset,
      refs: 1,
      maxFileSize: r.maxFileSize,
    };
    return this.streams.get(handle) ?? (this.streams.set(handle, made), made);
  }

  /** Runs `fn` after every earlier operation on the same file here. */
  private lane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.lanes.get(key) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(key, tail);
    void tail.then(() => {
      if (this.lanes.get(key) === tail) this.lanes.delete(key);
    });
    return run;
  }

  /** Runs `fn` over `items`, at most `pipeline` at a time; fails with the first error once all have settled. */
  private async pipelined<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
    let next = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (next < items.length && failure === null) {
        try {
          await fn(items[next++]!);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.pipeline, items.length) }, worker));
    if (failure !== null) throw failure;
  }

  /** One request whose reply is JSON; returns the validated value. */
  private async call<V extends FsVerb>(server: string, verb: V, body: FsRequestOf<V>, bytes?: Uint8Array | Uint8Array[]): Promise<FsReplyOf<V>> {
    const data = fsCommands[verb].bytes === 'request' ? encodeFrame(body, bytes ?? []) : encode(body);
    const msg = await this.request(server, verb, data);
    return this.validate(verb, unwrapReply(decode(msg.data)));
  }

  /** One request whose reply is a frame; returns the validated meta and the bytes. */
  private async callBytes<V extends 'read' | 'pageIn'>(server: string, verb: V, body: FsRequestOf<V>): Promise<{ value: FsReplyOf<V>; bytes: Uint8Array }> {
    const msg = await this.request(server, verb, encode(body));
    const { meta, bytes } = decodeFrame(msg.data);
    // A plain Uint8Array view (the transport hands out Buffers): no copy, and compares like one.
    return { value: this.validate(verb, unwrapReply(meta)), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  private async request(server: string, verb: FsVerb, data: Uint8Array): Promise<Msg> {
    const subject = this.subjects.fs(server, verb);
    if (data.length > this.maxPayload) throw new WispError(ErrorCode.EINVAL, `${verb} request of ${data.length} bytes exceeds max_payload ${this.maxPayload}`);
    try {
      return await this.nc.request(subject, data, { timeout: this.timeoutMs });
    } catch (err) {
      throw requestError(err, subject);
    }
  }

  private validate<V extends FsVerb>(verb: V, value: unknown): FsReplyOf<V> {
    try {
      return parseFsReply(verb, value);
    } catch (err) {
      throw new WispError(ErrorCode.EPROTO, (err as Error).message);
    }
  }
}

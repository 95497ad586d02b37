import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  ErrorCode,
  WispError,
  decode,
  encode,
  errorReply,
  NatsEdge,
  okReply,
  parseCacheDisable,
  subjects,
  toWireError,
  type CacheDisableRequest,
  type FsDirEntry,
  type FsFence,
  type OpenMode,
  type Subjects,
  type Whence,
} from '@wisp/protocol';
import { BlockCache, type BlockCacheStats } from './blockCache.js';
import { FileData } from './clientData.js';
import { pageIn, pageOut } from './clientPaging.js';
import { FileLanes } from './fileLanes.js';
import { FsRequests } from './clientRequests.js';
import { StreamTable } from './clientStreams.js';
import type { FileProgress, FsClientOptions, FsStat, OpenFlags, OpenResult, StreamHandle } from './clientTypes.js';
import { stderrLogger, type FsLogger } from './logger.js';
import { PrefixTable } from './prefixTable.js';

export type { FileProgress, FileSharing, FsClientOptions, FsStat, OpenFlags, OpenResult, StreamHandle } from './clientTypes.js';

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
 *
 * **Fencing.** Every operation takes an optional last argument, the `fence` (pid, directory
 * epoch) of the process it is made for; every request it makes carries it, and the file server
 * refuses one older than the newest it has seen for the pid (`ESTALE`). Dirty blocks remember
 * the fence of the process that wrote them, and their write-back — whenever it happens: a timer,
 * a flush for another operation, a server's callback — carries that fence, never another's: a
 * host whose process moved on cannot write its stale blocks back. A write-back refused so is
 * dropped (it can never be accepted). Operations without a fence (the host's or a tool's own,
 * e.g. the CLI's path operations) are not fenced.
 */
export class FsClient {
  readonly host: string;
  readonly prefixes: PrefixTable;
  readonly cache: BlockCache | null;
  private readonly nc: NatsConnection;
  private readonly subjects: Subjects;
  private readonly log: FsLogger;
  /** Requests to file servers (clientRequests.ts). */
  private readonly requests: FsRequests;
  /** The streams held here (clientStreams.ts). */
  private readonly streams: StreamTable;
  /** Reads, writes, caching and write-back (clientData.ts). */
  private readonly data: FileData;
  /** Writes and drops of backing files, one lane per file. */
  private readonly lanes = new FileLanes();
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
    this.cache = opts.cache === false ? null : new BlockCache(opts.cache ?? {});
    this.log = opts.logger ?? stderrLogger('wisp-fs-client', { host: opts.host });
    this.requests = new FsRequests(this.nc, this.subjects, opts.timeoutMs ?? 30_000, Math.max(1, opts.pipeline ?? 8));
    this.streams = new StreamTable(this.requests, this.host);
    this.data = new FileData(this.requests, this.streams, {
      host: this.host,
      cache: this.cache,
      writeBackMs: opts.writeBackMs ?? 30,
      maxDirtyBytes: opts.maxDirtyBytes ?? 4 * 1024 * 1024,
      log: this.log,
    });
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
    const rec = await this.streams.record(stream, undefined);
    return this.cache?.has(rec.key) ?? false;
  }

  /** The connection's payload limit. */
  get maxPayload(): number {
    return this.requests.maxPayload;
  }

  // ---- streams --------------------------------------------------------------------------

  /** Opens `path` (mode as in `fopen`; default `r`). Any dirty data of the file here is written back first. */
  async open(path: string, mode: OpenMode = 'r', flags: OpenFlags = {}, fence?: FsFence): Promise<OpenResult> {
    const { server, path: p } = this.prefixes.resolve(path);
    const known = this.data.pathKeys.get(`${server}:${p}`);
    if (known) await this.data.lane(known, () => this.data.flushFile(known));
    const seen = this.disables;
    const r = await this.requests.call(server, 'open', { host: this.host, fence, path: p, mode, ...flags });
    this.data.pathKeys.set(`${server}:${p}`, `${server}:${r.file}`);
    const rec = this.streams.opened(server, r.stream, r.file, mode, r.maxFileSize);
    const cacheable = await this.data.lane(rec.key, () => this.data.admit(rec.key, r.cacheable && seen === this.disables, r.version, r.size));
    return { stream: rec.handle, size: cacheable ? this.cache!.size(rec.key) : r.size, version: r.version, cacheable };
  }

  /** Reads up to `length` bytes at the stream's offset and advances it; an empty result is end of file. */
  async read(stream: StreamHandle, length: number, fence?: FsFence): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 0) throw new WispError(ErrorCode.EINVAL, `bad read length ${length}`);
    const rec = await this.streams.record(stream, fence);
    if (!rec.readable) throw new WispError(ErrorCode.EACCES, `stream ${stream} is not readable`);
    if (length === 0) return new Uint8Array(0);
    return this.data.lane(rec.key, async () => {
      if (rec.local && this.cache?.has(rec.key)) {
        const out = await this.data.cachedRead(rec, rec.offset, length, fence);
        rec.offset += out.length;
        return out;
      }
      await this.data.flushFile(rec.key);
      return this.data.directRead(rec, length, fence);
    });
  }

  /** Writes `bytes` at the stream's offset (append streams: at the end) and advances it; returns the count. */
  async write(stream: StreamHandle, bytes: Uint8Array, fence?: FsFence): Promise<number> {
    const rec = await this.streams.record(stream, fence);
    if (!rec.writable) throw new WispError(ErrorCode.EACCES, `stream ${stream} is not writable`);
    if (bytes.length === 0) return 0;
    return this.data.lane(rec.key, async () => {
      if (rec.local && this.cache?.has(rec.key)) await this.data.cachedWrite(rec, bytes, fence);
      else {
        await this.data.flushFile(rec.key);
        await this.data.directWrite(rec, bytes, fence);
      }
      return bytes.length;
    });
  }

  /** Moves the stream's offset; returns the new offset. */
  async seek(stream: StreamHandle, offset: number, whence: Whence = 'set', fence?: FsFence): Promise<number> {
    const rec = await this.streams.record(stream, fence);
    return this.data.lane(rec.key, async () => {
      if (rec.local && (whence !== 'end' || this.cache?.has(rec.key))) {
        const base = whence === 'set' ? 0 : whence === 'cur' ? rec.offset : this.cache!.size(rec.key);
        const next = base + offset;
        if (next < 0 || !Number.isSafeInteger(next)) throw new WispError(ErrorCode.EINVAL, `seek to ${next} is out of range`);
        rec.offset = next;
        return next;
      }
      await this.data.flushFile(rec.key);
      const r = await this.requests.call(rec.server, 'seek', { host: this.host, fence, stream: rec.id, offset, whence });
      if (rec.local) rec.offset = r.offset;
      return r.offset;
    });
  }

  /** Drops one reference to the stream, writing back the file's dirty blocks first. */
  async close(stream: StreamHandle, fence?: FsFence): Promise<void> {
    const rec = await this.streams.record(stream, fence);
    await this.data.lane(rec.key, () => this.data.flushFile(rec.key));
    await this.requests.call(rec.server, 'close', { host: this.host, fence, stream: rec.id });
    if (this.streams.unref(rec)) this.data.forget(rec);
  }

  /**
   * Gives host `host` a reference to the stream (a child inherits it; or a process moves there).
   * To another host, the local offset goes to the server first and the stream switches to the
   * server's offset here. (A migrating process's streams go with {@link move} instead.)
   */
  async dup(stream: StreamHandle, host: string, fence?: FsFence): Promise<void> {
    const rec = await this.streams.record(stream, fence);
    await this.data.lane(rec.key, () => this.data.flushFile(rec.key));
    if (host === this.host) {
      await this.requests.call(rec.server, 'dup', { host: this.host, fence, stream: rec.id, to: host });
      rec.refs++;
      return;
    }
    // Hand the offset to the server inside the lane, so no operation here can slip between the
    // last local move and the switch; the dup itself must wait outside the lane (see class doc).
    await this.data.lane(rec.key, async () => {
      if (!rec.local) return;
      await this.requests.call(rec.server, 'seek', { host: this.host, fence, stream: rec.id, offset: rec.offset, whence: 'set' });
      rec.local = false;
    });
    await this.requests.call(rec.server, 'dup', { host: this.host, fence, stream: rec.id, to: host });
  }

  /**
   * Hands this host's reference to a stream to host `to` (a process migrates there), at the
   * server in one step. Dirty blocks and the local offset go to the server first, and this
   * host forgets the stream. With `from`, moves that host's reference instead (taking back a
   * stream handed to a target that then did not take the process).
   */
  async move(stream: StreamHandle, to: string, from: string = this.host, fence?: FsFence): Promise<void> {
    if (from !== this.host) {
      const i = stream.lastIndexOf(':');
      await this.requests.call(stream.slice(0, i), 'move', { host: from, fence, stream: Number(stream.slice(i + 1)), to });
      return;
    }
    const rec = await this.streams.record(stream, fence);
    await this.data.lane(rec.key, async () => {
      await this.data.flushFile(rec.key);
      if (rec.local) await this.requests.call(rec.server, 'seek', { host: this.host, fence, stream: rec.id, offset: rec.offset, whence: 'set' });
      rec.local = false;
    });
    await this.requests.call(rec.server, 'move', { host: this.host, fence, stream: rec.id, to });
    if (this.streams.unref(rec)) this.data.forget(rec);
  }

  // ---- paths ----------------------------------------------------------------------------

  /** What `path` is; this host's dirty data of the file is written back first, so the size is current. */
  async stat(path: string, fence?: FsFence): Promise<FsStat> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.data.flushPath(server, p);
    return this.requests.call(server, 'stat', { host: this.host, fence, path: p });
  }

  /** Removes a file; streams open on it keep working until closed. */
  async unlink(path: string, fence?: FsFence): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.requests.call(server, 'unlink', { host: this.host, fence, path: p });
    this.data.pathKeys.delete(`${server}:${p}`);
  }

  /** Creates a directory (`parents`: also missing ancestors, and an existing one is fine). */
  async mkdir(path: string, opts: { parents?: boolean } = {}, fence?: FsFence): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.requests.call(server, 'mkdir', { host: this.host, fence, path: p, ...(opts.parents ? { parents: true } : {}) });
  }

  /** Removes an empty directory. */
  async rmdir(path: string, fence?: FsFence): Promise<void> {
    const { server, path: p } = this.prefixes.resolve(path);
    await this.requests.call(server, 'rmdir', { host: this.host, fence, path: p });
  }

  /** Lists a directory, sorted by name. */
  async readdir(path: string, fence?: FsFence): Promise<FsDirEntry[]> {
    const { server, path: p } = this.prefixes.resolve(path);
    return (await this.requests.call(server, 'readdir', { host: this.host, fence, path: p })).entries;
  }

  /** Renames a file or directory within one file server (`EXDEV` across servers). */
  async rename(from: string, to: string, fence?: FsFence): Promise<void> {
    const a = this.prefixes.resolve(from);
    const b = this.prefixes.resolve(to);
    if (a.server !== b.server) throw new WispError(ErrorCode.EXDEV, `'${a.path}' and '${b.path}' are on different file servers`);
    await this.data.flushPath(a.server, a.path);
    await this.requests.call(a.server, 'rename', { host: this.host, fence, from: a.path, to: b.path });
    for (const k of [...this.data.pathKeys.keys()]) if (k.startsWith(`${a.server}:${a.path}`) || k === `${a.server}:${b.path}`) this.data.pathKeys.delete(k);
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

  /** Stores pages of a backing file (all one size), as raw bytes, a few messages in flight (see clientPaging.ts). */
  async pageOut(file: string, pages: ReadonlyMap<number, Uint8Array>, fence?: FsFence): Promise<void> {
    // In its file's lane: a later write of a page is never overtaken by an earlier one.
    const f = { host: this.host, fence, ...this.prefixes.resolve(file) };
    await this.lanes.run(file, () => pageOut(this.requests, f, pages));
  }

  /** Loads pages of a backing file; pages never written are absent (the caller zero-fills). */
  async pageIn(file: string, pageNos: readonly number[], pageSize = 4096, fence?: FsFence): Promise<Map<number, Uint8Array>> {
    return pageIn(this.requests, { host: this.host, fence, ...this.prefixes.resolve(file) }, pageNos, pageSize);
  }

  /** Forgets every page of a backing file. */
  async dropPages(file: string, fence?: FsFence): Promise<void> {
    const { server, path } = this.prefixes.resolve(file);
    // After the writes asked for before it (e.g. a cleaner's, when the process exits meanwhile).
    await this.lanes.run(file, () => this.requests.call(server, 'dropPages', { host: this.host, fence, file: path }));
  }

  // ---- callbacks, flushing, lifecycle ----------------------------------------------------

  /**
   * A file server's `cache.disable` callback: write back the file's dirty blocks, drop its
   * blocks, stop caching it. Resolves when done — the server holds another host's open until then.
   */
  async handleCacheDisable(req: CacheDisableRequest): Promise<void> {
    this.disables++;
    await this.data.disable(`${req.server}:${req.file}`);
  }

  /** Writes back every dirty block now. */
  async flush(): Promise<void> {
    await this.data.flushAll();
  }

  /** Writes back dirty blocks and stops answering callbacks. Streams stay open on the servers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.flush();
    this.stopped = true;
    this.data.stop();
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
}

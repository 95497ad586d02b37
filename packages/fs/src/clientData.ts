import { ErrorCode, FRAME_HEADER_BYTES, WispError, encode, type FsFence } from '@wisp/protocol';
import type { BlockCache } from './blockCache.js';
import { concat } from './bytes.js';
import type { FsRequests } from './clientRequests.js';
import { FileLanes } from './fileLanes.js';
import type { StreamRec, StreamTable } from './clientStreams.js';
import { maxReadBytes } from './limits.js';
import type { FsLogger } from './logger.js';

/** How the data path is tuned (see `FsClientOptions`). */
export interface FileDataOptions {
  host: string;
  cache: BlockCache | null;
  writeBackMs: number;
  maxDirtyBytes: number;
  log: FsLogger;
}

/**
 * The data path of files on this host, the client half of Sprite caching: reads and writes
 * through the {@link BlockCache} (a file the server says is cacheable) or straight to the
 * server, delayed write-back, flushes, and the per-file lane every data operation on one file
 * runs in, one at a time.
 *
 * Each file's dirty blocks are one process's (see `dirtiedBy`): their write-back carries that
 * process's fence, whoever triggers it, and is dropped if the file server refuses it as stale.
 */
export class FileData {
  readonly cache: BlockCache | null;
  private readonly host: string;
  private readonly log: FsLogger;
  private readonly writeBackMs: number;
  private readonly maxDirtyBytes: number;
  /** `<server>:<path>` → cache key of the file last opened there, to flush before path calls. */
  readonly pathKeys = new Map<string, string>();
  /** Last local stream that dirtied each file: write-back goes through it. */
  readonly writers = new Map<string, StreamRec>();
  /**
   * The fence of the process whose writes the file's dirty blocks hold (absent: unfenced
   * writes). Another process's write to the file first writes those back, so a write-back
   * carries exactly one process's fence.
   */
  private readonly dirtiedBy = new Map<string, FsFence>();
  private readonly lanes = new FileLanes();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly requests: FsRequests,
    private readonly streams: StreamTable,
    opts: FileDataOptions,
  ) {
    this.host = opts.host;
    this.cache = opts.cache;
    this.log = opts.log;
    this.writeBackMs = opts.writeBackMs;
    this.maxDirtyBytes = opts.maxDirtyBytes;
  }

  /** Runs `fn` after every earlier operation on the same file here. */
  lane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.lanes.run(key, fn);
  }

  /** After an open or dup reply: start (or keep) caching the file, or stop. Runs in the file's lane. */
  async admit(key: string, cacheable: boolean, version: number, size: number): Promise<boolean> {
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

  async cachedRead(rec: StreamRec, at: number, length: number, fence: FsFence | undefined): Promise<Uint8Array> {
    const cache = this.cache!;
    const end = at + length;
    // Blocks fetched now may be evicted by another file's lane while we wait for the next
    // fetch; loop until all are present at once, then read synchronously.
    for (let missing = cache.missing(rec.key, at, end); missing.length > 0; missing = cache.missing(rec.key, at, end)) {
      await this.fetchBlocks(rec, missing, fence);
    }
    const out = cache.read(rec.key, at, end);
    cache.trim();
    return out;
  }

  async cachedWrite(rec: StreamRec, bytes: Uint8Array, fence: FsFence | undefined): Promise<void> {
    const cache = this.cache!;
    if (cache.hasDirty(rec.key) && this.dirtiedBy.get(rec.key)?.pid !== fence?.pid) await this.flushFile(rec.key);
    const at = rec.append ? cache.size(rec.key) : rec.offset;
    if (at + bytes.length > rec.maxFileSize) {
      throw new WispError(ErrorCode.EFBIG, `write to ${at + bytes.length} bytes exceeds the ${rec.maxFileSize}-byte file size limit`);
    }
    for (let missing = cache.missingForWrite(rec.key, at, bytes.length); missing.length > 0; missing = cache.missingForWrite(rec.key, at, bytes.length)) {
      await this.fetchBlocks(rec, missing, fence);
    }
    cache.write(rec.key, at, bytes);
    rec.offset = at + bytes.length;
    this.writers.set(rec.key, rec);
    if (fence) this.dirtiedBy.set(rec.key, fence);
    if (cache.dirtyBytes > this.maxDirtyBytes) await this.flushFile(rec.key);
    else this.armWriteBack(rec.key);
    cache.trim();
  }

  /** Fetches whole blocks with positional reads, runs of adjacent blocks per message. */
  private async fetchBlocks(rec: StreamRec, blocks: number[], fence: FsFence | undefined): Promise<void> {
    const cache = this.cache!;
    const bs = cache.blockSize;
    const perMsg = Math.max(1, Math.floor(maxReadBytes(this.requests.maxPayload) / bs));
    const version = cache.version(rec.key);
    let i = 0;
    while (i < blocks.length) {
      let j = i + 1;
      while (j < blocks.length && blocks[j] === blocks[j - 1]! + 1 && j - i < perMsg) j++;
      const first = blocks[i]!;
      const count = j - i;
      const r = await this.requests.callBytes(rec.server, 'read', { host: this.host, fence, stream: rec.id, length: count * bs, at: first * bs, fill: true });
      // Only this host writes a file it caches, so the server is still at our version; if not,
      // the consistency protocol failed somewhere: say so loudly rather than hide it.
      if (r.value.version !== version) this.log.warn({ key: rec.key, ours: version, server: r.value.version }, 'cached file changed on the server');
      if (cache.has(rec.key)) for (let k = 0; k < count; k++) cache.fill(rec.key, first + k, r.bytes.subarray(k * bs, (k + 1) * bs));
      i = j;
    }
  }

  async directRead(rec: StreamRec, length: number, fence: FsFence | undefined): Promise<Uint8Array> {
    const chunk = maxReadBytes(this.requests.maxPayload) - 64;
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const want = Math.min(chunk, length - total);
      const r = await this.requests.callBytes(rec.server, 'read', { host: this.host, fence, stream: rec.id, length: want, ...(rec.local ? { at: rec.offset } : {}) });
      if (rec.local) rec.offset = r.value.at + r.bytes.length;
      parts.push(r.bytes);
      total += r.bytes.length;
      if (r.bytes.length < want) break;
    }
    return parts.length === 1 ? parts[0]! : concat(parts, total);
  }

  async directWrite(rec: StreamRec, bytes: Uint8Array, fence: FsFence | undefined): Promise<void> {
    const base = FRAME_HEADER_BYTES + encode({ host: this.host, fence, stream: rec.id, at: Number.MAX_SAFE_INTEGER }).length;
    const chunk = this.requests.maxPayload - base;
    for (let done = 0; done < bytes.length; ) {
      const part = bytes.subarray(done, done + chunk);
      // Local append streams let the server pick the end: another host may be appending too.
      const at = rec.local && !rec.append ? { at: rec.offset } : {};
      const r = await this.requests.call(rec.server, 'write', { host: this.host, fence, stream: rec.id, ...at }, part);
      if (rec.local) rec.offset = r.at + r.count;
      this.cache?.writeThrough(rec.key, r.at, part, r.version, r.size);
      done += part.length;
    }
  }

  /**
   * Writes back the file's dirty blocks through a local writable stream, with the fence of the
   * process that wrote them. Runs in the file's lane. Refused as stale (`ESTALE`: that process
   * has moved on elsewhere), the blocks are dropped, not retried: they can never be accepted,
   * and whoever asked for the flush (another process's operation, a callback) goes on.
   */
  async flushFile(key: string): Promise<void> {
    const cache = this.cache;
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    if (!cache || !cache.hasDirty(key)) return;
    const writer = this.writers.get(key) ?? this.streams.writerOf(key);
    if (!writer) {
      this.log.error({ key }, 'dirty blocks but no writable stream left; dropping them');
      cache.drop(key);
      this.dirtiedBy.delete(key);
      return;
    }
    const fence = this.dirtiedBy.get(key);
    const base = FRAME_HEADER_BYTES + encode({ host: this.host, fence, stream: writer.id, at: Number.MAX_SAFE_INTEGER }).length;
    const chunk = this.requests.maxPayload - base;
    let version = 0;
    try {
      for (const run of cache.dirtyRuns(key)) {
        for (let done = 0; done < run.bytes.length; done += chunk) {
          const r = await this.requests.call(writer.server, 'write', { host: this.host, fence, stream: writer.id, at: run.at + done }, run.bytes.subarray(done, done + chunk));
          version = r.version;
        }
      }
    } catch (err) {
      if (!(err instanceof WispError && err.code === ErrorCode.ESTALE)) throw err;
      this.log.warn({ key, pid: fence?.pid, epoch: fence?.epoch }, `write-back refused as stale, dropping it: ${err.message}`);
      cache.drop(key);
      this.dirtiedBy.delete(key);
      return;
    }
    cache.cleaned(key, version);
    this.dirtiedBy.delete(key);
  }

  /** Writes back the dirty blocks of the file last opened at `path` here. */
  async flushPath(server: string, path: string): Promise<void> {
    const key = this.pathKeys.get(`${server}:${path}`);
    if (key) await this.lane(key, () => this.flushFile(key));
  }

  /** Writes back every dirty block now. */
  async flushAll(): Promise<void> {
    if (!this.cache) return;
    await Promise.all(this.cache.dirtyKeys().map((k) => this.lane(k, () => this.flushFile(k))));
  }

  /** A server's callback: write back the file's dirty blocks, then drop its blocks and stop caching it. */
  async disable(key: string): Promise<void> {
    await this.lane(key, async () => {
      try {
        await this.flushFile(key);
      } finally {
        this.cache?.drop(key);
        this.dirtiedBy.delete(key);
      }
    });
  }

  /** The stream dropped its last reference here: it writes nothing back any more. */
  forget(rec: StreamRec): void {
    if (this.writers.get(rec.key) === rec) this.writers.delete(rec.key);
  }

  /** No more delayed write-back. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
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
}

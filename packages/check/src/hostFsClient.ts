import { BlockCache } from '@wisp/fs';
import type { FsOp } from '@wisp/kernel';
import { ErrorCode, WispError, type FsFence, type FsVerb } from '@wisp/protocol';

/** The model's one file server. */
export const FS_ID = 'fs';
const PAGE_SIZE = 4096;
/** The model's files are small: a small block makes partial blocks, fetches and write-back runs show. */
const BLOCK_SIZE = 64;

/** A file-server call as the client makes it: the answer's value and bytes, or a thrown {@link WispError}. */
export type ServerCall = (verb: FsVerb, body: Record<string, unknown>, bytes?: Uint8Array) => { value: Record<string, unknown>; bytes?: Uint8Array };

/** A stream as this host's client knows it (as `FsClient` keeps it). */
interface StreamRec {
  readonly id: number;
  readonly key: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  /** True: this host keeps the offset (and may use the cache); false: the server's offset. */
  local: boolean;
  offset: number;
  refs: number;
  readonly maxFileSize: number;
}

/**
 * The client half of Sprite caching on a model host: what `FsClient` does for the kernel's `fs`
 * effects, with the real {@link BlockCache}, but synchronous — each kernel operation, with every
 * file-server call it makes (block fetches, write-backs, the seek that hands an offset over), is
 * one step of the model. Files the server calls cacheable are cached; writes stay dirty in the
 * cache until a close, move, dup, stat, reopen or the server's `cache.disable` callback writes
 * them back (the runtime's write-back timer, which only writes back earlier, is not modelled).
 *
 * Fencing as `FsClient` does it: every request an operation makes carries the operation's
 * fence; dirty blocks remember the fence of the process that wrote them and are written back
 * with it (another process's write first writes them back), and dropped if refused as stale.
 */
export class HostFsClient {
  /** The fence of the operation being run (not state: set by each {@link run}). */
  private fence: FsFence | undefined;

  constructor(
    readonly host: string,
    private readonly cache = new BlockCache({ blockSize: BLOCK_SIZE }),
    private readonly streams = new Map<string, StreamRec>(),
    private readonly pathKeys = new Map<string, string>(),
    private readonly writers = new Map<string, string>(),
    private disables = 0,
    /** File key → the fence of the process whose writes its dirty blocks hold. */
    private readonly dirtiedBy = new Map<string, FsFence>(),
  ) {}

  /** A copy that goes on independently. */
  clone(): HostFsClient {
    return new HostFsClient(this.host, this.cache.clone(), new Map([...this.streams].map(([h, r]) => [h, { ...r }])), new Map(this.pathKeys), new Map(this.writers), this.disables, new Map(this.dirtiedBy));
  }

  /**
   * Plain data for a fingerprint: the cache's files and blocks, the streams, which path names
   * which file, who wrote last. (The count of callbacks seen only matters within one open.)
   */
  state(): unknown {
    return [this.cache.view(), [...this.streams], [...this.pathKeys], [...this.writers], [...this.dirtiedBy]];
  }

  /** Files this host caches: the file id, the version its blocks belong to, and whether some are dirty. */
  cached(): Array<{ file: number; version: number; dirty: boolean }> {
    return this.cache.view().files.map((f) => ({ file: Number(f.key.slice(FS_ID.length + 1)), version: f.version, dirty: f.blocks.some((b) => b.hi > b.lo) }));
  }

  /**
   * Performs the kernel's `op` with `args` for the process `fence` names (none: the host's
   * own); returns what `FsClient` returns to the kernel.
   */
  run(op: FsOp, args: unknown[], server: ServerCall, fence?: FsFence): unknown {
    // Every request of the operation carries its fence, except a write-back, which names its own.
    const call: ServerCall = (verb, body, bytes) => server(verb, fence && !('fence' in body) ? { ...body, fence } : body, bytes);
    this.fence = fence;
    switch (op) {
      case 'open':
        return this.open(args[0] as string, args[1] as string, call);
      case 'read':
        return this.read(this.record(args[0], call), args[1] as number, call);
      case 'write':
        return this.write(this.record(args[0], call), args[1] as Uint8Array, call);
      case 'seek':
        return this.seek(this.record(args[0], call), args[1] as number, (args[2] ?? 'set') as string, call);
      case 'close': {
        const rec = this.record(args[0], call);
        this.flushFile(rec.key, call);
        call('close', { host: this.host, stream: rec.id });
        if (--rec.refs <= 0) this.forget(String(args[0]), rec);
        return undefined;
      }
      case 'dup':
        return this.dup(this.record(args[0], call), args[1] as string, call);
      case 'move':
        return this.move(String(args[0]), args[1] as string, (args[2] as string | undefined) ?? this.host, call);
      case 'stat': {
        const key = this.pathKeys.get(args[0] as string);
        if (key) this.flushFile(key, call);
        return call('stat', { host: this.host, path: args[0] }).value;
      }
      case 'unlink':
        call('unlink', { host: this.host, path: args[0] });
        this.pathKeys.delete(args[0] as string);
        return undefined;
      case 'mkdir':
        return void call('mkdir', { host: this.host, path: args[0] });
      case 'readdir':
        return call('readdir', { host: this.host, path: args[0] }).value.entries;
      case 'pageOut': {
        const pages = [...(args[1] as Map<number, Uint8Array>)];
        const bytes = new Uint8Array(pages.length * PAGE_SIZE);
        pages.forEach(([, b], i) => bytes.set(b.subarray(0, PAGE_SIZE), i * PAGE_SIZE));
        return void call('pageOut', { host: this.host, file: args[0], pageSize: PAGE_SIZE, pages: pages.map(([n]) => n) }, bytes);
      }
      case 'pageIn':
        return call('pageIn', { host: this.host, file: args[0], pages: args[1], pageSize: (args[2] as number | undefined) ?? PAGE_SIZE }).value;
      case 'dropPages':
        return void call('dropPages', { host: this.host, file: args[0] });
    }
    throw new WispError(ErrorCode.ENOSYS, `no file-system op ${String(op)}`);
  }

  /** The server's `cache.disable` for `file`: write its dirty blocks back, then stop caching it. */
  cacheDisable(file: number, call: ServerCall): void {
    this.disables++;
    const key = `${FS_ID}:${file}`;
    try {
      this.flushFile(key, call);
    } finally {
      this.cache.drop(key);
      this.dirtiedBy.delete(key);
    }
  }

  private open(path: string, mode: string, call: ServerCall): unknown {
    const known = this.pathKeys.get(path);
    if (known) this.flushFile(known, call);
    const seen = this.disables;
    const r = call('open', { host: this.host, path, mode }).value as { stream: number; file: number; size: number; version: number; cacheable: boolean; maxFileSize: number };
    const key = `${FS_ID}:${r.file}`;
    this.pathKeys.set(path, key);
    const handle = `${FS_ID}:${r.stream}`;
    this.streams.set(handle, { id: r.stream, key, readable: mode === 'r' || mode.endsWith('+'), writable: mode !== 'r', append: mode.startsWith('a'), local: true, offset: 0, refs: 1, maxFileSize: r.maxFileSize });
    const cacheable = this.admit(key, r.cacheable && seen === this.disables, r.version, r.size, call);
    return { stream: handle, size: cacheable ? this.cache.size(key) : r.size, version: r.version, cacheable };
  }

  private admit(key: string, cacheable: boolean, version: number, size: number, call: ServerCall): boolean {
    if (!cacheable) {
      this.flushFile(key, call);
      this.cache.drop(key);
      return false;
    }
    if (this.cache.has(key) && this.cache.hasDirty(key) && this.cache.version(key) !== version) this.flushFile(key, call);
    this.cache.open(key, version, size);
    return true;
  }

  private read(rec: StreamRec, length: number, call: ServerCall): Uint8Array {
    if (!rec.readable) throw new WispError(ErrorCode.EACCES, `stream ${rec.id} is not readable`);
    if (length === 0) return new Uint8Array(0);
    if (rec.local && this.cache.has(rec.key)) {
      const at = rec.offset;
      this.fetch(rec, this.cache.missing(rec.key, at, at + length), call);
      const out = this.cache.read(rec.key, at, at + length);
      rec.offset += out.length;
      return out;
    }
    this.flushFile(rec.key, call);
    const r = call('read', { host: this.host, stream: rec.id, length, ...(rec.local ? { at: rec.offset } : {}) });
    const bytes = r.bytes ?? new Uint8Array(0);
    if (rec.local) rec.offset = (r.value.at as number) + bytes.length;
    return bytes;
  }

  private write(rec: StreamRec, bytes: Uint8Array, call: ServerCall): number {
    if (!rec.writable) throw new WispError(ErrorCode.EACCES, `stream ${rec.id} is not writable`);
    if (bytes.length === 0) return 0;
    if (rec.local && this.cache.has(rec.key)) {
      if (this.cache.hasDirty(rec.key) && this.dirtiedBy.get(rec.key)?.pid !== this.fence?.pid) this.flushFile(rec.key, call);
      const at = rec.append ? this.cache.size(rec.key) : rec.offset;
      if (at + bytes.length > rec.maxFileSize) throw new WispError(ErrorCode.EFBIG, `write to ${at + bytes.length} bytes exceeds the ${rec.maxFileSize}-byte file size limit`);
      this.fetch(rec, this.cache.missingForWrite(rec.key, at, bytes.length), call);
      this.cache.write(rec.key, at, bytes);
      rec.offset = at + bytes.length;
      this.writers.set(rec.key, handleOf(rec));
      if (this.fence) this.dirtiedBy.set(rec.key, this.fence);
      return bytes.length;
    }
    this.flushFile(rec.key, call);
    const r = call('write', { host: this.host, stream: rec.id, ...(rec.local && !rec.append ? { at: rec.offset } : {}) }, bytes).value as { at: number; count: number; size: number; version: number };
    if (rec.local) rec.offset = r.at + r.count;
    this.cache.writeThrough(rec.key, r.at, bytes, r.version, r.size);
    return bytes.length;
  }

  private seek(rec: StreamRec, offset: number, whence: string, call: ServerCall): number {
    if (rec.local && (whence !== 'end' || this.cache.has(rec.key))) {
      const next = (whence === 'set' ? 0 : whence === 'cur' ? rec.offset : this.cache.size(rec.key)) + offset;
      if (next < 0 || !Number.isSafeInteger(next)) throw new WispError(ErrorCode.EINVAL, `seek to ${next} is out of range`);
      rec.offset = next;
      return next;
    }
    this.flushFile(rec.key, call);
    const r = call('seek', { host: this.host, stream: rec.id, offset, whence }).value as { offset: number };
    if (rec.local) rec.offset = r.offset;
    return r.offset;
  }

  private dup(rec: StreamRec, to: string, call: ServerCall): undefined {
    this.flushFile(rec.key, call);
    if (to === this.host) {
      call('dup', { host: this.host, stream: rec.id, to });
      rec.refs++;
      return undefined;
    }
    this.handOffset(rec, call);
    call('dup', { host: this.host, stream: rec.id, to });
    return undefined;
  }

  private move(handle: string, to: string, from: string, call: ServerCall): undefined {
    if (from !== this.host) {
      call('move', { host: from, stream: streamId(handle), to });
      return undefined;
    }
    const rec = this.record(handle, call);
    this.flushFile(rec.key, call);
    this.handOffset(rec, call);
    call('move', { host: this.host, stream: rec.id, to });
    if (--rec.refs <= 0) this.forget(handle, rec);
    return undefined;
  }

  /** The stream goes on at the server's offset: this host's goes there first. */
  private handOffset(rec: StreamRec, call: ServerCall): void {
    if (rec.local) call('seek', { host: this.host, stream: rec.id, offset: rec.offset, whence: 'set' });
    rec.local = false;
  }

  /** Fetches whole blocks with positional reads, one per run of adjacent blocks. */
  private fetch(rec: StreamRec, blocks: number[], call: ServerCall): void {
    const bs = this.cache.blockSize;
    for (let i = 0; i < blocks.length; ) {
      let j = i + 1;
      while (j < blocks.length && blocks[j] === blocks[j - 1]! + 1) j++;
      const first = blocks[i]!;
      const r = call('read', { host: this.host, stream: rec.id, length: (j - i) * bs, at: first * bs, fill: true });
      const bytes = r.bytes ?? new Uint8Array(0);
      for (let k = 0; k < j - i; k++) this.cache.fill(rec.key, first + k, bytes.subarray(k * bs, (k + 1) * bs));
      i = j;
    }
  }

  /** Writes the file's dirty blocks back through a writable stream of this host, with the fence of the process that wrote them. */
  private flushFile(key: string, call: ServerCall): void {
    if (!this.cache.hasDirty(key)) return;
    const w = this.writers.get(key);
    const writer = (w !== undefined ? this.streams.get(w) : undefined) ?? [...this.streams.values()].find((s) => s.key === key && s.writable);
    const fence = this.dirtiedBy.get(key);
    this.dirtiedBy.delete(key);
    if (!writer) {
      this.cache.drop(key);
      return;
    }
    let version = 0;
    try {
      for (const run of this.cache.dirtyRuns(key)) version = (call('write', { host: this.host, fence, stream: writer.id, at: run.at }, run.bytes).value as { version: number }).version;
    } catch (err) {
      // Refused as stale: that process moved on elsewhere; these blocks can never be accepted.
      if (!(err instanceof WispError && err.code === ErrorCode.ESTALE)) {
        if (fence) this.dirtiedBy.set(key, fence);
        throw err;
      }
      this.cache.drop(key);
      return;
    }
    this.cache.cleaned(key, version);
  }

  /** This host's record of a stream; one it never opened (inherited, or moved here) is looked up once (`fstat`). */
  private record(handle: unknown, call: ServerCall): StreamRec {
    const h = String(handle);
    const known = this.streams.get(h);
    if (known) return known;
    const id = streamId(h);
    if (!h.startsWith(`${FS_ID}:`) || !Number.isSafeInteger(id) || id <= 0) throw new WispError(ErrorCode.EBADF, `bad stream handle '${h}'`);
    const r = call('fstat', { host: this.host, stream: id }).value as { file: number; mode: string; offset: number; maxFileSize: number };
    const rec: StreamRec = { id, key: `${FS_ID}:${r.file}`, readable: r.mode === 'r' || r.mode.endsWith('+'), writable: r.mode !== 'r', append: r.mode.startsWith('a'), local: false, offset: r.offset, refs: 1, maxFileSize: r.maxFileSize };
    this.streams.set(h, rec);
    return rec;
  }

  private forget(handle: string, rec: StreamRec): void {
    this.streams.delete(handle);
    if (this.writers.get(rec.key) === handle) this.writers.delete(rec.key);
  }
}

function handleOf(rec: StreamRec): string {
  return `${FS_ID}:${rec.id}`;
}

function streamId(handle: string): number {
  return Number(handle.slice(handle.lastIndexOf(':') + 1));
}

import { ErrorCode, WispError, type OpenMode, type Whence } from '@wisp/protocol';
import type { FsCallOf, FsEffect } from './effects.js';
import { maxReadBytes } from './limits.js';
import { persistFile, type FileNode, type Ids } from './namespace.js';

/** An open file: its file, mode and offset, and which hosts hold references to it. */
export interface Stream {
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

/** A row of {@link Streams.table}: one open stream, for diagnostics and views. */
export interface StreamRow {
  stream: number;
  path: string | null;
  offset: number;
  mode: OpenMode;
  refs: number;
  hosts: Record<string, number>;
}

/**
 * The open streams of a file server and what goes through them: reads and writes at the
 * stream's offset (or at a position), seeks, and references gained and dropped by hosts — a
 * dup to another host, a move when a process migrates with its stream, a close. Which host
 * may cache the file is not decided here but by the file's consistency machine, which the
 * server steps after each change of references.
 */
export class Streams {
  private readonly byId = new Map<number, Stream>();

  constructor(
    private readonly ids: Ids,
    private readonly limits: { maxFileSize: number; maxReplyBytes: number },
    private readonly pathOf: (f: FileNode) => string | null,
  ) {}

  /** A new stream on `file` with one reference, held by `host`. */
  open(file: FileNode, host: string, mode: OpenMode): Stream {
    const s: Stream = {
      id: this.ids.next(),
      file,
      mode,
      readable: mode === 'r' || mode.endsWith('+'),
      writable: mode !== 'r',
      append: mode.startsWith('a'),
      offset: 0,
      refs: 1,
      hosts: new Map([[host, 1]]),
    };
    this.add(s);
    return s;
  }

  /** The stream `id` as held by `host`; `EBADF` when there is none or `host` holds no reference. */
  of(host: string, id: number): Stream {
    const s = this.byId.get(id);
    if (!s) throw new WispError(ErrorCode.EBADF, `no open stream ${id}`);
    if (!s.hosts.has(host)) throw new WispError(ErrorCode.EBADF, `stream ${id} is not open on host ${host}`);
    return s;
  }

  /** Host `host` gains one reference to `s`. */
  gain(s: Stream, host: string): void {
    s.refs++;
    s.hosts.set(host, (s.hosts.get(host) ?? 0) + 1);
  }

  /** Drops one reference `host` holds on `s`; the stream goes when none is left. */
  release(s: Stream, host: string): void {
    const n = (s.hosts.get(host) ?? 0) - 1;
    if (n > 0) s.hosts.set(host, n);
    else s.hosts.delete(host);
    s.refs--;
    if (s.refs <= 0) {
      this.byId.delete(s.id);
      s.file.streams.delete(s);
    }
  }

  /** Drops every reference `host` holds; returns how many, and the files they were on (each once, in stream order). */
  dropHost(host: string): { dropped: number; files: FileNode[] } {
    let dropped = 0;
    const files = new Set<FileNode>();
    for (const s of [...this.byId.values()]) {
      const n = s.hosts.get(host) ?? 0;
      if (n === 0) continue;
      files.add(s.file);
      for (let i = 0; i < n; i++) this.release(s, host);
      dropped += n;
    }
    return { dropped, files: [...files] };
  }

  read(c: FsCallOf<'read'>): { value: unknown; bytes: Uint8Array } {
    const s = this.of(c.host, c.stream);
    if (!s.readable && !(c.fill && c.at !== undefined)) throw new WispError(ErrorCode.EACCES, `stream ${s.id} was opened '${s.mode}' and is not readable`);
    const f = s.file;
    const at = c.at ?? s.offset;
    const n = Math.max(0, Math.min(c.length, maxReadBytes(this.limits.maxReplyBytes), f.size - at));
    if (c.at === undefined) s.offset = at + n;
    return { value: { at, size: f.size, version: f.version }, bytes: f.buf.subarray(at, at + n) };
  }

  write(c: FsCallOf<'write'>, fx: FsEffect[]): { value: unknown } {
    const s = this.of(c.host, c.stream);
    if (!s.writable) throw new WispError(ErrorCode.EACCES, `stream ${s.id} was opened '${s.mode}' and is not writable`);
    const f = s.file;
    // A positional write goes exactly to `at`, even on an append stream: a caching host holds the
    // end of file itself and sends it. Without `at`, append streams write at the end.
    const at = c.at ?? (s.append ? f.size : s.offset);
    const end = at + c.bytes.length;
    const max = this.limits.maxFileSize;
    if (end > max) throw new WispError(ErrorCode.EFBIG, `write to ${end} bytes exceeds the ${max}-byte file size limit`);
    if (c.bytes.length > 0) {
      writeBytes(f, at, c.bytes, max);
      f.version = this.ids.next();
      const path = this.pathOf(f);
      if (path !== null) fx.push(persistFile(f, path));
    }
    if (c.at === undefined) s.offset = end;
    return { value: { at, count: c.bytes.length, size: f.size, version: f.version } };
  }

  seek(host: string, id: number, offset: number, whence: Whence): number {
    const s = this.of(host, id);
    const base = whence === 'set' ? 0 : whence === 'cur' ? s.offset : s.file.size;
    const next = base + offset;
    if (next < 0 || !Number.isSafeInteger(next)) throw new WispError(ErrorCode.EINVAL, `seek to ${next} is out of range`);
    s.offset = next;
    return next;
  }

  /** Cuts a file to zero bytes (a change: new version, persisted) unless it is empty already. */
  truncate(f: FileNode): FsEffect[] {
    if (f.size === 0) return [];
    f.buf = new Uint8Array(0);
    f.size = 0;
    f.version = this.ids.next();
    const path = this.pathOf(f);
    return path === null ? [] : [persistFile(f, path)];
  }

  /** Every open stream, in the order opened. */
  all(): IterableIterator<Stream> {
    return this.byId.values();
  }

  /** Registers a stream (a new one, or a copy's) with the table and its file. */
  add(s: Stream): void {
    this.byId.set(s.id, s);
    s.file.streams.add(s);
  }

  /** Open streams, for diagnostics: id, path, offset, mode, refs, hosts. */
  table(): StreamRow[] {
    return [...this.byId.values()].map((s) => ({ stream: s.id, path: this.pathOf(s.file), offset: s.offset, mode: s.mode, refs: s.refs, hosts: Object.fromEntries(s.hosts) }));
  }
}

/** Writes `bytes` at `at`, keeping `buf[0, size)` unchanged in place (see {@link FileNode.buf}). */
function writeBytes(f: FileNode, at: number, bytes: Uint8Array, maxFileSize: number): void {
  const end = at + bytes.length;
  if (at >= f.size && end <= f.buf.length) {
    f.buf.set(bytes, at);
  } else {
    // Doubling keeps a run of appends linear; bounded by the size limit.
    const cap = end <= f.buf.length ? f.buf.length : Math.max(end, Math.min(f.buf.length * 2, maxFileSize));
    const next = new Uint8Array(cap);
    next.set(f.buf.subarray(0, f.size));
    next.set(bytes, at);
    f.buf = next;
  }
  f.size = Math.max(f.size, end);
}

import { ErrorCode, WispError, isFsId, type FsFence, type OpenMode } from '@wisp/protocol';
import type { FsRequests } from './clientRequests.js';
import type { StreamHandle } from './clientTypes.js';

/** What this host knows of a stream. */
export interface StreamRec {
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

/** What an open mode allows. */
function modeRights(mode: OpenMode): Pick<StreamRec, 'readable' | 'writable' | 'append'> {
  return { readable: mode === 'r' || mode.endsWith('+'), writable: mode !== 'r', append: mode.startsWith('a') };
}

/**
 * The streams this host holds, by handle. A stream opened here holds its offset locally; one
 * inherited from another host (never opened here) is looked up once with `fstat` and uses the
 * server's offset.
 */
export class StreamTable {
  private readonly recs = new Map<StreamHandle, StreamRec>();

  constructor(
    private readonly requests: FsRequests,
    private readonly host: string,
  ) {}

  /** Records a stream this host just opened (`<server>:<stream>`), one reference, its offset held here. */
  opened(server: string, stream: number, file: number, mode: OpenMode, maxFileSize: number): StreamRec {
    const handle = `${server}:${stream}`;
    const rec: StreamRec = { handle, server, id: stream, key: `${server}:${file}`, ...modeRights(mode), local: true, offset: 0, refs: 1, maxFileSize };
    this.recs.set(handle, rec);
    return rec;
  }

  /** This host's record of a stream; a stream inherited from another host is looked up once (`fstat`, with the caller's fence). */
  async record(handle: StreamHandle, fence: FsFence | undefined): Promise<StreamRec> {
    const rec = this.recs.get(handle);
    if (rec) return rec;
    const i = handle.lastIndexOf(':');
    const server = handle.slice(0, i);
    const id = Number(handle.slice(i + 1));
    if (i <= 0 || !isFsId(server) || !Number.isSafeInteger(id) || id <= 0) throw new WispError(ErrorCode.EBADF, `bad stream handle '${handle}'`);
    const r = await this.requests.call(server, 'fstat', { host: this.host, fence, stream: id });
    const made: StreamRec = { handle, server, id, key: `${server}:${r.file}`, ...modeRights(r.mode), local: false, offset: r.offset, refs: 1, maxFileSize: r.maxFileSize };
    return this.recs.get(handle) ?? (this.recs.set(handle, made), made);
  }

  /** Drops one reference; true when it was the last (the stream is forgotten here). */
  unref(rec: StreamRec): boolean {
    if (--rec.refs > 0) return false;
    this.recs.delete(rec.handle);
    return true;
  }

  /** A writable stream of the file `key` held here, if any. */
  writerOf(key: string): StreamRec | undefined {
    for (const s of this.recs.values()) if (s.key === key && s.writable) return s;
    return undefined;
  }
}

import { ErrorCode } from '@wisp/protocol';
import type { SimFs } from './simCluster.js';

/** A stream of the fake file system: one offset, shared by every reference (`refs`). */
export interface MemStream {
  path: string;
  offset: number;
  refs: number;
}

/**
 * A fake file-system client: files as bytes, streams as `fs1:<n>` with an offset and a
 * reference count (`dup` adds one, `close` drops one; the stream goes at 0). A dup of a stream
 * in `opts.failDup` fails with `EIO`, and so does the n-th `move` (1-based) for n in
 * `opts.failMoves`; `opts.files` seeds files with text.
 */
export function memFs(opts: { failDup?: string[]; failMoves?: number[]; files?: Record<string, string> } = {}): { fs: SimFs; files: Map<string, Uint8Array>; streams: Map<string, MemStream>; backing: Map<string, Map<number, Uint8Array>> } {
  const files = new Map<string, Uint8Array>(Object.entries(opts.files ?? {}).map(([p, t]) => [p, new TextEncoder().encode(t)]));
  const streams = new Map<string, MemStream>();
  /** Backing files: path → page number → bytes. */
  const backing = new Map<string, Map<number, Uint8Array>>();
  let seq = 0;
  let moves = 0;
  const fail = (code: string, message: string) => Object.assign(new Error(message), { code });
  const streamOf = (h: unknown) => {
    const s = streams.get(h as string);
    if (!s) throw fail(ErrorCode.EBADF, `no stream ${String(h)}`);
    return s;
  };
  const fs: SimFs = (_host, op, args) => {
    switch (op) {
      case 'open': {
        const [path, mode] = args as [string, string];
        if (!files.has(path) || mode.startsWith('w')) {
          if (mode === 'r' || mode === 'r+') throw fail(ErrorCode.ENOENT, `no such file: ${path}`);
          files.set(path, new Uint8Array());
        }
        const stream = `fs1:${++seq}`;
        streams.set(stream, { path, offset: 0, refs: 1 });
        return { stream, size: files.get(path)!.length, version: 1, cacheable: true };
      }
      case 'read': {
        const s = streamOf(args[0]);
        const data = files.get(s.path)!;
        const out = data.slice(s.offset, s.offset + (args[1] as number));
        s.offset += out.length;
        return out;
      }
      case 'write': {
        const s = streamOf(args[0]);
        const bytes = args[1] as Uint8Array;
        const old = files.get(s.path)!;
        const next = new Uint8Array(Math.max(old.length, s.offset + bytes.length));
        next.set(old);
        next.set(bytes, s.offset);
        files.set(s.path, next);
        s.offset += bytes.length;
        return bytes.length;
      }
      case 'seek': {
        const s = streamOf(args[0]);
        const [, offset, whence] = args as [string, number, string];
        const base = whence === 'set' ? 0 : whence === 'cur' ? s.offset : files.get(s.path)!.length;
        s.offset = base + offset;
        return s.offset;
      }
      case 'close': {
        const s = streamOf(args[0]);
        if (--s.refs === 0) streams.delete(args[0] as string);
        return undefined;
      }
      case 'dup': {
        const s = streamOf(args[0]);
        if (opts.failDup?.includes(args[0] as string)) throw fail(ErrorCode.EIO, `dup of ${String(args[0])} failed`);
        s.refs++;
        return undefined;
      }
      case 'move':
        // The stream keeps its offset and references; only which host holds one changes.
        streamOf(args[0]);
        if (opts.failMoves?.includes(++moves)) throw fail(ErrorCode.EIO, `move ${moves} of ${String(args[0])} failed`);
        return undefined;
      case 'pageOut': {
        const [file, pages] = args as [string, Map<number, Uint8Array>];
        let f = backing.get(file);
        if (!f) backing.set(file, (f = new Map()));
        for (const [n, b] of pages) f.set(n, b.slice());
        return undefined;
      }
      case 'pageIn': {
        const [file, pageNos] = args as [string, number[]];
        const f = backing.get(file);
        const out = new Map<number, Uint8Array>();
        for (const n of pageNos) {
          const b = f?.get(n);
          if (b) out.set(n, b.slice());
        }
        return out;
      }
      case 'dropPages':
        backing.delete(args[0] as string);
        return undefined;
      case 'stat': {
        const f = files.get(args[0] as string);
        if (!f) throw fail(ErrorCode.ENOENT, `no such file: ${String(args[0])}`);
        return { type: 'file', size: f.length, version: 1 };
      }
      default:
        throw fail(ErrorCode.ENOSYS, op);
    }
  };
  return { fs, files, streams, backing };
}

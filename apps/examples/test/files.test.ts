import { describe, expect, test } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { SimCluster, type SimFs } from '../../../packages/kernel/test/simCluster.js';
import { USAGE_EXIT_CODE, WC_CHUNK, exampleRegistry } from '../src/index.js';

/** An in-memory file system for the sim: files as bytes, open streams with an offset. */
function memFs(initial: Record<string, string> = {}): { fs: SimFs; files: Map<string, Uint8Array>; streams: Map<string, { path: string; offset: number }> } {
  const files = new Map<string, Uint8Array>(Object.entries(initial).map(([p, t]) => [p, new TextEncoder().encode(t)]));
  const streams = new Map<string, { path: string; offset: number }>();
  let seq = 0;
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
          if (mode.startsWith('r')) throw fail(ErrorCode.ENOENT, `no such file: ${path}`);
          files.set(path, new Uint8Array());
        }
        const stream = `fs1:${++seq}`;
        streams.set(stream, { path, offset: 0 });
        return { stream, size: files.get(path)!.length, version: 1, cacheable: true };
      }
      case 'read': {
        const s = streamOf(args[0]);
        const out = files.get(s.path)!.slice(s.offset, s.offset + (args[1] as number));
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
      case 'close':
        streamOf(args[0]);
        streams.delete(args[0] as string);
        return undefined;
      default:
        throw fail(ErrorCode.ENOSYS, op);
    }
  };
  return { fs, files, streams };
}

function sim(fs: SimFs): SimCluster {
  return new SimCluster({ hosts: ['h1'], registry: exampleRegistry(), fs });
}

describe('file examples', () => {
  test('wc counts lines, words and bytes over several chunks, a word spanning a chunk boundary', () => {
    // 'abcdef' straddles the first chunk boundary ('ab' | 'cdef'); the file takes three reads of data.
    const head = 'x '.repeat(WC_CHUNK / 2 - 1) + 'a';
    const text = `${head}bcdef\nsecond line here\n${'word\n'.repeat(20000)}tail`;
    expect(text.slice(WC_CHUNK - 2, WC_CHUNK + 2)).toBe('abcd');
    const bytes = new TextEncoder().encode(text).length;
    expect(bytes).toBeGreaterThan(WC_CHUNK * 2);
    const m = memFs({ '/data.txt': text });
    const s = sim(m.fs);
    const p = s.spawn('h1', 'wc', ['/data.txt']);
    s.settle();
    const words = WC_CHUNK / 2 - 1 + 1 + 3 + 20000 + 1;
    expect(s.output(p.tty)).toBe(`20002 ${words} ${bytes} /data.txt\n`);
    expect(s.output(p.tty, 2)).toBe('');
    expect(s.exitCode(p.tty)).toBe(0);
    const reads = s.fsOps.filter((o) => o.op === 'read');
    expect(reads.length).toBe(Math.ceil(bytes / WC_CHUNK) + 1); // the last read is EOF
    expect(reads.every((o) => o.args[1] === WC_CHUNK)).toBe(true);
    expect(s.fsOps.at(-1)!.op).toBe('close');
    expect(m.streams.size).toBe(0);
  });

  test('wc counts an empty file and multi-byte text', () => {
    const m = memFs({ '/empty': '', '/u': 'héllo wörld\n' });
    const s = sim(m.fs);
    const e = s.spawn('h1', 'wc', ['/empty']);
    const u = s.spawn('h1', 'wc', ['/u']);
    s.settle();
    expect(s.output(e.tty)).toBe('0 0 0 /empty\n');
    expect(s.output(u.tty)).toBe('1 2 14 /u\n');
  });

  test('wc on a missing file reports it on stderr and exits 1; no path is a usage error', () => {
    const m = memFs();
    const s = sim(m.fs);
    const p = s.spawn('h1', 'wc', ['/nope']);
    s.settle();
    expect(s.output(p.tty)).toBe('');
    expect(s.output(p.tty, 2)).toBe('wc: /nope: ENOENT no such file: /nope\n');
    expect(s.exitCode(p.tty)).toBe(1);

    const q = s.spawn('h1', 'wc');
    s.settle();
    expect(s.output(q.tty, 2)).toBe('usage: wc <path>\n');
    expect(s.exitCode(q.tty)).toBe(USAGE_EXIT_CODE);
  });

  test('tee writes its text to the file and stdout, truncating the file', () => {
    const m = memFs({ '/out.txt': 'old contents that are longer\n' });
    const s = sim(m.fs);
    const p = s.spawn('h1', 'tee', ['/out.txt', 'hello', 'wörld']);
    s.settle();
    expect(s.output(p.tty)).toBe('hello wörld\n');
    expect(s.exitCode(p.tty)).toBe(0);
    expect(new TextDecoder().decode(m.files.get('/out.txt'))).toBe('hello wörld\n');
    expect(m.streams.size).toBe(0);

    // No text: stdin is at EOF, so the file is created empty.
    const q = s.spawn('h1', 'tee', ['/new.txt']);
    s.settle();
    expect(s.output(q.tty)).toBe('');
    expect(s.exitCode(q.tty)).toBe(0);
    expect(m.files.get('/new.txt')).toEqual(new Uint8Array());

    // wc reads back what tee wrote.
    const w = s.spawn('h1', 'wc', ['/out.txt']);
    s.settle();
    expect(s.output(w.tty)).toBe('1 2 13 /out.txt\n');
  });

  test('tee reports a file error on stderr and exits 1', () => {
    const s = sim(() => {
      throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    });
    const p = s.spawn('h1', 'tee', ['/ro', 'x']);
    s.settle();
    expect(s.output(p.tty)).toBe('');
    expect(s.output(p.tty, 2)).toBe('tee: /ro: EROFS read-only file system\n');
    expect(s.exitCode(p.tty)).toBe(1);
  });
});

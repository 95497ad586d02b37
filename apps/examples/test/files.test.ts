import { describe, expect, test } from 'vitest';
import { memFs } from '../../../packages/kernel/test/memFs.js';
import { SimCluster, type SimFs } from '../../../packages/kernel/test/simCluster.js';
import { USAGE_EXIT_CODE, WC_CHUNK, exampleRegistry } from '../src/index.js';

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
    const m = memFs({ files: { '/data.txt': text } });
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
    const m = memFs({ files: { '/empty': '', '/u': 'héllo wörld\n' } });
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
    const m = memFs({ files: { '/out.txt': 'old contents that are longer\n' } });
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

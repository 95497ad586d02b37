import { describe, expect, it } from 'vitest';
import { FileServer, type PersistOp } from '../src/index.js';
import { Harness, bytes, text } from './helpers.js';

describe('FileServer: files and streams', () => {
  it('opens with each mode as fopen does', () => {
    const h = new Harness();
    expect(h.fail('h1', 'open', { path: '/f', mode: 'r' })).toBe('ENOENT');
    expect(h.fail('h1', 'open', { path: '/f', mode: 'r+' })).toBe('ENOENT');

    const w = h.ok('h1', 'open', { path: '/f', mode: 'w' });
    expect(w).toMatchObject({ size: 0, cacheable: true });
    h.write('h1', w.stream, 'hello world');
    expect(h.fail('h1', 'read', { stream: w.stream, length: 5 })).toBe('EACCES');
    // A caching host may fetch a block it must partly overwrite, through a write-only stream.
    expect(h.fail('h1', 'read', { stream: w.stream, length: 5, fill: true })).toBe('EACCES');
    expect(h.ok('h1', 'read', { stream: w.stream, length: 5, at: 0, fill: true }).bytes!.length).toBe(5);

    const r = h.ok('h1', 'open', { path: '/f', mode: 'r' });
    expect(r.size).toBe(11);
    expect(h.read('h1', r.stream, 5)).toBe('hello');
    expect(h.fail('h1', 'write', { stream: r.stream }, bytes('x'))).toBe('EACCES');

    const a = h.ok('h1', 'open', { path: '/f', mode: 'a' });
    h.ok('h1', 'seek', { stream: a.stream, offset: 0, whence: 'set' });
    const wr = h.write('h1', a.stream, '!');
    expect(wr.at).toBe(11);
    expect(h.read('h1', r.stream, 100)).toBe(' world!');

    const rp = h.ok('h1', 'open', { path: '/f', mode: 'r+' });
    h.write('h1', rp.stream, 'J');
    expect(h.read('h1', rp.stream, 4)).toBe('ello');

    const wp = h.ok('h1', 'open', { path: '/f', mode: 'w+' });
    expect(wp.size).toBe(0);
    h.write('h1', wp.stream, 'new');
    h.ok('h1', 'seek', { stream: wp.stream, offset: 0, whence: 'set' });
    expect(h.read('h1', wp.stream, 10)).toBe('new');

    expect(h.fail('h1', 'open', { path: '/f', mode: 'w', create: true, excl: true })).toBe('EEXIST');
    expect(h.fail('h1', 'open', { path: '/f', mode: 'r', truncate: true })).toBe('EINVAL');
    expect(h.fail('h1', 'open', { path: '/', mode: 'r' })).toBe('EISDIR');
    expect(h.fail('h1', 'open', { path: '/nodir/f', mode: 'w' })).toBe('ENOENT');
    expect(h.fail('h1', 'open', { path: '/f/g', mode: 'w' })).toBe('ENOTDIR');
    h.ok('h1', 'mkdir', { path: '/d' });
    expect(h.fail('h1', 'open', { path: '/d', mode: 'r' })).toBe('EISDIR');
  });

  it('reads past the end return empty; seeks from set, cur and end', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    h.write('h1', s, '0123456789');
    expect(h.read('h1', s, 4)).toBe('');
    expect(h.ok('h1', 'seek', { stream: s, offset: 2, whence: 'set' }).offset).toBe(2);
    expect(h.ok('h1', 'seek', { stream: s, offset: 3, whence: 'cur' }).offset).toBe(5);
    expect(h.read('h1', s, 2)).toBe('56');
    expect(h.ok('h1', 'seek', { stream: s, offset: -3, whence: 'end' }).offset).toBe(7);
    expect(h.read('h1', s, 100)).toBe('789');
    expect(h.read('h1', s, 100)).toBe('');
    expect(h.ok('h1', 'seek', { stream: s, offset: 100, whence: 'set' }).offset).toBe(100);
    expect(h.read('h1', s, 1)).toBe('');
    expect(h.fail('h1', 'seek', { stream: s, offset: -1, whence: 'set' })).toBe('EINVAL');
    // A write past the end leaves a hole of zeros.
    h.ok('h1', 'seek', { stream: s, offset: 12, whence: 'set' });
    h.write('h1', s, 'x');
    expect([...h.ok('h1', 'read', { stream: s, length: 100, at: 9 }).bytes!]).toEqual([57, 0, 0, 120]);
  });

  it('positional reads and writes leave the server offset alone', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    h.write('h1', s, 'abcdef');
    h.ok('h1', 'seek', { stream: s, offset: 1, whence: 'set' });
    expect(h.read('h1', s, 2, 3)).toBe('de');
    expect(h.write('h1', s, 'XY', 4)).toMatchObject({ at: 4, count: 2, size: 6 });
    expect(h.read('h1', s, 2)).toBe('bc');
    expect(h.ok('h1', 'fstat', { stream: s })).toMatchObject({ path: '/f', offset: 3, size: 6, mode: 'w+' });
    // An append stream writes at the end without `at`, exactly at `at` with it.
    const a = h.ok('h1', 'open', { path: '/f', mode: 'a' }).stream;
    expect(h.write('h1', a, '!').at).toBe(6);
    expect(h.write('h1', a, '?', 0).at).toBe(0);
    expect(h.read('h1', s, 10, 0)).toBe('?bcdXY!');
  });

  it('bad streams are EBADF, also after close and from a host that does not hold them', () => {
    const h = new Harness();
    expect(h.fail('h1', 'read', { stream: 42, length: 1 })).toBe('EBADF');
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w' }).stream;
    expect(h.fail('h2', 'write', { stream: s }, bytes('x'))).toBe('EBADF');
    expect(h.fail('h2', 'close', { stream: s })).toBe('EBADF');
    h.ok('h1', 'close', { stream: s });
    expect(h.fail('h1', 'write', { stream: s }, bytes('x'))).toBe('EBADF');
    expect(h.fail('h1', 'seek', { stream: s, offset: 0, whence: 'set' })).toBe('EBADF');
    expect(h.fail('h1', 'close', { stream: s })).toBe('EBADF');
  });

  it('dup shares one offset across hosts and counts references', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    h.write('h1', s, 'abcdefgh');
    h.ok('h1', 'seek', { stream: s, offset: 0, whence: 'set' });
    h.okAcked('h1', 'dup', { stream: s, to: 'h2' });
    expect(h.read('h1', s, 2)).toBe('ab');
    expect(h.read('h2', s, 2)).toBe('cd');
    expect(h.read('h1', s, 2)).toBe('ef');
    // A dup may carry the offset a host held locally.
    h.ok('h2', 'dup', { stream: s, to: 'h3', offset: 1 });
    expect(h.read('h3', s, 1)).toBe('b');
    expect(h.server.streamTable()).toEqual([{ stream: s, path: '/f', offset: 2, mode: 'w+', refs: 3, hosts: { h1: 1, h2: 1, h3: 1 } }]);
    h.ok('h1', 'close', { stream: s });
    expect(h.fail('h1', 'read', { stream: s, length: 1 })).toBe('EBADF');
    expect(h.read('h2', s, 1)).toBe('c');
    h.ok('h2', 'close', { stream: s });
    h.ok('h3', 'close', { stream: s });
    expect(h.server.streamTable()).toEqual([]);
  });

  it('refuses bad names with EINVAL or ENAMETOOLONG', () => {
    const h = new Harness();
    expect(h.fail('h1', 'open', { path: '/a/../b', mode: 'w' })).toBe('EINVAL');
    expect(h.fail('h1', 'open', { path: '/a\u0000b', mode: 'w' })).toBe('EINVAL');
    expect(h.fail('h1', 'open', { path: 'relative', mode: 'w' })).toBe('EINVAL');
    expect(h.fail('h1', 'mkdir', { path: '/a//b' })).toBe('EINVAL');
    expect(h.fail('h1', 'stat', { path: '/..' })).toBe('EINVAL');
    expect(h.fail('h1', 'open', { path: `/${'n'.repeat(256)}`, mode: 'w' })).toBe('ENAMETOOLONG');
    expect(h.fail('h1', 'pageOut', { file: '/../swap', pageSize: 4096, pages: [] }, new Uint8Array(0))).toBe('EINVAL');
  });

  it('refuses writes past the size limit with EFBIG', () => {
    const h = new Harness({ maxFileSize: 10 });
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w' }).stream;
    h.write('h1', s, '0123456789');
    expect(h.fail('h1', 'write', { stream: s }, bytes('x'))).toBe('EFBIG');
    expect(h.fail('h1', 'write', { stream: s, at: 5 }, bytes('abcdef'))).toBe('EFBIG');
    expect(h.ok('h1', 'stat', { path: '/f' }).size).toBe(10);
  });

  it('bumps the version on every change, from one counter that never repeats', () => {
    const h = new Harness({ idFloor: 1000 });
    const a = h.ok('h1', 'open', { path: '/a', mode: 'w+' });
    expect(a.version).toBeGreaterThan(1000);
    const v1 = h.write('h1', a.stream, 'x').version;
    const v2 = h.write('h1', a.stream, 'y').version;
    expect(v1).toBeGreaterThan(a.version);
    expect(v2).toBeGreaterThan(v1);
    h.read('h1', a.stream, 1, 0);
    h.ok('h1', 'seek', { stream: a.stream, offset: 0, whence: 'set' });
    expect(h.ok('h1', 'stat', { path: '/a' }).version).toBe(v2);
    // Truncating at open is a change too; an empty write is not.
    const t = h.ok('h1', 'open', { path: '/a', mode: 'w' });
    expect(t.version).toBeGreaterThan(v2);
    expect(h.ok('h1', 'write', { stream: t.stream }, new Uint8Array(0)).version).toBe(t.version);
    const b = h.ok('h1', 'open', { path: '/b', mode: 'w' });
    expect(b.version).not.toBe(t.version);
    expect(b.file).not.toBe(a.file);
  });

  it('emits persist effects whose data later writes do not change', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w' }).stream;
    h.write('h1', s, 'abc');
    h.write('h1', s, 'def');
    h.write('h1', s, 'X', 0);
    const files = h.persisted.filter((p): p is Extract<PersistOp, { op: 'writeFile' }> => p.op === 'writeFile');
    expect(files.map((f) => text(f.file.data))).toEqual(['', 'abc', 'abcdef', 'XbcdefX'.slice(0, 6)]);
    expect(new Set(files.map((f) => f.file.version)).size).toBe(4);
  });

  it('hostDown drops a host’s references', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w' }).stream;
    h.okAcked('h1', 'dup', { stream: s, to: 'h2' });
    h.ok('h1', 'open', { path: '/g', mode: 'w' });
    h.absorb(h.server.handle({ type: 'hostDown', host: 'h1' }));
    expect(h.server.streamTable()).toEqual([{ stream: s, path: '/f', offset: 0, mode: 'w', refs: 1, hosts: { h2: 1 } }]);
  });

  it('loads an image: files, dirs, versions; new ids are above every loaded version', () => {
    const files = new Map([['/d/f', { data: bytes('hi'), version: 77 }]]);
    const h = new Harness({ image: { dirs: ['/', '/d', '/e/x'], files } });
    expect(h.ok('h1', 'readdir', { path: '/' }).entries).toEqual([
      { name: 'd', type: 'dir' },
      { name: 'e', type: 'dir' },
    ]);
    const r = h.ok('h1', 'open', { path: '/d/f', mode: 'r' });
    expect(r).toMatchObject({ size: 2, version: 77 });
    expect(r.stream).toBeGreaterThan(77);
    expect(h.read('h1', r.stream, 10)).toBe('hi');
  });
});

describe('FileServer: namespace', () => {
  it('stat, mkdir, rmdir, readdir and their errors', () => {
    const h = new Harness();
    expect(h.ok('h1', 'stat', { path: '/' })).toEqual({ type: 'dir', size: 0, version: 0 });
    expect(h.fail('h1', 'stat', { path: '/nope' })).toBe('ENOENT');
    h.ok('h1', 'mkdir', { path: '/a' });
    expect(h.fail('h1', 'mkdir', { path: '/a' })).toBe('EEXIST');
    expect(h.fail('h1', 'mkdir', { path: '/x/y' })).toBe('ENOENT');
    h.ok('h1', 'mkdir', { path: '/x/y/z', parents: true });
    h.ok('h1', 'mkdir', { path: '/x/y', parents: true });
    const s = h.ok('h1', 'open', { path: '/a/f', mode: 'w' }).stream;
    h.write('h1', s, 'abc');
    expect(h.ok('h1', 'stat', { path: '/a/f' })).toMatchObject({ type: 'file', size: 3 });
    expect(h.ok('h1', 'readdir', { path: '/' }).entries.map((e) => e.name)).toEqual(['a', 'x']);
    expect(h.ok('h1', 'readdir', { path: '/a' }).entries).toEqual([{ name: 'f', type: 'file' }]);
    expect(h.fail('h1', 'readdir', { path: '/a/f' })).toBe('ENOTDIR');
    expect(h.fail('h1', 'readdir', { path: '/q' })).toBe('ENOENT');
    expect(h.fail('h1', 'mkdir', { path: '/a/f/g', parents: true })).toBe('ENOTDIR');
    expect(h.fail('h1', 'rmdir', { path: '/a' })).toBe('ENOTEMPTY');
    expect(h.fail('h1', 'rmdir', { path: '/a/f' })).toBe('ENOTDIR');
    expect(h.fail('h1', 'rmdir', { path: '/' })).toBe('EINVAL');
    expect(h.fail('h1', 'rmdir', { path: '/q' })).toBe('ENOENT');
    h.ok('h1', 'rmdir', { path: '/x/y/z' });
    expect(h.ok('h1', 'readdir', { path: '/x/y' }).entries).toEqual([]);
    expect(h.persisted.filter((p) => p.op === 'mkdir' || p.op === 'rmdir')).toEqual([
      { op: 'mkdir', path: '/a' },
      { op: 'mkdir', path: '/x' },
      { op: 'mkdir', path: '/x/y' },
      { op: 'mkdir', path: '/x/y/z' },
      { op: 'rmdir', path: '/x/y/z' },
    ]);
  });

  it('unlink removes the name; open streams keep the file', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    h.write('h1', s, 'still here');
    h.ok('h1', 'unlink', { path: '/f' });
    expect(h.fail('h1', 'stat', { path: '/f' })).toBe('ENOENT');
    expect(h.fail('h1', 'unlink', { path: '/f' })).toBe('ENOENT');
    expect(h.read('h1', s, 100, 0)).toBe('still here');
    const before = h.persisted.length;
    h.write('h1', s, '!');
    expect(h.persisted.length).toBe(before);
    expect(h.ok('h1', 'fstat', { stream: s }).path).toBeNull();
    h.ok('h1', 'mkdir', { path: '/d' });
    expect(h.fail('h1', 'unlink', { path: '/d' })).toBe('EISDIR');
  });

  it('rename moves files and directories, replaces like POSIX, and persists new before old', () => {
    const h = new Harness();
    h.ok('h1', 'mkdir', { path: '/d/e', parents: true });
    const s = h.ok('h1', 'open', { path: '/d/e/f', mode: 'w' }).stream;
    h.write('h1', s, 'data');
    h.ok('h1', 'open', { path: '/g', mode: 'w' });
    h.ok('h1', 'mkdir', { path: '/empty' });
    h.ok('h1', 'mkdir', { path: '/full/x', parents: true });

    expect(h.fail('h1', 'rename', { from: '/nope', to: '/x' })).toBe('ENOENT');
    expect(h.fail('h1', 'rename', { from: '/d', to: '/d/e/inside' })).toBe('EINVAL');
    expect(h.fail('h1', 'rename', { from: '/g', to: '/empty' })).toBe('EISDIR');
    expect(h.fail('h1', 'rename', { from: '/d', to: '/g' })).toBe('ENOTDIR');
    expect(h.fail('h1', 'rename', { from: '/d', to: '/full' })).toBe('ENOTEMPTY');
    expect(h.fail('h1', 'rename', { from: '/g', to: '/nodir/g' })).toBe('ENOENT');
    expect(h.fail('h1', 'rename', { from: '/', to: '/r' })).toBe('EINVAL');

    h.persisted.length = 0;
    h.ok('h1', 'rename', { from: '/d', to: '/empty' });
    expect(h.persisted.map((p) => `${p.op} ${'path' in p ? p.path : ''}`)).toEqual([
      'rmdir /empty',
      'mkdir /empty',
      'mkdir /empty/e',
      'writeFile /empty/e/f',
      'removeFile /d/e/f',
      'rmdir /d/e',
      'rmdir /d',
    ]);
    expect(h.ok('h1', 'fstat', { stream: s }).path).toBe('/empty/e/f');
    expect(h.ok('h1', 'stat', { path: '/empty/e/f' }).size).toBe(4);
    // A file replaces a file; the replaced one lives on for its streams.
    const g = h.ok('h1', 'open', { path: '/g', mode: 'r' }).stream;
    h.ok('h1', 'rename', { from: '/empty/e/f', to: '/g' });
    expect(h.ok('h1', 'fstat', { stream: g }).path).toBeNull();
    expect(h.ok('h1', 'stat', { path: '/g' }).size).toBe(4);
    h.ok('h1', 'rename', { from: '/g', to: '/g' });
  });
});

describe('FileServer: caching state', () => {
  it('write-sharing calls back the caching hosts and holds the open until they answer', () => {
    const h = new Harness();
    const w = h.ok('h1', 'open', { path: '/f', mode: 'w' });
    expect(w.cacheable).toBe(true);
    // h1 writes back what it had cached.
    const toH2 = h.send('h2', 'open', { path: '/f', mode: 'r' });
    expect(h.reply(toH2)).toBeUndefined();
    expect(h.callbacks).toEqual([{ type: 'callback', token: expect.any(Number), host: 'h1', verb: 'cache.disable', path: '/f', file: w.file, streams: [w.stream] }]);
    expect(h.server.cachingState('/f')).toMatchObject({ hosts: ['h1', 'h2'], writers: ['h1'], writeShared: true, cachingHosts: [], pendingCallbacks: 1 });

    // The flush arrives before the ack; the held reply carries its size and version.
    const flushed = h.write('h1', w.stream, 'dirty data');
    // Another open meanwhile waits too, without a second callback.
    const toH3 = h.send('h3', 'open', { path: '/f', mode: 'r' });
    expect(h.reply(toH3)).toBeUndefined();
    expect(h.callbacks).toHaveLength(1);
    h.ack(h.callbacks[0]!.token);
    const r2 = h.reply(toH2)!;
    expect(r2).toMatchObject({ ok: true, value: { cacheable: false, size: 10, version: flushed.version } });
    expect(h.reply(toH3)).toMatchObject({ ok: true, value: { cacheable: false } });

    // h1 opening again while shared: not cacheable, no callback to itself.
    const again = h.ok('h1', 'open', { path: '/f', mode: 'r' });
    expect(again.cacheable).toBe(false);
    expect(h.callbacks).toHaveLength(1);

    // Sharing ends when h2 and h3 close; caching is allowed again at the next open.
    h.ok('h2', 'close', { stream: (r2.ok && (r2.value as { stream: number }).stream) as number });
    const r3 = h.server.streamTable().find((s) => s.hosts['h3'])!.stream;
    h.ok('h3', 'close', { stream: r3 });
    expect(h.server.cachingState('/f')).toMatchObject({ hosts: ['h1'], writeShared: false, cachingHosts: [] });
    expect(h.ok('h1', 'open', { path: '/f', mode: 'r+' }).cacheable).toBe(true);
    expect(h.server.cachingState('/f')!.cachingHosts).toEqual(['h1']);
  });

  it('readers share caching; the first writer on another host calls them all back', () => {
    const h = new Harness();
    h.ok('h0', 'open', { path: '/f', mode: 'w' });
    h.ok('h0', 'close', { stream: h.server.streamTable()[0]!.stream });
    expect(h.ok('h1', 'open', { path: '/f', mode: 'r' }).cacheable).toBe(true);
    expect(h.ok('h2', 'open', { path: '/f', mode: 'r' }).cacheable).toBe(true);
    expect(h.callbacks).toHaveLength(0);
    const to = h.send('h3', 'open', { path: '/f', mode: 'a' });
    expect(h.callbacks.map((c) => c.host).sort()).toEqual(['h1', 'h2']);
    h.ack(h.callbacks[0]!.token);
    expect(h.reply(to)).toBeUndefined();
    // A host that does not answer is taken as gone: the open goes on, with a log line.
    h.ack(h.callbacks[1]!.token, false);
    expect(h.reply(to)).toMatchObject({ ok: true, value: { cacheable: false } });
    expect(h.logs.some((l) => l.level === 'warn' && l.msg.includes('cache.disable'))).toBe(true);
  });

  it('a reader that becomes a writer on the same host is told not to cache, with no self-callback', () => {
    const h = new Harness();
    h.ok('h0', 'open', { path: '/f', mode: 'w' });
    h.ok('h0', 'close', { stream: h.server.streamTable()[0]!.stream });
    h.ok('h1', 'open', { path: '/f', mode: 'r' });
    h.ok('h2', 'open', { path: '/f', mode: 'r' });
    const to = h.send('h1', 'open', { path: '/f', mode: 'w' });
    expect(h.callbacks.map((c) => c.host)).toEqual(['h2']);
    h.ack(h.callbacks[0]!.token);
    expect(h.reply(to)).toMatchObject({ ok: true, value: { cacheable: false } });
  });

  it('a truncating open cuts the file after the called-back hosts flushed, not before', () => {
    const h = new Harness();
    const w = h.ok('h1', 'open', { path: '/f', mode: 'w' });
    const to = h.send('h2', 'open', { path: '/f', mode: 'w' });
    expect(h.ok('h2', 'stat', { path: '/f' }).size).toBe(0);
    h.write('h1', w.stream, 'written before the open');
    h.ack(h.callbacks[0]!.token);
    expect(h.reply(to)).toMatchObject({ ok: true, value: { size: 0, cacheable: false } });
    expect(h.ok('h2', 'stat', { path: '/f' }).size).toBe(0);
    const last = h.persisted.at(-1)!;
    expect(last.op === 'writeFile' && last.file.data.length).toBe(0);
  });

  it('dup to another host is an open there: it can make a file write-shared', () => {
    const h = new Harness();
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w' }).stream;
    const to = h.send('h1', 'dup', { stream: s, to: 'h2', offset: 0 });
    expect(h.callbacks.map((c) => c.host)).toEqual(['h1']);
    expect(h.reply(to)).toBeUndefined();
    h.ack(h.callbacks[0]!.token);
    expect(h.reply(to)).toMatchObject({ ok: true, value: { cacheable: false } });
  });
});

describe('FileServer: backing files', () => {
  it('pageOut hands pages to storage; pageIn asks storage', () => {
    const h = new Harness();
    const data = new Uint8Array(3 * 512).map((_, i) => Math.floor(i / 512) + 1);
    expect(h.ok('h1', 'pageOut', { file: '/swap/h1-1', pageSize: 512, pages: [7, 3, 9] }, data).count).toBe(3);
    const op = h.persisted.at(-1)!;
    expect(op.op).toBe('writePages');
    const pages = (op as Extract<PersistOp, { op: 'writePages' }>).pages;
    expect([...pages.keys()]).toEqual([7, 3, 9]);
    expect(pages.get(3)![0]).toBe(2);
    expect(pages.get(3)!.length).toBe(512);

    expect(h.fail('h1', 'pageOut', { file: '/swap/h1-1', pageSize: 512, pages: [1] }, new Uint8Array(100))).toBe('EINVAL');
    expect(h.fail('h1', 'pageOut', { file: '/swap/h1-1', pageSize: 512, pages: [1, 1] }, new Uint8Array(1024))).toBe('EINVAL');

    const to = h.send('h1', 'pageIn', { file: '/swap/h1-1', pageSize: 512, pages: [3, 4] });
    expect(h.reply(to)).toBeUndefined();
    expect(h.pageReads).toEqual([{ type: 'readPages', to, file: '/swap/h1-1', pageNos: [3, 4], pageSize: 512 }]);

    h.ok('h1', 'dropPages', { file: '/swap/h1-1' });
    expect(h.persisted.at(-1)).toEqual({ op: 'removePages', file: '/swap/h1-1' });
  });

  it('refuses a pageIn whose reply would not fit one message', () => {
    const h = new Harness({ maxReplyBytes: 64 * 1024 });
    const pages = Array.from({ length: 16 }, (_, i) => i);
    expect(h.fail('h1', 'pageIn', { file: '/swap', pageSize: 4096, pages })).toBe('EINVAL');
    h.send('h1', 'pageIn', { file: '/swap', pageSize: 4096, pages: pages.slice(0, 15) });
    expect(h.pageReads).toHaveLength(1);
  });

  it('cuts reads to fit one reply', () => {
    const h = new Harness({ maxReplyBytes: 4096 });
    const s = h.ok('h1', 'open', { path: '/f', mode: 'w+' }).stream;
    h.ok('h1', 'write', { stream: s }, new Uint8Array(10_000));
    const r = h.ok('h1', 'read', { stream: s, length: 10_000, at: 0 });
    expect(r.bytes!.length).toBeLessThanOrEqual(4096 - 256);
    expect(r.bytes!.length).toBeGreaterThan(0);
  });
});

describe('FileServer: construction', () => {
  it('ensureDir creates mount points once', () => {
    const s = new FileServer();
    expect(s.ensureDir('/scratch/tmp')).toEqual([
      { type: 'persist', op: { op: 'mkdir', path: '/scratch' } },
      { type: 'persist', op: { op: 'mkdir', path: '/scratch/tmp' } },
    ]);
    expect(s.ensureDir('/scratch')).toEqual([]);
  });
});

describe('FileServer: view and clone', () => {
  it('sequential write-sharing: the next open carries the last write’s version, with no callback', () => {
    const h = new Harness();
    const w = h.ok('h1', 'open', { path: '/f', mode: 'w' });
    const last = h.write('h1', w.stream, 'v2').version;
    h.ok('h1', 'close', { stream: w.stream });
    const r = h.ok('h2', 'open', { path: '/f', mode: 'r' });
    expect(r).toMatchObject({ version: last, cacheable: true });
    expect(r.version).not.toBe(w.version);
    expect(h.callbacks).toEqual([]);
  });

  it('view() shows files, streams, callbacks and each file’s machine state', () => {
    const h = new Harness({ idFloor: 100 });
    h.ok('h1', 'mkdir', { path: '/d' });
    const w = h.ok('h1', 'open', { path: '/d/f', mode: 'w' });
    h.write('h1', w.stream, 'abc');
    h.send('h2', 'open', { path: '/d/f', mode: 'r' });
    const v = h.server.view();
    expect(v.dirs).toEqual(['/d']);
    expect(v.files).toHaveLength(1);
    expect(v.files[0]).toMatchObject({ path: '/d/f', size: 3, consistency: { state: { sharing: 'writeShared', callbacks: 'awaiting' } } });
    expect(text(v.files[0]!.data)).toBe('abc');
    expect(v.streams.map((s) => [s.file, s.hosts])).toEqual([
      [w.file, { h1: 1 }],
      [w.file, { h2: 1 }],
    ]);
    expect(v.callbacks).toEqual([{ token: h.callbacks[0]!.token, file: w.file, callback: 1 }]);
    expect(v.lastToken).toBe(h.callbacks[0]!.token);
    // An unlinked file still open stays in the view, without a path.
    h.ok('h1', 'unlink', { path: '/d/f' });
    expect(h.server.view().files.map((f) => f.path)).toEqual([null]);
  });

  it('clone() answers alike and is independent of the original, held opens included', () => {
    const h = new Harness();
    const w = h.ok('h1', 'open', { path: '/f', mode: 'w+' });
    h.write('h1', w.stream, 'abc');
    const held = h.send('h2', 'open', { path: '/f', mode: 'r' });
    const token = h.callbacks[0]!.token;
    const copy = h.server.clone();
    expect(copy.view()).toEqual(h.server.view());
    // The original goes on: it appends in place and releases the held open.
    h.write('h1', w.stream, 'def');
    h.ack(token);
    expect(h.reply(held)).toMatchObject({ ok: true, value: { size: 6 } });
    // The copy is where the original was.
    expect(copy.view().files[0]).toMatchObject({ size: 3, consistency: { state: { callbacks: 'awaiting' } } });
    const write = { type: 'request', to: 'c1', call: { verb: 'write', host: 'h1', stream: w.stream, bytes: bytes('XYZW') } } as const;
    expect(copy.handle(write)[1]).toMatchObject({ type: 'reply', ok: true, value: { at: 3, size: 7 } });
    expect(copy.handle({ type: 'callbackDone', token, ok: true })).toEqual([{ type: 'reply', to: held, ok: true, value: expect.objectContaining({ size: 7, cacheable: false }) }]);
    expect(text(copy.view().files[0]!.data)).toBe('abcXYZW');
    expect(text(h.server.view().files[0]!.data)).toBe('abcdef');
  });
});

import { ErrorCode } from '@wisp/protocol';
import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../src/index.js';
import { Harness, bytes, text } from './helpers.js';

const P = 'h1-7';
const at = (epoch: number) => ({ fence: { pid: P, epoch } });

/** A file `/log` opened for appending on h1; its stream. */
function appendLog(h: Harness): number {
  return h.okAcked('h1', 'open', { path: '/log', mode: 'a', ...at(1) }).stream;
}

const contents = (h: Harness, path: string) => text(h.server.view().files.find((f) => f.path === path)!.data);

describe('FileServer: a repeated request id is answered once', () => {
  it('answers a repeated append with the first answer and does not apply it again', () => {
    const h = new Harness();
    const s = appendLog(h);
    const first = h.reply(h.send('h1', 'write', { stream: s, rid: 'run1:1', ...at(1) }, bytes('one\n')));
    const persisted = h.persisted.length;
    const again = h.reply(h.send('h1', 'write', { stream: s, rid: 'run1:1', ...at(1) }, bytes('one\n')));
    expect(again).toMatchObject({ ok: true, value: (first as { value: unknown }).value });
    expect(h.persisted.length).toBe(persisted);
    // A new id is a new append.
    h.ok('h1', 'write', { stream: s, rid: 'run1:2', ...at(1) }, bytes('two\n'));
    expect(contents(h, '/log')).toBe('one\ntwo\n');
  });

  it('keeps hosts apart: the same id from another host is another request', () => {
    const h = new Harness();
    h.ok('h1', 'mkdir', { path: '/a', rid: 'x:1' });
    expect(h.fail('h2', 'mkdir', { path: '/a', rid: 'x:1' })).toBe(ErrorCode.EEXIST);
    expect(h.reply(h.send('h1', 'mkdir', { path: '/a', rid: 'x:1' }))).toMatchObject({ ok: true });
  });

  it('answers a repeat of a failed request with the same error, changing nothing', () => {
    const h = new Harness();
    expect(h.fail('h1', 'close', { stream: 99, rid: 'r:1' })).toBe(ErrorCode.EBADF);
    const view = h.server.view();
    expect(h.fail('h1', 'close', { stream: 99, rid: 'r:1' })).toBe(ErrorCode.EBADF);
    expect(h.server.view()).toEqual(view);
  });

  it('a repeat of an open still held on callbacks waits, then gets the same stream; one stream is opened', () => {
    const h = new Harness();
    const { stream: reader } = h.okAcked('h2', 'open', { path: '/f', mode: 'w' });
    h.write('h2', reader, 'cached by h2');
    const calls = h.callbacks.length;
    const first = h.send('h1', 'open', { path: '/f', mode: 'r+', rid: 'o:1' });
    expect(h.callbacks.length).toBeGreaterThan(calls); // h2 is called back: the open is held
    const repeat = h.send('h1', 'open', { path: '/f', mode: 'r+', rid: 'o:1' });
    expect(h.reply(first)).toBeUndefined();
    expect(h.reply(repeat)).toBeUndefined();
    for (const c of h.callbacks.slice(calls)) h.ack(c.token);
    const a = h.reply(first);
    const b = h.reply(repeat);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual({ ...a, to: repeat });
    expect(h.server.streamTable()).toHaveLength(2);
    // And once answered, a third try gets it straight away.
    expect(h.reply(h.send('h1', 'open', { path: '/f', mode: 'r+', rid: 'o:1' }))).toEqual({ ...a, to: expect.any(String) });
    expect(h.server.streamTable()).toHaveLength(2);
  });

  it('answers a repeat from the cache even after a newer epoch was seen (it changes nothing); a new request at the old epoch is ESTALE', () => {
    const h = new Harness();
    const s = appendLog(h);
    h.ok('h1', 'write', { stream: s, rid: 'a:1', ...at(1) }, bytes('old\n'));
    h.okAcked('h1', 'dup', { stream: s, to: 'h2', ...at(2) });
    h.ok('h2', 'write', { stream: s, ...at(2) }, bytes('new\n'));
    expect(h.reply(h.send('h1', 'write', { stream: s, rid: 'a:1', ...at(1) }, bytes('old\n')))).toMatchObject({ ok: true });
    expect(h.server.fencedEpoch(P)).toBe(2);
    expect(h.fail('h1', 'write', { stream: s, rid: 'a:2', ...at(1) }, bytes('stale\n'))).toBe(ErrorCode.ESTALE);
    expect(contents(h, '/log')).toBe('old\nnew\n');
  });

  it('keeps a copy of a sequential read, so a later write does not change the repeated answer', () => {
    const h = new Harness();
    const { stream } = h.okAcked('h1', 'open', { path: '/f', mode: 'w+' });
    h.write('h1', stream, 'abcdef', 0);
    h.ok('h1', 'seek', { stream, offset: 0, whence: 'set' });
    const first = h.ok('h1', 'read', { stream, length: 3, rid: 'r:1' });
    h.write('h1', stream, 'XYZ', 0);
    const again = h.ok('h1', 'read', { stream, length: 3, rid: 'r:1' });
    expect(text(first.bytes!)).toBe('abc');
    expect(text(again.bytes!)).toBe('abc');
    // Not read twice: the offset moved once.
    expect(text(h.ok('h1', 'read', { stream, length: 3, rid: 'r:2' }).bytes!)).toBe('def');
  });

  it('does not remember a request without a reply subject (nobody would get its answer)', () => {
    const h = new Harness();
    h.absorb(h.server.handle({ type: 'request', to: '', call: { verb: 'mkdir', host: 'h1', path: '/a', rid: 'n:1' } }));
    expect(h.server.rememberedAnswers).toBe(0);
  });

  it('is bounded per host and in all; the oldest ids go first and a host gone for good is forgotten', () => {
    const h = new Harness({ answers: { perHost: 4, max: 6 } });
    for (let i = 1; i <= 10; i++) h.ok('h1', 'mkdir', { path: `/d${i}`, rid: `r:${i}` });
    expect(h.server.rememberedAnswers).toBe(4);
    expect(h.server.view().answers.map(([, rid]) => rid)).toEqual(['r:7', 'r:8', 'r:9', 'r:10']);
    // Forgotten: applied again (here, it fails since the directory exists).
    expect(h.fail('h1', 'mkdir', { path: '/d1', rid: 'r:1' })).toBe(ErrorCode.EEXIST);
    for (let i = 1; i <= 5; i++) h.ok('h2', 'mkdir', { path: `/e${i}`, rid: `r:${i}` });
    expect(h.server.rememberedAnswers).toBe(6);
    expect(h.server.view().answers.filter(([host]) => host === 'h2')).toHaveLength(4);
    h.absorb(h.server.handle({ type: 'hostDown', host: 'h2' }));
    expect(h.server.view().answers.every(([host]) => host === 'h1')).toBe(true);
  });

  it('bounds the bytes of read answers it keeps', () => {
    const cache = new AnswerCache(100, 100, 10);
    for (let i = 1; i <= 5; i++) {
      expect(cache.recall('h1', `r:${i}`, `to${i}`)).toEqual({ kind: 'new' });
      cache.settle(`to${i}`, { ok: true, value: {}, bytes: new Uint8Array(4) });
    }
    expect(cache.heldBytes).toBeLessThanOrEqual(10);
    expect(cache.size).toBe(2);
    expect(cache.recall('h1', 'r:5', 'again')).toMatchObject({ kind: 'answered' });
    expect(cache.recall('h1', 'r:1', 'again')).toEqual({ kind: 'new' });
  });

  it('a clone keeps the answers apart from the original', () => {
    const h = new Harness();
    h.ok('h1', 'mkdir', { path: '/a', rid: 'c:1' });
    const copy = h.server.clone();
    expect(copy.view().answers).toEqual(h.server.view().answers);
    h.ok('h1', 'mkdir', { path: '/b', rid: 'c:2' });
    expect(copy.rememberedAnswers).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { EpochFence } from '../src/index.js';
import { Harness, bytes } from './helpers.js';

const P = 'h1-7';
const at = (epoch: number, pid = P) => ({ fence: { pid, epoch } });

/** A file `/f` opened `w+` on h1 for P at epoch 1, and shared with h2 (as a move in progress would). */
function shared(h: Harness): number {
  const { stream } = h.okAcked('h1', 'open', { path: '/f', mode: 'w+', ...at(1) });
  h.okAcked('h1', 'dup', { stream, to: 'h2', ...at(1) });
  return stream;
}

describe('FileServer: fencing by (pid, epoch)', () => {
  it('refuses a write older than the newest epoch seen for its pid, changing nothing; the newer write stays', () => {
    const h = new Harness();
    const s = shared(h);
    h.ok('h2', 'write', { stream: s, at: 0, ...at(2) }, bytes('newer'));
    const before = { persisted: h.persisted.length, view: h.server.view() };
    const reply = h.reply(h.send('h1', 'write', { stream: s, at: 0, ...at(1) }, bytes('STALE!')));
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.ESTALE } });
    expect(reply?.ok === false && reply.error.message).toMatch(/h1-7 at epoch 1 is stale: the file server has seen epoch 2/);
    // Nothing applied: no storage write, the same state, the newer bytes.
    expect(h.persisted.length).toBe(before.persisted);
    expect(h.server.view()).toEqual(before.view);
    expect(h.read('h2', s, 100, 0)).toBe('newer');
    expect(h.logs.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringContaining('refused write from host h1') });
  });

  it('accepts an equal or newer epoch, which becomes the newest', () => {
    const h = new Harness();
    const s = shared(h);
    h.write('h1', s, 'a', 0);
    h.ok('h1', 'write', { stream: s, at: 1, ...at(1) }, bytes('b'));
    expect(h.server.fencedEpoch(P)).toBe(1);
    h.ok('h2', 'write', { stream: s, at: 2, ...at(3) }, bytes('c'));
    h.ok('h2', 'write', { stream: s, at: 3, ...at(3) }, bytes('d'));
    expect(h.server.fencedEpoch(P)).toBe(3);
    expect(h.fail('h1', 'write', { stream: s, at: 4, ...at(2) }, bytes('x'))).toBe(ErrorCode.ESTALE);
    expect(h.read('h2', s, 100, 0)).toBe('abcd');
  });

  it('fences every verb made for a process, and keeps pids apart; requests without a fence are not fenced', () => {
    const h = new Harness();
    const s = shared(h);
    h.ok('h2', 'seek', { stream: s, offset: 0, whence: 'set', ...at(2) });
    const stale = at(1);
    expect(h.fail('h1', 'read', { stream: s, length: 1, ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'seek', { stream: s, offset: 3, whence: 'set', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'move', { stream: s, to: 'h3', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'dup', { stream: s, to: 'h3', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'close', { stream: s, ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'fstat', { stream: s, ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'open', { path: '/g', mode: 'w', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'unlink', { path: '/f', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'mkdir', { path: '/d', ...stale })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'rename', { from: '/f', to: '/g', ...stale })).toBe(ErrorCode.ESTALE);
    // Still open on both hosts, nothing created, nothing moved.
    expect(h.server.streamTable()).toEqual([expect.objectContaining({ stream: s, refs: 2, offset: 0, hosts: { h1: 1, h2: 1 } })]);
    expect(h.server.view().dirs).toEqual([]);
    // Another process at epoch 1 is a different pid; the host's own requests carry no fence.
    h.ok('h1', 'stat', { path: '/f', ...at(1, 'h2-1') });
    h.write('h1', s, 'host', 0);
    h.ok('h1', 'stat', { path: '/f' });
    expect(h.read('h1', s, 100, 0)).toBe('host');
  });

  it("fences a process's backing file: a late page-out or drop of an older epoch is refused", () => {
    const h = new Harness();
    const file = `/.wisp/swap/${P}`;
    const page = (c: string) => bytes(c.repeat(512));
    h.ok('h1', 'pageOut', { file, pageSize: 512, pages: [0], ...at(1) }, page('a'));
    // The page-in (a storage read, answered by the runtime) goes through at epoch 2.
    h.send('h2', 'pageIn', { file, pageSize: 512, pages: [0], ...at(2) });
    expect(h.pageReads).toHaveLength(1);
    h.ok('h2', 'pageOut', { file, pageSize: 512, pages: [0], ...at(2) }, page('b'));
    const writes = h.persisted.length;
    expect(h.fail('h1', 'pageOut', { file, pageSize: 512, pages: [0], ...at(1) }, page('a'))).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'pageIn', { file, pageSize: 512, pages: [0], ...at(1) })).toBe(ErrorCode.ESTALE);
    expect(h.fail('h1', 'dropPages', { file, ...at(1) })).toBe(ErrorCode.ESTALE);
    expect(h.persisted.length).toBe(writes);
    // The process ends on h2 and drops its file; a stale page-out after that is still refused.
    h.ok('h2', 'dropPages', { file, ...at(2) });
    expect(h.fail('h1', 'pageOut', { file, pageSize: 512, pages: [0], ...at(1) }, page('a'))).toBe(ErrorCode.ESTALE);
  });

  it('keeps its table bounded, forgetting the least recently used pid', () => {
    const h = new Harness({ maxFencedPids: 2 });
    h.ok('h1', 'mkdir', { path: '/a', ...at(2, 'h1-1') });
    h.ok('h1', 'mkdir', { path: '/b', ...at(2, 'h1-2') });
    // h1-1 is used again: h1-2 is now the least recently used, and goes for h1-3.
    h.ok('h1', 'stat', { path: '/a', ...at(2, 'h1-1') });
    h.ok('h1', 'mkdir', { path: '/c', ...at(1, 'h1-3') });
    expect(h.server.fencedPids).toBe(2);
    expect(h.server.view().fences).toEqual([
      ['h1-1', 2],
      ['h1-3', 1],
    ]);
    expect(h.fail('h1', 'stat', { path: '/a', ...at(1, 'h1-1') })).toBe(ErrorCode.ESTALE);
    // A forgotten pid starts again from its next request.
    expect(h.server.fencedEpoch('h1-2')).toBeUndefined();
    h.ok('h1', 'stat', { path: '/b', ...at(1, 'h1-2') });
    expect(h.server.fencedEpoch('h1-2')).toBe(1);
    expect(h.server.fencedPids).toBe(2);
  });

  it('a clone keeps the epochs seen, and goes on apart', () => {
    const h = new Harness();
    h.ok('h1', 'mkdir', { path: '/a', ...at(2) });
    const copy = h.server.clone();
    expect(copy.view().fences).toEqual([[P, 2]]);
    const stale = copy.handle({ type: 'request', to: 'x', call: { verb: 'stat', host: 'h1', path: '/a', fence: { pid: P, epoch: 1 } } });
    expect(stale.at(-1)).toMatchObject({ type: 'reply', ok: false, error: { code: ErrorCode.ESTALE } });
    copy.handle({ type: 'request', to: 'y', call: { verb: 'stat', host: 'h1', path: '/a', fence: { pid: P, epoch: 5 } } });
    expect(copy.fencedEpoch(P)).toBe(5);
    expect(h.server.fencedEpoch(P)).toBe(2);
  });
});

describe('EpochFence', () => {
  it('is one lookup per request: older refused, equal and newer taken', () => {
    const f = new EpochFence(3);
    f.admit({ pid: 'a-1', epoch: 4 });
    f.admit({ pid: 'a-1', epoch: 4 });
    expect(() => f.admit({ pid: 'a-1', epoch: 3 })).toThrow(expect.objectContaining({ code: ErrorCode.ESTALE }));
    f.admit({ pid: 'a-1', epoch: 9 });
    expect(f.epochOf('a-1')).toBe(9);
    for (let i = 2; i < 10; i++) f.admit({ pid: `a-${i}`, epoch: 1 });
    expect(f.size).toBe(3);
    expect(f.entries().map(([pid]) => pid)).toEqual(['a-7', 'a-8', 'a-9']);
  });
});

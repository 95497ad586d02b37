import { describe, expect, it } from 'vitest';
import { NOT_OPEN, stepFile, type FileAction, type FileEvent, type FileSnapshot } from '../src/index.js';

/** Drives one file's machine as the server does, keeping the actions of the last step. */
class File {
  s: FileSnapshot = NOT_OPEN;
  actions: FileAction[] = [];
  private seq = 0;

  send(e: FileEvent): FileAction[] {
    [this.s, this.actions] = stepFile(this.s, e);
    return this.actions;
  }

  /** Host `host` opens the file (reading, or writing); returns the reply address. */
  open(host: string, write = false, truncate = false): string {
    const to = `r${++this.seq}`;
    this.send({ type: 'open', host, write, truncate, reply: { to, stream: this.seq } });
    return to;
  }

  close(host: string, write = false): void {
    this.send({ type: 'close', host, write });
  }

  get sharing(): string {
    return (this.s.value as { sharing: string }).sharing;
  }

  get callbacks(): string {
    return (this.s.value as { callbacks: string }).callbacks;
  }

  /** The answers of the last step: reply address → cacheable. */
  answers(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const a of this.actions) if (a.type === 'answer') out[a.params.reply.to] = a.params.cacheable;
    return out;
  }

  calledBack(): string[] {
    return this.actions.flatMap((a) => (a.type === 'callBack' ? [a.params.host] : []));
  }

  callbackNo(host: string): number {
    return this.s.context.awaiting.find((a) => a.host === host)!.callback;
  }
}

describe('file consistency machine (Sprite)', () => {
  it('starts not open; one reader caches; more readers on other hosts all cache', () => {
    const f = new File();
    expect(f.sharing).toBe('notOpen');
    expect(f.callbacks).toBe('none');
    const r1 = f.open('h1');
    expect(f.answers()).toEqual({ [r1]: true });
    expect(f.sharing).toBe('readers');
    const r2 = f.open('h2');
    expect(f.answers()).toEqual({ [r2]: true });
    expect(f.calledBack()).toEqual([]);
    expect(f.s.context.caching).toEqual(['h1', 'h2']);
    f.close('h1');
    expect(f.s.context.caching).toEqual(['h2']);
    f.close('h2');
    expect(f.sharing).toBe('notOpen');
    expect(f.s.context).toMatchObject({ opens: {}, caching: [] });
  });

  it('one writer caches, also with more opens on its own host', () => {
    const f = new File();
    const w = f.open('h1', true);
    expect(f.answers()).toEqual({ [w]: true });
    expect(f.sharing).toBe('oneWriter');
    const r = f.open('h1');
    const w2 = f.open('h1', true);
    expect(f.answers()).toEqual({ [w2]: true });
    expect(f.sharing).toBe('oneWriter');
    expect(f.s.context.opens).toEqual({ h1: { readers: 1, writers: 2 } });
    expect(r).toBeDefined();
    expect(f.s.context.caching).toEqual(['h1']);
  });

  it('concurrent write-sharing calls back the caching hosts, holds the open, and disables caching', () => {
    const f = new File();
    f.open('h1');
    f.open('h3');
    expect(f.s.context.caching).toEqual(['h1', 'h3']);
    // Readers on h1 and h3 cache: h2's open for writing makes the file write-shared.
    const r2 = f.open('h2', true);
    expect(f.sharing).toBe('writeShared');
    expect(f.calledBack()).toEqual(['h1', 'h3']);
    expect(f.answers()).toEqual({});
    expect(f.callbacks).toBe('awaiting');
    expect(f.s.context.caching).toEqual([]);
    // Another open meanwhile is held too, without a second callback.
    const r4 = f.open('h4');
    expect(f.calledBack()).toEqual([]);
    expect(f.answers()).toEqual({});
    f.send({ type: 'flushed', callback: f.callbackNo('h1') });
    expect(f.answers()).toEqual({});
    f.send({ type: 'flushed', callback: f.callbackNo('h3') });
    // The held opens are answered in order, uncached, once the last callback is answered.
    expect(f.actions.map((a) => a.type === 'answer' && a.params.reply.to)).toEqual([r2, r4]);
    expect(f.answers()).toEqual({ [r2]: false, [r4]: false });
    expect(f.callbacks).toBe('none');
    // The writer opening again while shared: not cacheable, and no callback to itself.
    const again = f.open('h2');
    expect(f.answers()).toEqual({ [again]: false });
    expect(f.calledBack()).toEqual([]);
  });

  it('caching comes back at the next open after write-sharing ends, not at the close', () => {
    const f = new File();
    f.open('h1', true);
    f.open('h2');
    f.send({ type: 'flushed', callback: f.callbackNo('h1') });
    f.close('h2');
    expect(f.sharing).toBe('oneWriter');
    expect(f.actions).toEqual([]);
    expect(f.s.context.caching).toEqual([]);
    const r = f.open('h1');
    expect(f.answers()).toEqual({ [r]: true });
    expect(f.s.context.caching).toEqual(['h1']);
  });

  it('a reader that becomes a writer calls back the other readers, not itself', () => {
    const f = new File();
    f.open('h1');
    f.open('h2');
    f.open('h1', true);
    expect(f.calledBack()).toEqual(['h2']);
    expect(f.sharing).toBe('writeShared');
  });

  it('a truncating open cuts the file only after the called-back hosts flushed, right before its answer', () => {
    const f = new File();
    f.open('h1', true);
    const w = f.open('h2', true, true);
    expect(f.actions.map((a) => a.type)).toEqual(['callBack']);
    f.send({ type: 'flushed', callback: f.callbackNo('h1') });
    expect(f.actions).toEqual([{ type: 'truncate' }, { type: 'answer', params: { reply: { to: w, stream: 2 }, cacheable: false } }]);
    // With nothing to wait for, it truncates at once.
    const g = new File();
    const t = g.open('h1', true, true);
    expect(g.actions).toEqual([{ type: 'truncate' }, { type: 'answer', params: { reply: { to: t, stream: 1 }, cacheable: true } }]);
  });

  it('sequential write-sharing needs no callback: the writer wrote back at close, the next open carries the version', () => {
    const f = new File();
    f.open('h1', true);
    f.close('h1', true);
    expect(f.sharing).toBe('notOpen');
    const r = f.open('h2');
    expect(f.calledBack()).toEqual([]);
    // Answered at once: the server stamps the reply with the file's current version, which the
    // reader compares with its cached blocks'.
    expect(f.answers()).toEqual({ [r]: true });
  });

  it('an open held behind callbacks is answered after them even when sharing ended meanwhile', () => {
    const f = new File();
    f.open('h1', true);
    const shared = f.open('h2');
    const cb = f.callbackNo('h1');
    f.close('h2');
    // h1 opens again while its callback is outstanding: may cache (not shared now), but waits.
    const again = f.open('h1');
    expect(f.answers()).toEqual({});
    f.send({ type: 'flushed', callback: cb });
    expect(f.answers()).toEqual({ [shared]: false, [again]: true });
  });

  it('two callbacks to one host are told apart by number; a stale or repeated answer does nothing', () => {
    const f = new File();
    f.open('h1', true);
    f.open('h2');
    const first = f.callbackNo('h1');
    f.close('h2');
    f.open('h1');
    f.open('h3');
    expect(f.calledBack()).toEqual(['h1']);
    expect(f.s.context.awaiting.map((a) => a.host)).toEqual(['h1', 'h1']);
    f.send({ type: 'flushed', callback: first });
    expect(f.answers()).toEqual({});
    f.send({ type: 'flushed', callback: first });
    expect(f.actions).toEqual([]);
    f.send({ type: 'flushed', callback: 999 });
    expect(f.actions).toEqual([]);
    f.send({ type: 'flushed', callback: f.s.context.awaiting[0]!.callback });
    // h2's, h1's (cacheable: decided when not shared; its client refuses it, having seen a
    // callback since it asked) and h3's.
    expect(Object.values(f.answers())).toEqual([false, true, false]);
  });

  it('a move gains on the target before it drops on the source; a move can make the file write-shared', () => {
    const f = new File();
    f.open('h1', true);
    f.send({ type: 'move', from: 'h1', to: 'h1', write: true, reply: { to: 'm0' } });
    expect(f.s.context.caching).toEqual(['h1']);
    expect(f.answers()).toEqual({ m0: true });
    // The writer's stream moves to h2: the file is open on h2 alone, which may cache.
    f.send({ type: 'move', from: 'h1', to: 'h2', write: true, reply: { to: 'm1' } });
    expect(f.answers()).toEqual({ m1: true });
    expect(f.s.context.caching).toEqual(['h2']);
    expect(f.sharing).toBe('oneWriter');
    // A reader on h3, then a second writer stream moves from h2 to h3... with h2 keeping one.
    f.open('h3');
    expect(f.calledBack()).toEqual(['h2']);
    f.send({ type: 'flushed', callback: f.callbackNo('h2') });
    f.open('h2', true);
    f.send({ type: 'move', from: 'h2', to: 'h3', write: true, reply: { to: 'm2' } });
    expect(f.answers()).toEqual({ m2: false });
    expect(f.sharing).toBe('writeShared');
  });

  it('a host going down drops all its references and its caching', () => {
    const f = new File();
    f.open('h1', true);
    f.open('h1');
    f.open('h2');
    f.send({ type: 'flushed', callback: f.callbackNo('h1') });
    f.send({ type: 'hostDown', host: 'h2' });
    expect(f.s.context.opens).toEqual({ h1: { readers: 1, writers: 1 } });
    expect(f.sharing).toBe('oneWriter');
    f.send({ type: 'hostDown', host: 'h1' });
    expect(f.sharing).toBe('notOpen');
  });

  it('a close of a reference the host does not hold is ignored', () => {
    const f = new File();
    f.open('h1');
    f.close('h1', true);
    f.close('h2');
    expect(f.s.context.opens).toEqual({ h1: { readers: 1, writers: 0 } });
  });

  it('never changes a snapshot in place', () => {
    const f = new File();
    f.open('h1', true);
    const before = f.s;
    const json = JSON.stringify(before.context);
    f.open('h2');
    f.send({ type: 'flushed', callback: 1 });
    f.close('h1', true);
    expect(JSON.stringify(before.context)).toBe(json);
    expect(JSON.stringify(NOT_OPEN.context)).toBe(JSON.stringify({ opens: {}, caching: [], awaiting: [], held: [], lastCallback: 0 }));
  });
});

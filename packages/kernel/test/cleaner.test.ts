import { describe, expect, test } from 'vitest';
import { Kernel, type Effect } from '../src/index.js';
import { allPrograms, replies, spawnOn } from './helpers.js';

type FsEffect = Extract<Effect, { type: 'fs' }>;

/**
 * A kernel with the cleaner on, driven by hand: its effects are collected, its timers fired one
 * by one, its file-system requests answered when the test says so.
 */
class Driven {
  readonly k: Kernel;
  now = 0;

  constructor(minAgeMs = 0) {
    this.k = new Kernel({ hostId: 'h1', registry: allPrograms(), cleaner: { intervalMs: 10, pagesPerWrite: 3, maxInFlight: 2, minAgeMs } });
  }

  private effects: Effect[] = [];

  /** Runs every process until none has work; keeps the effects. A new process's directory record is created at once. */
  settle(): void {
    for (;;) {
      while (this.k.run(this.now)) this.now++;
      const effects = this.k.takeEffects();
      if (effects.length === 0) return;
      for (const e of effects) {
        if (e.type === 'directory' && e.op.op === 'create') this.k.handle({ type: 'response', token: e.token, ok: true, value: { entry: e.op.entry, revision: 1 }, now: this.now });
        else this.effects.push(e);
      }
    }
  }

  /** Fires the latest timer armed with `prefix` (`c`: the cleaner, `t`: a process's sleep). */
  fire(prefix: 'c' | 't'): void {
    let i = this.effects.length - 1;
    while (i >= 0 && !(this.effects[i]!.type === 'setTimer' && (this.effects[i] as { id: string }).id.startsWith(prefix))) i--;
    if (i < 0) throw new Error(`no ${prefix} timer armed`);
    const id = (this.effects[i] as Extract<Effect, { type: 'setTimer' }>).id;
    this.effects.splice(i, 1);
    this.k.handle({ type: 'timer', id, now: ++this.now });
    this.settle();
  }

  /** File-system requests not yet taken by the test. */
  takeFs(op: string): FsEffect[] {
    const out = this.effects.filter((e): e is FsEffect => e.type === 'fs' && e.op === op);
    this.effects = this.effects.filter((e) => !out.includes(e as FsEffect));
    return out;
  }

  answer(e: FsEffect, ok: boolean): void {
    this.k.handle(ok ? { type: 'response', token: e.token, ok: true, value: null, now: ++this.now } : { type: 'response', token: e.token, ok: false, error: { code: 'EIO', message: 'disk on fire' }, now: ++this.now });
    this.settle();
  }

  ask(verb: string, body: unknown): Record<string, unknown> {
    const replyTo = `r.${Math.random()}`;
    this.k.handle({ type: 'request', verb, body, replyTo, now: ++this.now });
    const before = this.effects.length;
    this.settle();
    const r = replies(this.effects.slice(before)).find((x) => x.to === replyTo);
    if (!r?.ok) throw new Error(`${verb} failed: ${JSON.stringify(r)}`);
    return r.value as Record<string, unknown>;
  }

  /** A request whose answer comes later (a migration's). */
  send(verb: string, body: unknown): void {
    this.k.handle({ type: 'request', verb, body, replyTo: `r.${Math.random()}`, now: ++this.now });
    this.settle();
  }

  dirty(pid: string): number {
    return (this.ask('detail', { pid }).memory as { dirty: number }).dirty;
  }

  cleaner(): Record<string, unknown> {
    return this.ask('info', {}).cleaner as Record<string, unknown>;
  }
}

/** The pages a cleaner write carries, and the first u32 of each (the `pager`'s counter). */
function carried(e: FsEffect): Map<number, number> {
  const [file, pages] = e.args as [string, Map<number, Uint8Array>];
  expect(file).toMatch(/^\/\.wisp\/swap\//);
  return new Map([...pages].map(([n, b]) => [n, new DataView(b.buffer, b.byteOffset).getUint32(0, true)]));
}

/** A `pager` of 8 pages that has written every page once (counters at 1), seen by one look of the cleaner. */
function pagerWritten(minAgeMs = 0): { d: Driven; pid: string } {
  const d = new Driven(minAgeMs);
  const pid = d.ask('spawn', { program: 'pager', args: ['8', '1000', '50'] }).pid as string;
  d.settle();
  d.fire('t'); // the first step: every page's counter goes to 1
  expect(d.dirty(pid)).toBe(8);
  d.fire('c'); // a first look only takes a reading
  expect(d.takeFs('pageOut')).toEqual([]);
  return { d, pid };
}

describe('the background cleaner, driven by hand', () => {
  test('writes pages not written since its last look, a copy of them, and marks them clean', () => {
    const { d, pid } = pagerWritten();
    d.fire('c');
    const [w, ...more] = d.takeFs('pageOut');
    expect(more).toEqual([]);
    expect(carried(w!)).toEqual(new Map([[0, 1], [1, 1], [2, 1]]));
    expect(d.dirty(pid)).toBe(5);
    d.answer(w!, true);
    expect(d.cleaner()).toMatchObject({ enabled: true, writes: 1, pages: 3, inFlight: 0, failed: 0, dirty: 5 });
  });

  test('a page written while its write is in flight stays dirty once the write lands, and the copy sent is the old one', () => {
    const { d, pid } = pagerWritten();
    d.fire('c');
    const [w] = d.takeFs('pageOut');
    d.fire('t'); // every counter goes to 2, pages 0–2 included
    expect(carried(w!).get(0)).toBe(1);
    expect(d.dirty(pid)).toBe(8);
    d.answer(w!, true);
    expect(d.dirty(pid)).toBe(8);
  });

  test('one write in flight per process: no second write of it until the first has landed', () => {
    const { d } = pagerWritten();
    d.fire('c');
    const [w] = d.takeFs('pageOut');
    d.fire('c');
    d.fire('c');
    expect(d.takeFs('pageOut')).toEqual([]);
    d.answer(w!, true);
    d.fire('c');
    expect([...carried(d.takeFs('pageOut')[0]!).keys()]).toEqual([3, 4, 5]);
  });

  test('pages written since the last look (hot) are left; they go once they have cooled for a look', () => {
    const { d } = pagerWritten();
    d.fire('t'); // written after the first look's reading
    d.fire('c');
    expect(d.takeFs('pageOut')).toEqual([]);
    d.fire('c');
    expect(carried(d.takeFs('pageOut')[0]!)).toEqual(new Map([[0, 2], [1, 2], [2, 2]]));
  });

  test('with minAgeMs, a page goes only once it has gone unwritten that long', () => {
    const { d } = pagerWritten(100); // the first look's reading, at about t = 5
    d.now += 50;
    d.fire('c');
    expect(d.takeFs('pageOut')).toEqual([]);
    d.fire('t'); // written again at about t = 60: younger than 100 ms at every look below t = 160
    d.now += 60;
    d.fire('c'); // t ≈ 120: the first reading becomes the old one, but the pages were written after it
    expect(d.takeFs('pageOut')).toEqual([]);
    d.now += 110;
    d.fire('c'); // t ≈ 230: the reading of t ≈ 120 is old enough, and nothing was written since
    expect(carried(d.takeFs('pageOut')[0]!)).toEqual(new Map([[0, 2], [1, 2], [2, 2]]));
  });

  test('a failed write makes its pages dirty again', () => {
    const { d, pid } = pagerWritten();
    d.fire('c');
    const [w] = d.takeFs('pageOut');
    expect(d.dirty(pid)).toBe(5);
    d.answer(w!, false);
    expect(d.dirty(pid)).toBe(8);
    expect(d.cleaner()).toMatchObject({ writes: 0, failed: 1, redirtied: 3, inFlight: 0 });
  });

  test('a flush waits for the write in flight, then writes only what is dirty; the cleaner leaves a moving process alone', () => {
    const { d, pid } = pagerWritten();
    d.fire('c');
    const [w] = d.takeFs('pageOut');
    d.send('migrate', { pid, to: 'h2', strategy: 'flush' });
    // Frozen, but not quiesced while the cleaner's write is out: no flush yet.
    expect(d.takeFs('pageOut')).toEqual([]);
    d.fire('c');
    expect(d.takeFs('pageOut')).toEqual([]);
    d.answer(w!, true);
    const [flush, ...more] = d.takeFs('pageOut');
    expect(more).toEqual([]);
    expect([...carried(flush!).keys()]).toEqual([3, 4, 5, 6, 7]);
  });

  test('a flush after a failed write carries the pages the failure made dirty again', () => {
    const { d, pid } = pagerWritten();
    d.fire('c');
    const [w] = d.takeFs('pageOut');
    d.send('migrate', { pid, to: 'h2', strategy: 'flush' });
    d.answer(w!, false);
    expect([...carried(d.takeFs('pageOut')[0]!).keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('a kernel without the cleaner arms no cleaner timer and writes nothing', () => {
    const k = new Kernel({ hostId: 'h1', registry: allPrograms() });
    spawnOn(k, 'pager', ['8', '1000', '50']);
    while (k.run(0));
    const effects = k.takeEffects();
    expect(effects.some((e) => e.type === 'setTimer' && e.id.startsWith('c'))).toBe(false);
    expect(effects.some((e) => e.type === 'setTimer' && e.id.startsWith('t'))).toBe(true);
  });
});

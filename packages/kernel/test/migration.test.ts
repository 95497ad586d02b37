import { describe, expect, test } from 'vitest';
import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { ProgramRegistry } from '@wisp/proc';
import { SimCluster } from './simCluster.js';
import { allPrograms, emitted } from './helpers.js';
import { memFs } from './memFs.js';
import { sink, spinner } from './programs.js';

const STRATEGIES: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];
const PAGES = 300;

function sim(hosts: string[] = ['h1', 'h2', 'h3']) {
  const fs = memFs();
  return { sim: new SimCluster({ hosts, registry: allPrograms(), fs: fs.fs }), fs };
}

function migrate(s: SimCluster, pid: string, from: string, to: string, strategy: Strategy): MigrationRecord {
  const a = s.call(from, 'migrate', { pid, to, strategy });
  if (!a.ok) throw new Error(`migrate: ${a.error.code} ${a.error.message}`);
  return a.value as MigrationRecord;
}

function steps(s: SimCluster, pid: string) {
  return emitted(s, pid, 'step') as { n: number; sum: number }[];
}

describe('migration of a running process', () => {
  test.each(STRATEGIES)('%s: memory, timers and the home clock carry on; it runs on the target', (strategy) => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '10', '100']);
    s.advance(350);
    expect(steps(s, p.pid).map((x) => x.n)).toEqual([1, 2, 3]);
    const rec = migrate(s, p.pid, 'h1', 'h2', strategy);
    expect(rec).toMatchObject({ pid: p.pid, from: 'h1', to: 'h2', strategy, outcome: 'committed' });
    expect(s.whereIs(p.pid)).toBe('h2');
    const ps = s.call('h2', 'ps', {});
    expect(ps.ok && (ps.value as { procs: { pid: string; host: string }[] }).procs.find((x) => x.pid === p.pid)).toMatchObject({ host: 'h2', home: 'h1' });
    s.settle();
    expect(steps(s, p.pid)).toEqual(Array.from({ length: 10 }, (_, i) => ({ type: 'step', n: i + 1, sum: PAGES * (i + 1) })));
    expect(s.exitCode(p.tty)).toBe(0);
    // The sleep that was pending kept its deadline: step 4 at 400 ms as it would have at home.
    expect(s.exitTime(p.tty, p.pid)! - s.eventsOf('proc.start')[0]!.at).toBe(1000);
    if (strategy === 'flush') expect(rec.pages).toBe(PAGES);
    if (strategy === 'copy' || strategy === 'precopy') expect(rec.bytes).toBeGreaterThanOrEqual(PAGES * 4096);
    if (strategy === 'lazy') expect(rec.residual).toEqual(['h1']);
  });

  test.each(STRATEGIES)('%s: h1 → h2 → h3 → h1 and memory is intact', (strategy) => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '8', '100']);
    for (const [from, to] of [['h1', 'h2'], ['h2', 'h3'], ['h3', 'h1']] as const) {
      s.advance(150);
      expect(migrate(s, p.pid, from, to, strategy).outcome).toBe('committed');
    }
    s.settle();
    expect(steps(s, p.pid).map((x) => x.sum)).toEqual(Array.from({ length: 8 }, (_, i) => PAGES * (i + 1)));
    expect(s.exitCode(p.tty)).toBe(0);
  });

  test.each(STRATEGIES)('%s: life keeps its checksums when moved mid-generation, again and again', (strategy) => {
    const run = (moves: boolean) => {
      const { sim: s } = sim();
      // Started without running to the end (as `spawn` would), so the moves land mid-generation.
      const tty = 'tty.life';
      const spawned = s.request(s.subject('h1', 'spawn'), { program: 'life', args: ['300', '6'], tty });
      while (!spawned.answer) s.step();
      const pid = (spawned.answer as { value: { pid: string } }).value.pid;
      if (moves) {
        let at = 'h1';
        for (const to of ['h2', 'h3', 'h1', 'h2']) {
          for (let i = 0; i < 6; i++) s.step();
          const m = s.request(s.subject(at, 'migrate'), { pid, to, strategy });
          while (!m.answer) s.step();
          expect(m.answer.ok ? (m.answer.value as MigrationRecord).outcome : m.answer.error.code).toBe('committed');
          at = to;
        }
      }
      s.settle();
      expect(s.exitCode(tty)).toBe(0);
      return s.output(tty);
    };
    const still = run(false);
    expect(still.split('\n').filter(Boolean)).toHaveLength(6);
    expect(run(true)).toBe(still);
  });

  test('the home learns the new location: a kill from any host goes straight there', () => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'sink');
    migrate(s, p.pid, 'h1', 'h2', 'flush');
    const since = s.requests.length;
    const k = s.call('h3', 'kill', { pid: p.pid, signal: 'KILL' });
    expect(k.ok).toBe(true);
    expect(s.requests.slice(since).map((r) => r.subject)).toEqual(['wisp.default.host.h3.kill', 'wisp.default.host.h1.kill', 'wisp.default.host.h2.signal', 'wisp.default.host.h1.syscall']);
    expect(s.exitCode(p.tty)).toBe(137);
  });

  test('messages sent during and after a move arrive once, in order', () => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'sink');
    const N = 60;
    const sender = s.spawn('h3', 'script', [JSON.stringify(Array.from({ length: N }, (_, n) => ['send', p.pid, { type: 'msg', n }]))]);
    s.advance(20);
    migrate(s, p.pid, 'h1', 'h2', 'flush');
    s.advance(30);
    migrate(s, p.pid, 'h2', 'h1', 'copy');
    s.settle();
    const got = emitted(s, p.pid, 'got').map((g) => (g.event as { n: number }).n);
    expect(got).toEqual(Array.from({ length: N }, (_, n) => n));
    expect(emitted(s, sender.pid, 'result').every((r) => r.ok)).toBe(true);
  });

  test('a target without the program refuses; the process keeps running on the source', () => {
    const fs = memFs();
    const s = new SimCluster({ hosts: ['h1', { id: 'h2', registry: new ProgramRegistry([sink, spinner]) }], registry: allPrograms(), fs: fs.fs });
    const p = s.spawn('h1', 'pager', ['10', '5', '100']);
    s.advance(150);
    const rec = migrate(s, p.pid, 'h1', 'h2', 'flush');
    expect(rec.outcome).toBe('aborted');
    expect(rec.error?.code).toBe('ENOPROG');
    expect(s.whereIs(p.pid)).toBe('h1');
    s.settle();
    expect(steps(s, p.pid).map((x) => x.sum)).toEqual([10, 20, 30, 40, 50]);
  });

  test('a target that dies mid-transfer: the migration aborts and the process resumes on the source', () => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '6', '100']);
    s.advance(150);
    const pending = s.request(s.subject('h1', 'migrate'), { pid: p.pid, to: 'h2', strategy: 'copy' }, 60_000);
    // Let the offer through, then crash the target while pages are on their way.
    while (!s.requests.some((r) => r.subject === 'wisp.default.host.h2.pages')) s.step();
    s.removeHost('h2');
    s.advance(10_000);
    expect(pending.answer?.ok && (pending.answer.value as MigrationRecord).outcome).toBe('aborted');
    s.settle();
    // It ran on at the source (its exit came from h1).
    expect(s.eventsOf('proc.exit').find((e) => e.data.pid === p.pid)?.host).toBe('h1');
    expect(steps(s, p.pid).map((x) => x.sum)).toEqual(Array.from({ length: 6 }, (_, i) => PAGES * (i + 1)));
    expect(s.exitCode(p.tty)).toBe(0);
  });

  test('evict sends every foreign process home and answers when the last has left', () => {
    const { sim: s } = sim();
    const a = s.spawn('h1', 'pager', ['20', '6', '100'], { on: 'h3' });
    const b = s.spawn('h2', 'sink', [], { on: 'h3' });
    const own = s.spawn('h3', 'sink');
    s.advance(150);
    const r = s.call('h3', 'evict', {});
    expect(r.ok && { ...(r.value as { moved: string[] }), moved: (r.value as { moved: string[] }).moved.sort() }).toMatchObject({ moved: [a.pid, b.pid], stayed: [] });
    expect(s.whereIs(a.pid)).toBe('h1');
    expect(s.whereIs(b.pid)).toBe('h2');
    expect(s.whereIs(own.pid)).toBe('h3');
    expect(s.eventsOf('host.evicted', 'h3')).toHaveLength(1);
    s.settle();
    expect(steps(s, a.pid).map((x) => x.sum)).toEqual([20, 40, 60, 80, 100, 120]);
    // Nothing foreign left: answered at once.
    const again = s.call('h3', 'evict', {});
    expect(again.ok && again.value).toMatchObject({ moved: [], stayed: [] });
  });

  test('bad migrate requests get clear errors', () => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'pager', ['1', '3', '100']);
    const err = (host: string, body: unknown) => {
      const a = s.call(host, 'migrate', body);
      return a.ok ? 'ok' : a.error.code;
    };
    expect(err('h2', { pid: p.pid, to: 'h3' })).toBe('ESRCH');
    expect(err('h1', { pid: p.pid, to: 'h1' })).toBe('EINVAL');
    expect(err('h1', { pid: p.pid, to: 'h2', strategy: 'teleport' })).toBe('EINVAL');
    expect(err('h1', { pid: p.pid, to: 'h9' })).toBe('ok'); // answered with an aborted record
    expect(s.whereIs(p.pid)).toBe('h1');
  });
});

describe('migration progress (proc.moving)', () => {
  test.each(['flush', 'copy'] as Strategy[])('%s: the source reports pages acknowledged against the total, at most 21 a step, ending at the total', (strategy) => {
    const { sim: s } = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES * 4), '10', '100']);
    s.advance(350);
    const rec = migrate(s, p.pid, 'h1', 'h2', strategy);
    const moving = s.eventsOf('proc.moving', 'h1').map((e) => e.data as { pid: string; to: string; step: string; pages: number; totalPages: number; bytes: number; totalBytes: number });
    expect(moving.length).toBeGreaterThanOrEqual(2);
    expect(moving.length).toBeLessThanOrEqual(21);
    expect(moving[0]).toMatchObject({ pid: p.pid, to: 'h2', step: strategy === 'flush' ? 'flush' : 'pages', pages: 0 });
    const last = moving.at(-1)!;
    expect(last.pages).toBe(last.totalPages);
    expect(last.bytes).toBe(last.totalBytes);
    expect(last.totalPages).toBe(rec.pages);
    // Never backwards.
    for (let i = 1; i < moving.length; i++) expect(moving[i]!.pages).toBeGreaterThanOrEqual(moving[i - 1]!.pages);
    if (strategy === 'copy') expect(moving.length).toBeGreaterThan(2);
  });
});

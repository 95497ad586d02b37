import { describe, expect, it } from 'vitest';
import type { MigrationRecord } from '@wisp/protocol';
import type { ClusterEvent } from '@wisp/runtime';
import { frameLines } from '../src/top/topScreen.js';
import { applyEvent, applyReport, initialTop, pressKey, topRows, type TopState } from '../src/top/topView.js';

const start = (): TopState =>
  initialTop({
    hosts: ['h2', 'h1', 'h10'],
    procs: [{ pid: 'h1-1', program: 'life', home: 'h1', host: 'h1', parent: null, state: 'sleeping' }],
    migd: null,
    now: 1000,
  });

const ev = (kind: string, host: string, data: Record<string, unknown>, at = 2000): ClusterEvent => ({ kind, host, at, data });

const record = (over: Partial<MigrationRecord> = {}): MigrationRecord => ({
  pid: 'h1-1', from: 'h1', to: 'h2', strategy: 'flush', outcome: 'committed', freezeMs: 3.5, totalMs: 9, bytes: 2 << 20, pages: 512, precopyRounds: 0, streams: 0, residual: [], ...over,
});

describe('wisp top view model', () => {
  it('lists hosts in natural order and the start-up processes', () => {
    const r = topRows(start(), 1000);
    expect(r.hosts.map((h) => h[0])).toEqual(['h1', 'h2', 'h10']);
    expect(r.procs).toEqual([['h1-1', 'life', 'h1', 'h1', 'sleeping', '-']]);
  });

  it('a migration moves the process, is listed with its freeze ms and strategy, and scrolls into the events', () => {
    let s = applyEvent(start(), ev('proc.migrating', 'h1', { pid: 'h1-1', from: 'h1', to: 'h2', strategy: 'lazy' }));
    expect(topRows(s, 2000).procs[0]![4]).toBe('migrating');
    const before = s.events.length;
    s = applyEvent(s, ev('proc.moving', 'h1', { pid: 'h1-1', to: 'h2', strategy: 'lazy', step: 'pages', round: 0, pages: 96, totalPages: 192, bytes: 0, totalBytes: 0 }));
    expect(topRows(s, 2000).procs[0]![4]).toBe('migrating 50%');
    expect(s.events.length).toBe(before);
    s = applyEvent(s, ev('proc.migrated', 'h1', record({ strategy: 'lazy', residual: ['h1'] }) as unknown as Record<string, unknown>));
    const r = topRows(s, 2000);
    expect(r.procs[0]).toEqual(['h1-1', 'life', 'h1', 'h2', 'running', 'h1']);
    expect(r.migrations[0]!.slice(0, 6)).toEqual(['h1-1', 'h1', 'h2', 'lazy', 'committed', '3.5 ms']);
    expect(r.events.at(-1)).toContain('h1-1 h1 → h2 (lazy) committed, freeze 3.5 ms');
    // The lazy pull ends: no residual dependency left.
    s = applyEvent(s, ev('proc.residual', 'h2', { pid: 'h1-1', host: 'h2', residual: [], from: 'h1' }));
    expect(topRows(s, 2000).procs[0]![5]).toBe('-');
  });

  it('an aborted migration leaves the process where it was', () => {
    const s = applyEvent(start(), ev('proc.migrated', 'h1', record({ outcome: 'aborted' }) as unknown as Record<string, unknown>));
    expect(topRows(s, 2000).procs[0]![3]).toBe('h1');
    expect(topRows(s, 2000).migrations[0]![4]).toBe('aborted');
  });

  it('reports give idle time, load and foreign processes; the owner is idle past migd’s threshold', () => {
    let s = initialTop({ hosts: ['h1'], procs: [], migd: { hosts: [], config: { idleAfterMs: 5000, loadBelow: 1, staleAfterMs: 3000, leaseMs: 30000 }, startedAt: 0 }, now: 0 });
    s = applyReport(s, { host: 'h1', idleMs: 4000, load: 2, foreign: ['h2-3'] }, 10_000);
    expect(topRows(s, 10_000).hosts[0]).toEqual(['h1', 'active', '4.0 s', '2', 'h2-3', '-']);
    // Between reports the idle time grows with the clock.
    expect(topRows(s, 11_500).hosts[0]!.slice(1, 3)).toEqual(['idle', '5.5 s']);
  });

  it('grants come and go with migd’s events', () => {
    let s = applyEvent(start(), ev('migd.grant', 'h2', { holder: 'pmake-1' }));
    expect(topRows(s, 0).hosts.find((h) => h[0] === 'h2')![5]).toBe('pmake-1');
    s = applyEvent(s, ev('migd.reclaim', 'h2', { holder: 'pmake-1', reason: 'owner' }));
    expect(topRows(s, 0).hosts.find((h) => h[0] === 'h2')![5]).toBe('-');
  });

  it('starts and exits change the process table; old exited ones are dropped', () => {
    let s = start();
    for (let i = 2; i <= 9; i++) {
      s = applyEvent(s, ev('proc.start', 'h2', { pid: `h2-${i}`, program: 'counter', home: 'h2', host: 'h2', parent: null }));
      s = applyEvent(s, ev('proc.exit', 'h2', { pid: `h2-${i}`, code: 0, host: 'h2' }));
    }
    const procs = topRows(s, 0).procs;
    expect(procs.filter((p) => p[4] === 'exited(0)').map((p) => p[0])).toEqual(['h2-5', 'h2-6', 'h2-7', 'h2-8', 'h2-9']);
    expect(procs.some((p) => p[0] === 'h1-1')).toBe(true);
  });

  it('s cycles the sort column; h and 1-9 filter by host; 0 shows all', () => {
    let s = applyEvent(start(), ev('proc.start', 'h2', { pid: 'h2-1', program: 'alpha', home: 'h2', host: 'h10', parent: null }));
    expect(topRows(s, 0).procs.map((p) => p[0])).toEqual(['h1-1', 'h2-1']);
    s = pressKey(s, 's')!; // program
    expect(s.sort).toBe('program');
    expect(topRows(s, 0).procs.map((p) => p[0])).toEqual(['h2-1', 'h1-1']);
    s = pressKey(s, 'h')!;
    expect(topRows(s, 0).status).toContain('host: h1');
    expect(topRows(s, 0).procs.map((p) => p[0])).toEqual(['h1-1']);
    s = pressKey(s, '3')!;
    expect(topRows(s, 0).hosts.map((h) => h[0])).toEqual(['h10']);
    expect(topRows(s, 0).procs.map((p) => p[0])).toEqual(['h2-1']);
    s = pressKey(s, 'h')!; // past the last host: all again
    expect(s.hostFilter).toBeNull();
    expect(pressKey(s, 'x')).toBeNull();
  });

  it('a frame fits the screen and keeps the newest events', () => {
    let s = start();
    for (let i = 0; i < 50; i++) s = applyEvent(s, ev('host.reconnected', 'h1', { downMs: i }));
    const lines = frameLines(topRows(s, 0), 'wisp top', { columns: 60, rows: 20, bold: false });
    expect(lines.length).toBe(20);
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    expect(lines.at(-1)).toContain('downMs=49');
  });
});

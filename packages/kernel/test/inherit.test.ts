import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { allPrograms, scriptResults } from './helpers.js';
import { memFs } from './memFs.js';
import { SimCluster, type SimFs } from './simCluster.js';
import type { ScriptStep } from './programs.js';

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

function sim(fs: SimFs): SimCluster {
  return new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), fs });
}

/** The fd table of a process running on `host`. */
function fdsOf(s: SimCluster, host: string, pid: string): Map<number, string> | undefined {
  const p = s.kernel(host).view().procs.find((q) => q.pid === pid);
  return p ? new Map(p.fds) : undefined;
}

/** Runs `script` with `steps` homed on h1 (running on `on`); returns its results and the child's. */
function runParent(s: SimCluster, steps: ScriptStep[], on?: string) {
  const p = s.spawn('h1', 'script', [JSON.stringify(steps)], on ? { on } : {});
  s.run();
  const results = scriptResults(s, p.pid);
  const spawn = results.find((r) => r.call === 'spawn');
  const child = spawn?.ok ? (spawn.value as { pid: string; host: string }) : null;
  return { p, results, child, code: s.exitCode(p.tty, p.pid) };
}

describe('fd inheritance across spawn', () => {
  it("the child starts with the parent's fds, dup'ed for the child's host", () => {
    const m = memFs();
    const s = sim(m.fs);
    const { child, code } = runParent(s, [
      ['open', '/a', 'w'],
      ['open', '/b', 'w'],
      ['open', '/c', 'w'],
      ['close', 4],
      ['spawn', 'sink', [], { on: 'h2' }],
    ]);
    expect(code).toBe(0);
    expect(child).toMatchObject({ host: 'h2' });
    expect(fdsOf(s, 'h2', child!.pid)).toEqual(
      new Map([
        [3, 'fs1:1'],
        [5, 'fs1:3'],
      ]),
    );
    // One dup per stream, made by the parent's host, naming the child's host.
    expect(s.fsOps.filter((o) => o.op === 'dup').map((o) => [o.host, ...o.args])).toEqual([
      ['h1', 'fs1:1', 'h2'],
      ['h1', 'fs1:3', 'h2'],
    ]);
    // The parent ended and closed its references; the child's keep the streams open.
    expect([...m.streams.keys()].sort()).toEqual(['fs1:1', 'fs1:3']);
    expect([...m.streams.values()].map((x) => x.refs)).toEqual([1, 1]);
  });

  it('parent and child share the offset; the child closing its fd leaves the parent’s open', () => {
    const m = memFs();
    const s = sim(m.fs);
    const childSteps: ScriptStep[] = [
      ['write', 3, 'child\n'],
      ['close', 3],
      ['write', 3, 'x'],
    ];
    const { results, child, code } = runParent(s, [
      ['open', '/log', 'a'],
      ['write', 3, 'parent\n'],
      ['spawn', 'script', [JSON.stringify(childSteps)], { on: 'h2' }],
      ['wait', '$child'],
      ['write', 3, 'parent again\n'],
      ['close', 3],
    ]);
    expect(code).toBe(0);
    expect(results.map((r) => (r.ok ? 'ok' : r.error!.code))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(scriptResults(s, child!.pid).map((r) => (r.ok ? r.value : r.error!.code))).toEqual([6, null, ErrorCode.EBADF]);
    // The child's write went at the parent's offset, and the parent's later write after it.
    expect(text(m.files.get('/log'))).toBe('parent\nchild\nparent again\n');
    expect(s.fsOps.filter((o) => o.op === 'write').map((o) => [o.host, o.args[0]])).toEqual([
      ['h1', 'fs1:1'],
      ['h2', 'fs1:1'],
      ['h1', 'fs1:1'],
    ]);
    expect(m.streams.size).toBe(0);
  });

  it("without `on` the dups name the parent's home, also when the parent runs away from home", () => {
    const m = memFs();
    const s = sim(m.fs);
    const childSteps: ScriptStep[] = [['write', 3, 'c']];
    const { child, code } = runParent(
      s,
      [
        ['open', '/f', 'w'],
        ['spawn', 'script', [JSON.stringify(childSteps)], {}],
        ['wait', '$child'],
        ['write', 3, 'p'],
      ],
      'h2',
    );
    expect(code).toBe(0);
    expect(child).toMatchObject({ host: 'h1' });
    expect(s.fsOps.filter((o) => o.op === 'dup').map((o) => [o.host, ...o.args])).toEqual([['h2', 'fs1:1', 'h1']]);
    expect(s.fsOps.filter((o) => o.op === 'write').map((o) => o.host)).toEqual(['h1', 'h2']);
    expect(text(m.files.get('/f'))).toBe('cp');
    expect(m.streams.size).toBe(0);
  });

  it('a failed dup fails the spawn with its error and closes the dups that succeeded', () => {
    const m = memFs({ failDup: ['fs1:2'] });
    const s = sim(m.fs);
    const { results, code } = runParent(s, [
      ['open', '/a', 'w'],
      ['open', '/b', 'w'],
      ['spawn', 'sink', [], { on: 'h2' }],
      ['write', 3, 'still open'],
    ]);
    expect(code).toBe(0);
    expect(results.map((r) => (r.ok ? 'ok' : r.error!.code))).toEqual(['ok', 'ok', ErrorCode.EIO, 'ok']);
    expect(s.eventsOf('proc.start').map((e) => e.data.program)).toEqual(['script']);
    expect(s.requests.some((r) => r.subject.endsWith('.create'))).toBe(false);
    // fs1:1 was dup'ed, then closed again; the parent's own closes follow at exit.
    const ops = s.fsOps.map((o) => [o.op, o.args[0]]);
    expect(ops.slice(2)).toEqual([
      ['dup', 'fs1:1'],
      ['dup', 'fs1:2'],
      ['close', 'fs1:1'],
      ['write', 'fs1:1'],
      ['close', 'fs1:1'],
      ['close', 'fs1:2'],
    ]);
    expect(text(m.files.get('/a'))).toBe('still open');
    expect(m.streams.size).toBe(0);
  });

  it('a process may not pass fds to sys.spawn itself', () => {
    const m = memFs();
    const s = sim(m.fs);
    const { results } = runParent(s, [['spawn', 'sink', [], { fds: { 3: 'fs1:1' } }]]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: ErrorCode.EINVAL } });
    expect(s.eventsOf('proc.start')).toHaveLength(1);
  });

  it('a process may not claim a migd grant in sys.spawn itself', () => {
    const s = sim(memFs().fs);
    const { results } = runParent(s, [['spawn', 'sink', [], { on: 'h2', grant: 'h1-1' }]]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: ErrorCode.EINVAL, message: expect.stringContaining('grant') } });
    expect(s.eventsOf('proc.start')).toHaveLength(1);
  });

  it('spawn anywhere with open fds and no migd: the child starts at home with the fds', () => {
    const m = memFs();
    const s = sim(m.fs);
    const { results } = runParent(s, [
      ['open', '/a', 'w'],
      ['spawn', 'sink', [], { anywhere: true }],
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[1]!.value).toMatchObject({ host: 'h1' });
    expect(s.fsOps.map((o) => o.op).slice(0, 2)).toEqual(['open', 'dup']);
  });

  it("a spawn that fails after the dups closes the child's streams", () => {
    const m = memFs();
    const s = sim(m.fs);
    const { results } = runParent(s, [
      ['open', '/a', 'w'],
      ['spawn', 'no-such-program', [], { on: 'h2' }],
      ['write', 3, 'ok'],
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error!.code))).toEqual(['ok', ErrorCode.ENOPROG, 'ok']);
    expect(s.fsOps.map((o) => o.op)).toEqual(['open', 'dup', 'close', 'write', 'close']);
    expect(text(m.files.get('/a'))).toBe('ok');
    expect(m.streams.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { allPrograms, bareKernel, scriptResults } from './helpers.js';
import { memFs } from './memFs.js';
import { SimCluster, type SimFs } from './simCluster.js';
import type { ScriptStep } from './programs.js';

function runScript(steps: ScriptStep[], fs?: SimFs) {
  const sim = new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), ...(fs ? { fs } : {}) });
  const p = sim.spawn('h1', 'script', [JSON.stringify(steps)]);
  sim.run();
  return { sim, p, results: scriptResults(sim, p.pid), code: sim.exitCode(p.tty, p.pid) };
}

describe('file calls', () => {
  it('open, write, seek, read and close go to the file system as fs effects', () => {
    const m = memFs();
    const { sim, results, code } = runScript(
      [
        ['open', '/a.txt', 'w+'],
        ['write', 3, 'héllo'],
        ['seek', 3, 1, 'set'],
        ['read', 3, 100],
        ['read', 3, 100],
        ['stat', '/a.txt'],
        ['close', 3],
      ],
      m.fs,
    );
    expect(results.map((r) => [r.call, r.ok, r.value])).toEqual([
      ['open', true, 3],
      ['write', true, 6],
      ['seek', true, 1],
      ['read', true, 'éllo'],
      ['read', true, ''],
      ['stat', true, { type: 'file', size: 6, version: 1 }],
      ['close', true, null],
    ]);
    expect(code).toBe(0);
    expect(new TextDecoder().decode(m.files.get('/a.txt'))).toBe('héllo');
    // Streams resolved from fds; the write carries bytes.
    expect(sim.fsOps.map((o) => o.op)).toEqual(['open', 'write', 'seek', 'read', 'read', 'stat', 'close']);
    expect(sim.fsOps[1]!.args).toEqual(['fs1:1', new TextEncoder().encode('héllo')]);
    expect(m.streams.size).toBe(0);
  });

  it('an unknown fd is EBADF and the process keeps running', () => {
    const m = memFs();
    const { sim, results, code } = runScript(
      [
        ['read', 3, 10],
        ['write', 7, 'x'],
        ['seek', 4, 0, 'end'],
        ['close', 3],
        ['open', '/b', 'w'],
        ['close', 3],
        ['close', 3],
        ['getpid'],
      ],
      m.fs,
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.error!.code))).toEqual(['EBADF', 'EBADF', 'EBADF', 'EBADF', 'ok', 'ok', 'EBADF', 'ok']);
    expect(code).toBe(0);
    expect(sim.fsOps.map((o) => o.op)).toEqual(['open', 'close']);
  });

  it('open takes the lowest free fd ≥ 3', () => {
    const m = memFs();
    const { results } = runScript(
      [
        ['open', '/a', 'w'],
        ['open', '/b', 'w'],
        ['open', '/c', 'w'],
        ['close', 4],
        ['open', '/d', 'w'],
        ['close', 3],
        ['open', '/e', 'w'],
        ['open', '/f', 'w'],
      ],
      m.fs,
    );
    expect(results.filter((r) => r.call === 'open').map((r) => r.value)).toEqual([3, 4, 5, 4, 3, 6]);
  });

  it('a failed open takes no fd and passes the error code on', () => {
    const m = memFs();
    const { results } = runScript([['open', '/missing', 'r'], ['open', '/x', 'w']], m.fs);
    expect(results.map((r) => (r.ok ? r.value : r.error!.code))).toEqual([ErrorCode.ENOENT, 3]);
  });

  it('streams still open when the process ends are closed', () => {
    const m = memFs();
    const { sim, code } = runScript([['open', '/a', 'w'], ['open', '/b', 'w'], ['write', 4, 'x']], m.fs);
    expect(code).toBe(0);
    expect(sim.fsOps.filter((o) => o.op === 'close').map((o) => o.args)).toEqual([['fs1:1'], ['fs1:2']]);
    expect(m.streams.size).toBe(0);
  });

  it('bad file-call arguments are EINVAL', () => {
    const m = memFs();
    const { results } = runScript([['open', '/a', 'rw'], ['open', '', 'r'], ['seek', 3, 0, 'middle'], ['stat', 5]], m.fs);
    expect(results.map((r) => r.error?.code)).toEqual([ErrorCode.EINVAL, ErrorCode.EINVAL, ErrorCode.EINVAL, ErrorCode.EINVAL]);
  });

  it('without a file system file calls are ENOSYS; console fds still go home', () => {
    const { results, sim, p } = runScript([['open', '/a', 'w'], ['write', 1, 'hi\n']]);
    expect(results.map((r) => (r.ok ? r.value : r.error!.code))).toEqual([ErrorCode.ENOSYS, 3]);
    expect(sim.output(p.tty, 1, p.pid)).toBe('hi\n');
  });

  it('a stream opened for a process that has ended is closed (bare kernel)', () => {
    const k = bareKernel();
    k.handle({ type: 'request', verb: 'spawn', body: { program: 'script', args: [JSON.stringify([['open', '/a', 'w']])] }, replyTo: 'r', now: 0 });
    k.run(0);
    const effects = k.takeEffects();
    const pid = (effects.find((e) => e.type === 'reply') as { value: { pid: string } }).value.pid;
    const open = effects.find((e) => e.type === 'fs');
    expect(open).toMatchObject({ type: 'fs', op: 'open', args: ['/a', 'w'] });
    k.handle({ type: 'request', verb: 'kill', body: { pid, signal: 'KILL' }, replyTo: null, now: 1 });
    k.takeEffects();
    k.handle({ type: 'response', token: (open as { token: number }).token, ok: true, value: { stream: 'fs1:9' }, now: 2 });
    expect(k.takeEffects()).toEqual([expect.objectContaining({ type: 'fs', op: 'close', args: ['fs1:9'] })]);
  });
});

import { describe, expect, it } from 'vitest';
import { fsMethodArgs } from '../src/index.js';
import { allPrograms } from './helpers.js';
import { memFs } from './memFs.js';
import { SimCluster } from './simCluster.js';

describe('file operations carry the fence of their process', () => {
  it('fsMethodArgs puts the fence last, after the method’s own arguments (defaults left undefined)', () => {
    const f = { pid: 'h1-1', epoch: 3 };
    expect(fsMethodArgs('seek', ['fs1:3', 5], f)).toEqual(['fs1:3', 5, undefined, f]);
    expect(fsMethodArgs('open', ['/a', 'w'], f)).toEqual(['/a', 'w', undefined, f]);
    expect(fsMethodArgs('move', ['fs1:3', 'h2'], f)).toEqual(['fs1:3', 'h2', undefined, f]);
    expect(fsMethodArgs('write', ['fs1:3', new Uint8Array(1)], f)).toEqual(['fs1:3', new Uint8Array(1), f]);
    expect(fsMethodArgs('close', ['fs1:3'], undefined)).toEqual(['fs1:3']);
  });

  it('file calls, the move of streams, page-outs and page-ins carry (pid, epoch): epoch 1 on the source, 2 after the move', () => {
    const fs = memFs();
    const s = new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), fs: fs.fs });
    const p = s.spawn('h1', 'pager', ['3', '6', '100']);
    s.advance(250);
    const a = s.call('h1', 'migrate', { pid: p.pid, to: 'h2', strategy: 'flush' });
    expect(a.ok && (a.value as { outcome: string }).outcome).toBe('committed');
    s.settle();
    expect(s.exitCode(p.tty)).toBe(0);
    const ops = s.fsOps.filter((o) => o.args[0] === `/.wisp/swap/${p.pid}`).map((o) => [o.host, o.op, o.fence]);
    expect(ops[0]).toEqual(['h1', 'pageOut', { pid: p.pid, epoch: 1 }]);
    expect(ops).toContainEqual(['h2', 'pageIn', { pid: p.pid, epoch: 2 }]);
    // At exit on h2, its backing file is dropped at the newest epoch.
    expect(ops.at(-1)).toEqual(['h2', 'dropPages', { pid: p.pid, epoch: 2 }]);
    expect(ops.every(([host, , f]) => (f as { epoch: number }).epoch === (host === 'h1' ? 1 : 2))).toBe(true);
  });

  it("a process's own file calls are fenced with its epoch", () => {
    const fs = memFs();
    const s = new SimCluster({ hosts: ['h1'], registry: allPrograms(), fs: fs.fs });
    const p = s.spawn('h1', 'script', [JSON.stringify([['open', '/a', 'w'], ['write', 3, 'x'], ['close', 3]])]);
    s.run();
    expect(s.fsOps.map((o) => [o.op, o.fence])).toEqual([
      ['open', { pid: p.pid, epoch: 1 }],
      ['write', { pid: p.pid, epoch: 1 }],
      ['close', { pid: p.pid, epoch: 1 }],
    ]);
  });
});

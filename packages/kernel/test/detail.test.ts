import { describe, expect, test } from 'vitest';
import type { ProcDetail } from '@wisp/protocol';
import { SimCluster } from './simCluster.js';
import { allPrograms } from './helpers.js';
import { memFs } from './memFs.js';

function sim(): SimCluster {
  return new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), fs: memFs().fs });
}

describe('detail: one process as the dashboard shows it', () => {
  test('its machine outline, active state, memory, from the host running it', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', ['8', '5', '100']);
    s.advance(150);
    const a = s.call('h1', 'detail', { pid: p.pid });
    expect(a.ok).toBe(true);
    const d = (a as { value: ProcDetail }).value;
    expect(d).toMatchObject({ pid: p.pid, program: 'pager', home: 'h1', host: 'h1', state: 'sleeping', active: ['sleeping'], residual: [], fds: [] });
    expect(d.memory).toMatchObject({ pageSize: 4096, bytes: 8 * 4096, pages: 8, resident: 8 });
    expect(d.machine.states.map((x) => x.path)).toEqual(['', 'growing', 'sleeping', 'stepped', 'done']);
    expect(d.machine.states.find((x) => x.path === 'growing')?.initial).toBe(true);
    expect(d.machine.transitions).toContainEqual({ from: 'sleeping', event: 'sys.result', to: 'stepped' });
    expect(d.machine.transitions).toContainEqual({ from: 'stepped', event: 'always', to: 'done' });

    // After a flush the target starts with no resident page: they fault in as the program touches them.
    expect(s.call('h1', 'migrate', { pid: p.pid, to: 'h2', strategy: 'flush' }).ok).toBe(true);
    const there = s.call('h2', 'detail', { pid: p.pid });
    expect(there.ok && (there.value as ProcDetail)).toMatchObject({ host: 'h2', home: 'h1', memory: { bytes: 8 * 4096, pages: 8, resident: 0 } });
    const gone = s.call('h1', 'detail', { pid: p.pid });
    expect(gone.ok ? null : gone.error.code).toBe('ESRCH');
  });
});

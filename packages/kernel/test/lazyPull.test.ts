import { describe, expect, test } from 'vitest';
import type { MigrationRecord } from '@wisp/protocol';
import { SimCluster } from './simCluster.js';
import { allPrograms } from './helpers.js';
import { memFs } from './memFs.js';

const PAGES = 1000;

describe('lazy migration: what comes from the source after commit', () => {
  test('faults and the background pull bring every owed page once; proc.residual reports them', () => {
    const s = new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), fs: memFs().fs });
    const p = s.spawn('h1', 'pager', [String(PAGES), '6', '100']);
    s.advance(250);
    const a = s.call('h1', 'migrate', { pid: p.pid, to: 'h2', strategy: 'lazy' });
    expect(a.ok).toBe(true);
    const rec = (a as { value: MigrationRecord }).value;
    expect(rec).toMatchObject({ outcome: 'committed', residual: ['h1'] });
    // Nothing moved at the freeze but the image.
    expect(rec.pages).toBe(0);
    s.settle();
    expect(s.exitCode(p.tty)).toBe(0);
    const [released] = s.eventsOf('proc.residual', 'h2');
    expect(released?.data).toMatchObject({ pid: p.pid, residual: [], from: 'h1', pages: PAGES, bytes: PAGES * 4096 });
    const d = released!.data as { pulledPages: number; faultPages: number; pages: number };
    expect(d.pulledPages + d.faultPages).toBe(d.pages);
  });
});

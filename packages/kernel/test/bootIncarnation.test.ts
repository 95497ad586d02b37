import { describe, expect, test } from 'vitest';
import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { SimCluster } from './simCluster.js';
import { allPrograms, emitted } from './helpers.js';
import { memFs } from './memFs.js';

const PAGES = 20;
const STEPS = 6;

function sim() {
  return new SimCluster({ hosts: ['h1', 'h2'], registry: allPrograms(), fs: memFs().fs });
}
const steps = (s: SimCluster, pid: string) => emitted(s, pid, 'step') as { n: number; sum: number }[];

/**
 * Moves a running pager from h1 to h2 and restarts h2 at the exact point where it holds the
 * image and the commit is still on its way (the network held it back): the commit reaches the
 * new run. Returns the migration record `wisp migrate` would print.
 */
function restartBetweenTransferAndCommit(s: SimCluster, strategy: Strategy) {
  const p = s.spawn('h1', 'pager', [String(PAGES), String(STEPS), '100']);
  s.advance(150);
  const migrate = s.request(s.subject('h1', 'migrate'), { pid: p.pid, to: 'h2', strategy });
  const holdsImage = () => s.kernel('h2').view().targets.some((t) => t.pid === p.pid && t.hasImage);
  while (!holdsImage()) if (!s.step()) throw new Error('the image never reached h2');
  const commit = s.requests.filter((r) => r.subject === s.subject('h2', 'commit')).at(-1);
  expect(commit, 'the commit left with the image').toBeDefined();
  s.restartHost('h2');
  expect(s.kernel('h2').boot).toBe('h2#2');
  s.run();
  return { p, commit: commit!.body as { boot?: string }, record: migrate.value<MigrationRecord>() };
}

describe('boot incarnations: a target restarted between the transfer and the commit', () => {
  test('flush (the commit leaves with the image, no boot known yet): the new run says ESRCH, its boot says restart — EBOOT; the process runs on at h1, once', () => {
    const s = sim();
    const { p, commit, record } = restartBetweenTransferAndCommit(s, 'flush');
    expect(commit.boot).toBeUndefined();
    expect(record.outcome).toBe('aborted');
    expect(record.error).toEqual({ code: 'EBOOT', message: 'host h2 restarted since it took the image (boot h2#2 now, h2 then)' });
    // The new run never claimed it: the record is h1's again, one epoch on (the fence).
    expect(s.directory[p.pid]?.entry).toEqual({ host: 'h1', boot: 'h1', epoch: 2 });
    expect(s.logs.filter((l) => l.host === 'h1').map((l) => l.msg)).toContainEqual(expect.stringMatching(/^migration of h1-\d+ to h2 aborted: host h2 restarted since it took the image \(boot h2#2 now, h2 then\)$/));
    s.settle();
    expect(s.exitCode(p.tty)).toBe(0);
    expect(steps(s, p.pid)).toEqual(Array.from({ length: STEPS }, (_, i) => ({ type: 'step', n: i + 1, sum: PAGES * (i + 1) })));
  });

  test('copy (the pages answered first): the commit names the run that took them, and the new run refuses it EBOOT itself', () => {
    const s = sim();
    const { p, commit, record } = restartBetweenTransferAndCommit(s, 'copy');
    expect(commit.boot).toBe('h2');
    expect(record.outcome).toBe('aborted');
    expect(record.error).toEqual({ code: 'EBOOT', message: 'host h2 restarted since it took the image (boot h2#2 now, h2 then)' });
    expect(s.logs.filter((l) => l.host === 'h2').map((l) => l.msg)).toContainEqual(`commit of ${p.pid} refused: host h2 restarted since it took the image (boot h2#2 now, h2 then)`);
    expect(s.directory[p.pid]?.entry).toMatchObject({ host: 'h1', epoch: 2 });
    s.settle();
    expect(s.exitCode(p.tty)).toBe(0);
    expect(steps(s, p.pid).map((x) => x.n)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  });

  test('a host’s answers carry its boot; a restart changes it', () => {
    const s = sim();
    const before = s.call('h2', 'ps', {});
    s.restartHost('h2');
    const after = s.call('h2', 'ps', {});
    expect([before.boot, after.boot]).toEqual(['h2', 'h2#2']);
  });

  test('with no restart the commit names the target’s run (copy: its pages were answered first) and commits', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), String(STEPS), '100']);
    s.advance(150);
    const r = s.call('h1', 'migrate', { pid: p.pid, to: 'h2', strategy: 'copy' });
    expect(r.ok && (r.value as MigrationRecord).outcome).toBe('committed');
    const commit = s.requests.filter((x) => x.subject === s.subject('h2', 'commit')).at(-1);
    expect((commit?.body as { boot?: string } | undefined)?.boot).toBe('h2');
  });
});

import { describe, expect, test } from 'vitest';
import { SimCluster } from './simCluster.js';
import { allPrograms, emitted } from './helpers.js';
import { memFs } from './memFs.js';

const PAGES = 20;

function sim() {
  return new SimCluster({ hosts: ['h1', 'h2', 'h3'], registry: allPrograms(), fs: memFs().fs });
}
const steps = (s: SimCluster, pid: string) => emitted(s, pid, 'step') as { n: number; sum: number }[];

describe('the process directory', () => {
  test('a record opens at start (epoch 1), moves with each migration (epoch + 1) and closes at exit', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '6', '100']);
    expect(s.directory[p.pid]?.entry).toEqual({ host: 'h1', boot: 'h1', epoch: 1 });
    const r1 = s.directory[p.pid]!.revision;
    expect(s.call('h1', 'migrate', { pid: p.pid, to: 'h2', strategy: 'flush' }).ok).toBe(true);
    expect(s.directory[p.pid]!.entry).toEqual({ host: 'h2', boot: 'h2', epoch: 2 });
    expect(s.directory[p.pid]!.revision).toBeGreaterThan(r1);
    // The claim is a compare-and-set at the revision the commit named.
    const claim = s.directoryOps.find((o) => o.op.op === 'update' && o.host === 'h2');
    expect(claim?.op).toMatchObject({ pid: p.pid, revision: r1, entry: { host: 'h2', epoch: 2 } });
    expect(s.call('h2', 'migrate', { pid: p.pid, to: 'h3', strategy: 'copy' }).ok).toBe(true);
    expect(s.directory[p.pid]!.entry).toMatchObject({ host: 'h3', epoch: 3 });
    s.settle();
    expect(s.exitCode(p.tty)).toBe(0);
    expect(s.directory[p.pid]).toBeUndefined();
  });

  test('a migration is refused (EAGAIN) until the record exists, and works once it does', () => {
    const s = sim();
    s.directoryDown = true;
    const p = s.spawn('h1', 'pager', [String(PAGES), '3', '1000']);
    const refused = s.call('h1', 'migrate', { pid: p.pid, to: 'h2' });
    expect(!refused.ok && refused.error.code).toBe('EAGAIN');
    s.directoryDown = false;
    // The host tries the create again after a pause.
    s.advance(1000);
    expect(s.directory[p.pid]?.entry.host).toBe('h1');
    expect(s.call('h1', 'migrate', { pid: p.pid, to: 'h2' }).ok).toBe(true);
    s.settle();
    expect(steps(s, p.pid).map((x) => x.sum)).toEqual([1, 2, 3].map((n) => n * PAGES));
  });

  test('a lapsed lease suspends every process; held again, the directory confirms them and they go on where they stopped', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '6', '100']);
    s.advance(250);
    expect(steps(s, p.pid).length).toBe(2);
    s.tell('h1', { type: 'lease', held: false });
    expect(s.eventsOf('host.suspended', 'h1')).toHaveLength(1);
    s.advance(1000);
    expect(steps(s, p.pid).length).toBe(2);
    // Not movable while suspended.
    const refused = s.call('h1', 'migrate', { pid: p.pid, to: 'h2' });
    expect(!refused.ok && refused.error.code).toBe('EAGAIN');
    s.tell('h1', { type: 'lease', held: true });
    s.settle();
    expect(steps(s, p.pid)).toEqual(Array.from({ length: 6 }, (_, i) => ({ type: 'step', n: i + 1, sum: PAGES * (i + 1) })));
    expect(s.exitCode(p.tty)).toBe(0);
  });

  test('held again, a process whose record moved on meanwhile is let go, not run twice', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '6', '100']);
    s.advance(150);
    s.tell('h1', { type: 'lease', held: false });
    // Meanwhile the cluster gave it to another run (as a failover would): a newer epoch.
    s.directory = { ...s.directory, [p.pid]: { entry: { host: 'h3', boot: 'h3', epoch: 2 }, revision: 99 } };
    s.tell('h1', { type: 'lease', held: true });
    s.run();
    expect(s.eventsOf('proc.fenced', 'h1').map((e) => e.data.pid)).toEqual([p.pid]);
    const ps = s.call('h1', 'ps', {});
    expect(ps.ok && (ps.value as { procs: { pid: string }[] }).procs.map((x) => x.pid)).not.toContain(p.pid);
    s.advance(1000);
    expect(steps(s, p.pid).length).toBe(1);
  });
});

describe('fencing: effects carry (pid, epoch)', () => {
  test('the home refuses a forwarded call from an older epoch than it has seen, and messages from an older epoch of a sender are refused', () => {
    const s = sim();
    const p = s.spawn('h1', 'pager', [String(PAGES), '40', '100'], { on: 'h2' });
    s.advance(150);
    // Started on h2 (epoch 1), it moves on to h3 (epoch 2).
    expect(s.call('h2', 'migrate', { pid: p.pid, to: 'h3', strategy: 'copy' }).ok).toBe(true);
    s.advance(250);
    const epoch = s.directory[p.pid]!.entry.epoch;
    // The copy on h3 calls home (epoch 2); then one at epoch 1 — the copy left behind on h2 — is refused.
    expect(s.call('h1', 'syscall', { pid: p.pid, call: 'time', args: [], epoch }).ok).toBe(true);
    const stale = s.call('h1', 'syscall', { pid: p.pid, call: 'time', args: [], epoch: epoch - 1 });
    expect(!stale.ok && stale.error.code).toBe('ESTALE');
    expect(epoch).toBe(2);

    const from = 'h9-1';
    expect(s.send(p.pid, { type: 'msg', n: 1 }, from, 2).answer).toBeUndefined();
    s.run();
    const again = s.send(p.pid, { type: 'msg', n: 2 }, from, 1);
    s.run();
    expect(!again.answer!.ok && again.answer!.error.code).toBe('ESTALE');
  });
});

test('an eviction of a process whose record is not written yet waits for it, then sends it home', () => {
  const s = sim();
  s.directoryDown = true;
  const p = s.spawn('h1', 'pager', [String(PAGES), '3', '1000'], { on: 'h2' });
  const evict = s.request(s.subject('h2', 'evict'), {});
  s.run();
  expect(evict.answer).toBeUndefined();
  s.directoryDown = false;
  s.advance(1000);
  expect(evict.answer?.ok && evict.answer.value).toMatchObject({ moved: [p.pid], stayed: [] });
  expect(s.directory[p.pid]?.entry.host).toBe('h1');
});

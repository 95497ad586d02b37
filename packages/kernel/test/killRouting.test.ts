import { describe, expect, test } from 'vitest';
import { allPrograms, cluster, scriptResults } from './helpers.js';
import { memFs } from './memFs.js';
import type { ScriptStep } from './programs.js';
import { SimCluster } from './simCluster.js';

const steps = (...s: ScriptStep[]) => [JSON.stringify(s)];

/** Long enough for every retry of a kill to be answered by the kernel, not by the client's deadline. */
const PATIENT_MS = 600_000;

/** The signal requests sent to `host` since request `since`. */
const signalsTo = (sim: SimCluster, host: string, since: number) => sim.requests.slice(since).filter((r) => r.subject === sim.subject(host, 'signal'));

/** The directory reads of `pid` since virtual time `at`, with their answers. */
const dirReads = (sim: SimCluster, pid: string, at: number) => sim.directoryOps.filter((o) => o.at >= at && o.op.op === 'get' && o.op.pid === pid);

/** Steps (jumping to the next timer when idle) until `done`; fails if the sim goes quiet first. */
function until(sim: SimCluster, done: () => boolean): void {
  while (!done()) expect(sim.step() || sim.jumpToNextTimer()).toBe(true);
}

describe('kill routing when nobody answers: the directory decides', () => {
  test("a kill of a live process whose home is down reaches the host running it, by the directory's record", () => {
    const sim = cluster('h1', 'h2', 'h3');
    const p = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h2' });
    const q = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h3' });
    sim.removeHost('h1');
    const since = sim.requests.length;
    const t0 = sim.now;
    expect(sim.call('h3', 'kill', { pid: p.pid, signal: 'TERM' })).toEqual({ ok: true, value: {}, boot: expect.any(String) });
    expect(sim.requests.slice(since, since + 3).map((r) => `${r.from} -> ${r.subject}`)).toEqual([
      'client -> wisp.default.host.h3.kill',
      'h3 -> wisp.default.host.h1.kill', // no responders: the home is down
      'h3 -> wisp.default.host.h2.signal', // where the directory says it runs
    ]);
    expect(dirReads(sim, p.pid, t0).map((o) => [o.host, o.answer.ok && (o.answer.value as { entry: { host: string } }).entry.host])).toEqual([['h3', 'h2']]);
    expect(sim.kernel('h2').view().procs.filter((x) => x.pid === p.pid && !x.done)).toEqual([]);
    expect(sim.whereIs(p.pid)).toBeUndefined();

    // A process's sys.kill takes the same way; here the record names the killer's own host.
    const killer = sim.spawn('h3', 'script', steps(['kill', q.pid, 'KILL']));
    sim.run();
    expect(scriptResults(sim, killer.pid)[0]).toMatchObject({ call: 'kill', ok: true });
    expect(sim.whereIs(q.pid)).toBeUndefined();
  });

  test('a signal to a host whose subscriptions are briefly gone is tried again while the record names it, and arrives once they are back', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h2' });
    const resubscribe = sim.cutHost('h2');
    const since = sim.requests.length;
    const t0 = sim.now;
    const kill = sim.request(sim.subject('h1', 'kill'), { pid: p.pid, signal: 'KILL' }, PATIENT_MS);
    until(sim, () => signalsTo(sim, 'h2', since).length >= 3);
    expect(kill.answer).toBeUndefined();
    // Each try that found nobody read the record, which still names h2.
    expect(dirReads(sim, p.pid, t0).every((o) => o.answer.ok && (o.answer.value as { entry: { host: string } }).entry.host === 'h2')).toBe(true);
    expect(dirReads(sim, p.pid, t0).length).toBeGreaterThanOrEqual(2);
    resubscribe();
    sim.run();
    until(sim, () => kill.answer !== undefined);
    expect(kill.answer).toMatchObject({ ok: true });
    sim.run();
    expect(sim.exitCode(p.tty)).toBe(137);
    expect(sim.whereIs(p.pid)).toBeUndefined();
  });

  test('a signal passed on to where a process just went, finding nobody there, is tried again while the record names that host', () => {
    const sim = new SimCluster({ hosts: ['h1', 'h2', 'h3'], registry: allPrograms(), fs: memFs().fs });
    const p = sim.spawn('h1', 'sink', [], { on: 'h2' });
    expect(sim.call('h2', 'migrate', { pid: p.pid, to: 'h3', strategy: 'copy' })).toMatchObject({ ok: true, value: { outcome: 'committed' } });
    const resubscribe = sim.cutHost('h3');
    const since = sim.requests.length;
    // As a home with an old idea of where it runs would: to the host it left.
    const signal = sim.request(sim.subject('h2', 'signal'), { pid: p.pid, signal: 'KILL' }, PATIENT_MS);
    until(sim, () => signalsTo(sim, 'h3', since).length >= 3);
    expect(signal.answer).toBeUndefined();
    expect(sim.requests[since + 1]).toMatchObject({ from: 'h2', subject: sim.subject('h3', 'signal') });
    resubscribe();
    until(sim, () => signal.answer !== undefined);
    expect(signal.answer).toMatchObject({ ok: true });
    sim.run();
    expect(sim.exitCode(p.tty)).toBe(137);
  });

  test('a signal to a host that is gone while the record still names it ends in EAGAIN, never ESRCH; once the record goes, ESRCH', () => {
    const sim = cluster('h1', 'h2');
    const p = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h2' });
    const q = sim.spawn('h1', 'sleeper', ['60000'], { on: 'h2' });
    sim.removeHost('h2');
    const since = sim.requests.length;
    const kill = sim.request(sim.subject('h1', 'kill'), { pid: p.pid, signal: 'KILL' }, PATIENT_MS);
    sim.settle();
    expect(kill.answer).toMatchObject({ ok: false, error: { code: 'EAGAIN', message: `${p.pid} runs on h2 (process directory) but nobody answers there` } });
    expect(signalsTo(sim, 'h2', since).length).toBeGreaterThan(10); // bounded retries, each with a pause

    // The record goes (the process is known to have ended) while a kill is being retried: ESRCH.
    const before = sim.requests.length;
    const again = sim.request(sim.subject('h1', 'kill'), { pid: q.pid, signal: 'KILL' }, PATIENT_MS);
    until(sim, () => signalsTo(sim, 'h2', before).length >= 2);
    expect(again.answer).toBeUndefined();
    const { [q.pid]: _gone, ...rest } = sim.directory;
    sim.directory = rest;
    sim.settle();
    expect(again.answer).toMatchObject({ ok: false, error: { code: 'ESRCH', message: `no process ${q.pid}` } });
  });

  test('a kill of a pid with no record finds ESRCH at once, even when its home is down', () => {
    const sim = cluster('h1', 'h2');
    const done = sim.spawn('h1', 'exiter', ['0'], { on: 'h2' });
    sim.settle();
    expect(sim.exitCode(done.tty)).toBe(0);
    sim.removeHost('h1');
    const t0 = sim.now;
    // Its home is down and it ended: no record.
    expect(sim.call('h2', 'kill', { pid: done.pid, signal: 'TERM' })).toMatchObject({ ok: false, error: { code: 'ESRCH', message: `no process ${done.pid}` } });
    // A home that never was.
    expect(sim.call('h2', 'kill', { pid: 'h9-1', signal: 'TERM' })).toMatchObject({ ok: false, error: { code: 'ESRCH', message: 'no process h9-1' } });
    expect(dirReads(sim, done.pid, t0)).toHaveLength(1);
    expect(sim.armedTimers('h2')).toEqual([]); // nothing left retrying
  });

  test('when the directory cannot answer either, a kill is retried and ends in EAGAIN, not ESRCH; it goes through once the directory is back', () => {
    const sim = cluster('h1', 'h2', 'h3');
    const p = sim.spawn('h1', 'sink', [], { on: 'h2' }); // runs until killed
    sim.removeHost('h1');
    sim.directoryDown = true;
    const kill = sim.request(sim.subject('h3', 'kill'), { pid: p.pid, signal: 'KILL' }, PATIENT_MS);
    sim.settle();
    expect(kill.answer).toMatchObject({ ok: false, error: { code: 'EAGAIN', message: expect.stringContaining('the process directory cannot say whether it lives') } });
    expect(sim.whereIs(p.pid)).toBe('h2');

    const t0 = sim.now;
    const retried = sim.request(sim.subject('h3', 'kill'), { pid: p.pid, signal: 'KILL' }, PATIENT_MS);
    until(sim, () => dirReads(sim, p.pid, t0).length >= 2);
    sim.directoryDown = false;
    sim.settle();
    expect(retried.answer).toMatchObject({ ok: true });
    expect(sim.whereIs(p.pid)).toBeUndefined();
  });
});

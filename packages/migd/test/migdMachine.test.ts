import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@wisp/protocol';
import { startMigd, stepMigd, type MigdEffect, type MigdSnapshot } from '../src/index.js';

const IDLE = 100;
const config = { idleAfterMs: IDLE, loadBelow: 1, staleAfterMs: 500, leaseMs: 1000 };

/** Drives migd purely: no server, time as a number. */
class Driver {
  snap: MigdSnapshot = startMigd({ config, now: 0 });
  effects: MigdEffect[] = [];
  private replySeq = 0;

  send(verb: string, body: unknown, now: number): MigdEffect[] {
    const to = `r${++this.replySeq}`;
    const [snap, effects] = stepMigd(this.snap, { type: 'msg', verb, body, replyTo: verb === 'report' ? null : to, now });
    this.snap = snap;
    this.effects.push(...effects);
    return effects;
  }

  /** Sends a request and returns its reply value, or throws the error code. */
  ask(verb: string, body: unknown, now: number): any {
    const r = this.send(verb, body, now).find((e) => e.type === 'reply');
    if (r?.type !== 'reply') throw new Error('no reply');
    if (!r.params.ok) throw new Error(r.params.error.code);
    return r.params.value;
  }

  report(host: string, idleMs: number, now: number, load = 0, foreign: string[] = []): MigdEffect[] {
    return this.send('report', { host, idleMs, load, foreign }, now);
  }

  tick(now: number): MigdEffect[] {
    const [snap, effects] = stepMigd(this.snap, { type: 'tick', now });
    this.snap = snap;
    this.effects.push(...effects);
    return effects;
  }
}

const notices = (effects: MigdEffect[], kind: string) =>
  effects.filter((e) => e.type === 'notify' && e.params.kind === kind).map((e) => (e.type === 'notify' ? { host: e.params.host, ...e.params.data } : null));

describe('migd machine', () => {
  it('grants idle, lightly loaded hosts longest-idle first, up to n', () => {
    const d = new Driver();
    d.report('h1', 200, 1000);
    d.report('h2', 5000, 1000);
    d.report('h3', 50, 1000); // owner active
    d.report('h4', 900, 1000, 1); // loaded
    d.report('h5', 1200, 1000);
    expect(d.ask('request', { requester: 'a', n: 2 }, 1000)).toEqual({ granted: ['h2', 'h5'], held: ['h2', 'h5'] });
    expect(d.ask('request', { requester: 'a', n: 5 }, 1000)).toEqual({ granted: ['h1'], held: ['h2', 'h5', 'h1'] });
    expect(notices(d.effects, 'grant')).toEqual([
      { host: 'h2', holder: 'a' },
      { host: 'h5', holder: 'a' },
      { host: 'h1', holder: 'a' },
    ]);
  });

  it('a host becomes idle once the idle time has passed without input', () => {
    const d = new Driver();
    d.report('h1', 0, 1000);
    expect(d.ask('request', { requester: 'a', n: 1 }, 1050).granted).toEqual([]);
    expect(d.ask('request', { requester: 'a', n: 1 }, 1100).granted).toEqual(['h1']);
  });

  it('honours exclude and release; releasing what one does not hold is no error', () => {
    const d = new Driver();
    d.report('h1', 500, 1000);
    d.report('h2', 400, 1000);
    expect(d.ask('request', { requester: 'a', n: 2, exclude: ['h1'] }, 1000).granted).toEqual(['h2']);
    expect(d.ask('release', { requester: 'b', hosts: ['h2'] }, 1000)).toEqual({ released: [] });
    expect(d.ask('release', { requester: 'a', hosts: ['h2', 'h1'] }, 1000)).toEqual({ released: ['h2'] });
    expect(notices(d.effects, 'release')).toEqual([{ host: 'h2', holder: 'a' }]);
    expect(d.ask('request', { requester: 'b', n: 2 }, 1000).granted).toEqual(['h1', 'h2']);
  });

  it('fairness: a requester holding more than its share loses a host to one holding less', () => {
    const d = new Driver();
    for (const h of ['h1', 'h2', 'h3', 'h4']) d.report(h, 1000, 1000);
    expect(d.ask('request', { requester: 'a', n: 4 }, 1000).held).toHaveLength(4);
    const b = d.ask('request', { requester: 'b', n: 4 }, 1001);
    // Max-min fair: two each. The hosts taken are a's most recent grants.
    expect(b.granted).toEqual(['h4', 'h3']);
    expect(notices(d.effects, 'reclaim')).toEqual([
      { host: 'h4', holder: 'a', reason: 'fairness', to: 'b' },
      { host: 'h3', holder: 'a', reason: 'fairness', to: 'b' },
    ]);
    // Within one of each other: a third requester gets one, from a (ties go to the lowest id).
    expect(d.ask('request', { requester: 'c', n: 2 }, 1002).granted).toEqual(['h2']);
    const st = d.ask('status', {}, 1002);
    expect(st.hosts.map((h: { grantedTo: string }) => h.grantedTo)).toEqual(['a', 'c', 'b', 'b']);
  });

  it('reclaims a granted host when its owner returns, naming host and holder', () => {
    const d = new Driver();
    d.report('h1', 1000, 1000);
    d.ask('request', { requester: 'pmake', n: 1 }, 1000);
    // Load from the holder's work does not reclaim.
    expect(notices(d.report('h1', 1200, 1200, 3, ['h9-1']), 'reclaim')).toEqual([]);
    const effects = d.send('report', { host: 'h1', idleMs: 0, load: 3, foreign: ['h9-1'], input: true }, 1300);
    expect(notices(effects, 'reclaim')).toEqual([{ host: 'h1', holder: 'pmake', reason: 'owner' }]);
    const st = d.ask('status', {}, 1300);
    expect(st.hosts[0]).toMatchObject({ host: 'h1', ownerIdle: false, grantedTo: null, load: 3, foreign: ['h9-1'], available: false });
  });

  it('forgets hosts that stop reporting and ends leases that are not renewed', () => {
    const d = new Driver();
    d.report('h1', 1000, 1000);
    d.report('h2', 1000, 1000);
    d.ask('request', { requester: 'a', n: 2 }, 1000);
    d.report('h2', 1400, 1400);
    expect(notices(d.tick(1600), 'reclaim')).toEqual([{ host: 'h1', holder: 'a', reason: 'gone' }]);
    expect(d.ask('status', {}, 1600).hosts.map((h: { host: string }) => h.host)).toEqual(['h2']);
    d.report('h2', 1800, 1800);
    d.ask('renew', { requester: 'a', held: ['h2'] }, 1800);
    d.report('h2', 2500, 2500);
    expect(notices(d.tick(2500), 'reclaim')).toEqual([]);
    d.report('h2', 2900, 2900);
    expect(notices(d.tick(2900), 'reclaim')).toEqual([{ host: 'h2', holder: 'a', reason: 'lease' }]);
  });

  it('a restarted migd rebuilds its view from reports and re-adopts renewed grants', () => {
    const d = new Driver();
    d.report('h1', 1000, 1000);
    d.report('h2', 1000, 1000);
    d.report('h3', 10, 1000);
    d.ask('request', { requester: 'a', n: 1 }, 1000);
    // Restart: an empty machine, the same reports.
    const r = new Driver();
    expect(r.ask('status', {}, 5000).hosts).toEqual([]);
    r.report('h1', 5000, 5000);
    r.report('h2', 5000, 5000);
    r.report('h3', 20, 5000);
    expect(r.ask('renew', { requester: 'a', held: ['h1', 'h3'] }, 5000)).toEqual({ held: ['h1'], lost: ['h3'] });
    expect(r.ask('request', { requester: 'b', n: 3 }, 5000).granted).toEqual(['h2']);
  });

  it('bad input gets an error reply with a code and a log line, never a throw', () => {
    const d = new Driver();
    const bad: Array<[string, unknown]> = [
      ['request', { requester: 'a' }],
      ['request', { requester: 'a b', n: 1 }],
      ['release', null],
      ['renew', { requester: 'a', held: 'h1' }],
      ['nosuch', {}],
      ['status', { extra: 1 }],
    ];
    for (const [verb, body] of bad) {
      const effects = d.send(verb, body, 1000);
      expect(effects.find((e) => e.type === 'reply')).toMatchObject({ params: { ok: false, error: { code: ErrorCode.EINVAL } } });
      expect(effects.some((e) => e.type === 'log' && e.params.level === 'warn')).toBe(true);
    }
    // A bad report (no reply subject) is logged only, and the view is unchanged.
    const effects = d.send('report', { host: 'h1', idleMs: -5, load: 0, foreign: [] }, 1000);
    expect(effects.map((e) => e.type)).toEqual(['log']);
    expect(d.ask('status', {}, 1000).hosts).toEqual([]);
  });
});

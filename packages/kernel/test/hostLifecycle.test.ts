import { describe, expect, it } from 'vitest';
import { startHostLifecycle, type HostLifecycleEvent } from '@wisp/kernel';

/** Drives a lifecycle through `events`; returns the states it went through and the evictions it asked for. */
function drive(events: HostLifecycleEvent[]) {
  let evictions = 0;
  const life = startHostLifecycle(() => void evictions++);
  const states = [String(life.getSnapshot().value)];
  for (const e of events) {
    life.send(e);
    states.push(String(life.getSnapshot().value));
  }
  return { states, evictions, done: life.getSnapshot().status === 'done' };
}

describe('host lifecycle', () => {
  it('boots, serves, evicts when the owner comes back with foreign processes here, and stops', () => {
    const r = drive([{ type: 'subscribed' }, { type: 'evict', foreign: 2 }, { type: 'evicted' }, { type: 'stop' }, { type: 'stopped' }]);
    expect(r.states).toEqual(['booting', 'serving', 'evicting', 'serving', 'stopping', 'stopped']);
    expect(r.evictions).toBe(1);
    expect(r.done).toBe(true);
  });

  it('owner input with no foreign process evicts nothing; more input while evicting evicts again', () => {
    const r = drive([{ type: 'subscribed' }, { type: 'evict', foreign: 0 }, { type: 'evict', foreign: 1 }, { type: 'evict', foreign: 3 }, { type: 'evict', foreign: 0 }]);
    expect(r.states).toEqual(['booting', 'serving', 'serving', 'evicting', 'evicting', 'evicting']);
    expect(r.evictions).toBe(2);
  });

  it('a dropped connection is waited out; an eviction does not start before the host serves', () => {
    const r = drive([{ type: 'evict', foreign: 1 }, { type: 'subscribed' }, { type: 'evict', foreign: 1 }, { type: 'disconnected' }, { type: 'evict', foreign: 1 }, { type: 'reconnected' }]);
    expect(r.states).toEqual(['booting', 'booting', 'serving', 'evicting', 'disconnected', 'disconnected', 'serving']);
    expect(r.evictions).toBe(1);
  });

  it('stops from any state, once', () => {
    for (const before of [[], [{ type: 'subscribed' }], [{ type: 'subscribed' }, { type: 'disconnected' }]] as HostLifecycleEvent[][]) {
      const r = drive([...before, { type: 'stop' }, { type: 'subscribed' }, { type: 'stop' }, { type: 'stopped' }]);
      expect(r.states.slice(-4)).toEqual(['stopping', 'stopping', 'stopping', 'stopped']);
    }
  });
});

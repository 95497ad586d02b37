import { createActor, setup, type Actor } from 'xstate';

/** What the runtime tells a host's lifecycle. */
export type HostLifecycleEvent =
  /** Its subscriptions are in place: it serves. */
  | { type: 'subscribed' }
  /** The owner is back (input): every foreign process goes home, if there are any (`foreign`: how many run here). */
  | { type: 'evict'; foreign: number }
  /** The kernel answered the eviction (`host.evicted`): every foreign process left or stayed. */
  | { type: 'evicted' }
  /** The connection to NATS dropped, or came back. */
  | { type: 'disconnected' }
  | { type: 'reconnected' }
  /** Asked to stop; then stopped (subscriptions and timers gone). */
  | { type: 'stop' }
  | { type: 'stopped' };

const noop = () => undefined;

/**
 * A host's lifecycle (DESIGN §7), pure. It boots (subscribing), serves, evicts its foreign
 * processes when the owner comes back (`evict`, an action the runtime performs by asking its
 * kernel), loses and regains its connection, and stops. Requests are taken in every state but
 * `stopping` and `stopped`.
 *
 * booting → serving ⇄ evicting; serving | evicting ⇄ disconnected; any → stopping → stopped
 */
export const hostLifecycle = setup({
  types: { events: {} as HostLifecycleEvent },
  actions: { evict: noop },
  guards: { hasForeign: ({ event }) => event.type === 'evict' && event.foreign > 0 },
}).createMachine({
  id: 'host',
  initial: 'booting',
  // `stop` is named in each live state rather than on the root, so `stopped` takes no event at all.
  states: {
    booting: { on: { subscribed: 'serving', stop: 'stopping' } },
    serving: { on: { evict: { guard: 'hasForeign', target: 'evicting', actions: 'evict' }, disconnected: 'disconnected', stop: 'stopping' } },
    // Another owner input while evicting evicts again: processes that arrived since go home too.
    evicting: { on: { evict: { guard: 'hasForeign', actions: 'evict' }, evicted: 'serving', disconnected: 'disconnected', stop: 'stopping' } },
    // An eviction under way when the connection dropped ends on its own (its answer is not awaited).
    disconnected: { on: { reconnected: 'serving', stop: 'stopping' } },
    stopping: { on: { stop: {}, stopped: 'stopped' } },
    stopped: { type: 'final' },
  },
});

/** A running host lifecycle. */
export type HostLifecycle = Actor<typeof hostLifecycle>;

/** Starts a host's lifecycle; `evict` performs an eviction (the runtime asks its kernel). */
export function startHostLifecycle(evict: () => void): HostLifecycle {
  return createActor(hostLifecycle.provide({ actions: { evict } })).start();
}

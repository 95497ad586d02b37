import type { AnyStateMachine, EventObject } from 'xstate';
import { sourceMachine, targetMachine } from '@wisp/kernel';
import { migdMachine } from '@wisp/migd';
import type { Strategy } from '@wisp/protocol';
import { everyStateCanEnd, exploreMachine, finalsAbsorb, type MachineReport, type MachineSpec } from './machineGraph.js';

const failure = { code: 'EIO', message: 'failed' };

/** Every event the kernel may feed a source session. */
const SOURCE_EVENTS: EventObject[] = [
  { type: 'accepted' },
  { type: 'refused', error: failure } as EventObject,
  { type: 'roundDone', dirtyPages: 0, sentPages: 100 } as EventObject,
  // Converging (a tenth re-dirtied) and not (nearly all).
  { type: 'roundDone', dirtyPages: 100, sentPages: 1000 } as EventObject,
  { type: 'roundDone', dirtyPages: 100, sentPages: 120 } as EventObject,
  { type: 'frozen' },
  { type: 'flushed' },
  { type: 'prepared' },
  { type: 'committed' },
  { type: 'failed', error: failure } as EventObject,
];

const state = (s: { value: unknown }) => String(s.value);

/**
 * The source machine (`machine`, the real one unless a planted copy is given) under `strategy`:
 * every state can end; finals absorb; a process is frozen before anything is flushed or sent;
 * `commit` is sent only once the target has the image; a `committed` answer always ends in
 * `done` (the source never resumes a process the target runs); precopy rounds stay bounded.
 */
export function sourceSpec(strategy: Strategy, machine: AnyStateMachine = sourceMachine): MachineSpec {
  return {
    name: `migration source (${strategy})`,
    machine,
    input: { pid: 'h1-1', to: 'h2', strategy },
    events: SOURCE_EVENTS,
    invariants: [
      everyStateCanEnd(),
      finalsAbsorb(),
      { name: 'frozen before flushing', edge: (e) => (state(e.to) === 'flushing' && state(e.from) !== 'flushing' && state(e.from) !== 'freezing' ? `flushing entered from ${state(e.from)}` : null) },
      { name: 'commit only after the image is there', edge: (e) => (e.actions.includes('commit') && !(state(e.from) === 'transferring' && e.event.type === 'prepared') ? `commit sent from ${state(e.from)} on ${e.event.type}` : null) },
      {
        name: 'committed never resumes here',
        edge: (e) => (state(e.from) === 'awaitingCommit' && e.event.type === 'committed' && (state(e.to) !== 'done' || e.actions.includes('thaw')) ? `committed led to ${state(e.to)} with ${e.actions.join(',')}` : null),
      },
      {
        name: 'precopy stops when a round does not converge',
        edge: (e) => {
          const ev = e.event as { type: string; dirtyPages?: number; sentPages?: number };
          return state(e.from) === 'precopying' && ev.type === 'roundDone' && ev.dirtyPages! * 2 > ev.sentPages! && state(e.to) !== 'freezing' ? `round that re-dirtied ${ev.dirtyPages} of ${ev.sentPages} led to ${state(e.to)}` : null;
        },
      },
      { name: 'precopy rounds bounded', state: (s) => ((s.context as { rounds: number; maxRounds: number }).rounds > (s.context as { maxRounds: number }).maxRounds ? `${(s.context as { rounds: number }).rounds} rounds` : null) },
    ],
  };
}

/**
 * The target machine: every state can end, and the session timeout ends every non-final state
 * (so an arriving process is never held forever); finals absorb; the process resumes only from
 * `resuming` on `commit` (the image is installed first); `install` happens once.
 */
export function targetSpec(machine: AnyStateMachine = targetMachine): MachineSpec {
  return {
    name: 'migration target',
    machine,
    input: { pid: 'h1-1', from: 'h1' },
    events: [{ type: 'pages' }, { type: 'transfer' }, { type: 'commit' }, { type: 'abort' }, { type: 'timeout' }],
    invariants: [
      everyStateCanEnd(),
      finalsAbsorb(),
      { name: 'timeout ends the session', edge: (e) => (e.event.type === 'timeout' && e.from.status !== 'done' && e.to.status !== 'done' ? `timeout in ${state(e.from)} left it in ${state(e.to)}` : null) },
      { name: 'resume only after install, on commit', edge: (e) => (e.actions.includes('resume') && !(state(e.from) === 'resuming' && e.event.type === 'commit') ? `resumed from ${state(e.from)} on ${e.event.type}` : null) },
      { name: 'a commit of an installed image runs it', edge: (e) => (state(e.from) === 'resuming' && e.event.type === 'commit' && !e.actions.includes('resume') ? `commit in resuming did ${e.actions.join(', ') || 'nothing'}` : null) },
      { name: 'install once', edge: (e) => (e.actions.includes('install') && state(e.from) === 'resuming' ? 'installed twice' : null) },
    ],
  };
}

const NOW = 100_000;
const report = (host: string, idle: boolean) => ({ type: 'msg', verb: 'report', body: { host, idleMs: idle ? 60_000 : 0, load: 0, foreign: [], ...(idle ? {} : { input: true }) }, replyTo: null, now: NOW });
const ask = (verb: string, body: unknown) => ({ type: 'msg', verb, body, replyTo: `r.${verb}`, now: NOW });

/**
 * migd: with two hosts reporting idle or active, two requesters asking, releasing and renewing,
 * a status query, bad input and time passing — every request is answered exactly once (a
 * report never), a granted host is one migd knows, and a host whose owner is active is never
 * granted.
 */
export function migdSpec(machine: AnyStateMachine = migdMachine): MachineSpec {
  const view = (s: { context: unknown }) => (s.context as { view: { hosts: Record<string, { lastInputAt: number }>; grants: Record<string, { holder: string }> } }).view;
  return {
    name: 'migd',
    machine,
    input: { now: 0, config: { idleAfterMs: 30_000, staleAfterMs: 1_000_000, leaseMs: 1_000_000 } },
    events: [
      report('h2', true),
      report('h2', false),
      report('h3', true),
      ask('request', { requester: 'h1', n: 1 }),
      ask('request', { requester: 'h4', n: 2 }),
      ask('release', { requester: 'h1', hosts: ['h2', 'h3'] }),
      ask('renew', { requester: 'h4', held: ['h2', 'h3'] }),
      ask('status', {}),
      ask('request', { nonsense: true }),
      { type: 'tick', now: NOW } as EventObject,
    ] as EventObject[],
    // Times and sequence numbers grow without bound; what matters is who knows and holds what.
    serialize: (s) => {
      const v = view(s);
      return JSON.stringify([Object.keys(v.hosts).sort().map((h) => [h, v.hosts[h]!.lastInputAt === NOW]), Object.entries(v.grants).sort().map(([h, g]) => [h, g.holder])]);
    },
    invariants: [
      {
        name: 'each request answered once, reports never',
        edge: (e) => {
          const ev = e.event as { verb?: string; replyTo?: string | null };
          if (e.event.type !== 'msg') return e.actions.includes('reply') ? 'tick replied' : null;
          const replies = e.actions.filter((a) => a === 'reply').length;
          const want = ev.replyTo && ev.verb !== 'report' ? 1 : 0;
          return replies === want ? null : `${ev.verb} got ${replies} replies`;
        },
      },
      { name: 'grants only known hosts', state: (s) => Object.keys(view(s).grants).find((h) => !(h in view(s).hosts)) ?? null },
      {
        name: 'an active owner\'s host is not granted',
        edge: (e) => {
          const ev = e.event as { verb?: string; body?: { host?: string; input?: boolean } };
          if (ev.verb !== 'report' || !ev.body?.input) return null;
          return view(e.to).grants[ev.body.host!] ? `${ev.body.host} still granted after its owner's input` : null;
        },
      },
    ],
  };
}

/** Explores every protocol machine (source under each strategy, target, migd) with its local invariants. */
export function exploreProtocolMachines(): MachineReport[] {
  const strategies: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];
  return [...strategies.map((s) => exploreMachine(sourceSpec(s))), exploreMachine(targetSpec()), exploreMachine(migdSpec())];
}

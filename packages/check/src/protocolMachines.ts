import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { sourceMachine, statePath, targetMachine, type SourceContext } from '@wisp/kernel';
import { fileMachine, sharingOf, type FileConsistencyContext, type FileEvent } from '@wisp/fs';
import { migdMachine } from '@wisp/migd';
import type { Strategy } from '@wisp/protocol';
import { everyStateCanEnd, exploreMachine, finalsAbsorb, type MachineReport, type MachineSpec } from './machineGraph.js';

const answers = (step: string, stream?: string): EventObject[] =>
  [{ ok: true, value: {} }, ...['EREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH'].map((code) => ({ ok: false, error: { code, message: code } }))].map(
    (result) => ({ type: 'answer', step, ...(stream ? { stream } : {}), result }) as EventObject,
  );

/** Every event the migrator may feed a source session: effects' results, each answer to each request, a local failure. */
const SOURCE_EVENTS: EventObject[] = [
  { type: 'sent', requests: 0 } as EventObject,
  { type: 'sent', requests: 1, pages: 1000, inPlace: true } as EventObject,
  { type: 'sent', requests: 2, pages: 2 } as EventObject,
  { type: 'frozen', at: 1, dirtyPages: 0, streams: 0 } as EventObject,
  { type: 'frozen', at: 1, dirtyPages: 3, streams: 2 } as EventObject,
  // After a round of 1000 pages: converging (a tenth re-dirtied), not (nearly all), and none.
  { type: 'measured', dirtyPages: 100 } as EventObject,
  { type: 'measured', dirtyPages: 900 } as EventObject,
  { type: 'measured', dirtyPages: 0 } as EventObject,
  ...['offer', 'pages', 'flush', 'owed', 'transfer', 'commit'].flatMap((step) => answers(step)),
  ...answers('move', 'f1'),
  { type: 'failed', error: { code: 'ESRCH', message: 'exited' } } as EventObject,
  // The directory, read after an unsure commit: unchanged (revision 5, as the input holds it),
  // fenced by this host already, claimed by the target, gone (it ended there), or no answer.
  ...[record('h1', 'b1', 1, 5), record('h1', 'b1', 2, 7), record('h2', 'b2', 2, 6), { entry: null, revision: 0 }].map((value) => directory('settle', { ok: true, value })),
  directory('settle', { ok: false, error: { code: 'ETIMEDOUT', message: 'no answer' } }),
  // The fence: written, refused (the claim got there first), or no answer.
  directory('fence', { ok: true, value: record('h1', 'b1', 2, 7) }),
  ...['ESTALE', 'ETIMEDOUT'].map((code) => directory('fence', { ok: false, error: { code, message: code } })),
  { type: 'retry' } as EventObject,
];

function record(host: string, boot: string, epoch: number, revision: number) {
  return { entry: { host, boot, epoch }, revision };
}
function directory(step: string, result: unknown): EventObject {
  return { type: 'answer', step, result } as EventObject;
}

const state = (s: { value: unknown }) => statePath(s.value);
const top = (s: { value: unknown }) => state(s).split('.')[0]!;
const answerOf = (e: EventObject) => (e.type === 'answer' ? (e as unknown as { step: string; result: { ok: boolean; error?: { code: string } } }) : null);
const ctx = (s: { context: unknown }) => s.context as { rounds: number; maxRounds: number; roundPages: number; transferred: boolean };
/** Source states after the commit went out, before the process is either the target's or fenced here. */
const UNSURE = ['committing', 'settling', 'fencing', 'settleLater'];
/**
 * A source state by what decides its future: the counters that only feed the record (bytes,
 * pages, times) and the text of errors are left out, and a final state is only its name.
 */
const sourceKey = (s: AnyMachineSnapshot) => {
  const c = s.context as SourceContext;
  if (s.status === 'done') return JSON.stringify(s.value);
  return JSON.stringify([s.value, c.offer, c.waiting, c.stepError !== null, c.flushInFlight, c.moved.length, c.transferred, c.transferError !== null, c.streams, c.rounds, c.roundPages]);
};

/**
 * The source machine (`machine`, the real one unless a planted copy is given) under `strategy`
 * (`owesPages`: a process that came lazily and still owes pages to its last source): every
 * state can end; finals absorb; a process is frozen before anything is flushed or sent; the
 * commit goes only with the image (or again, after a try timed out); a confirmed commit, or
 * one whose answer timed out, never resumes the process here; precopy rounds stay bounded.
 */
export function sourceSpec(strategy: Strategy, machine: AnyStateMachine = sourceMachine, owesPages = false): MachineSpec {
  return {
    name: `migration source (${strategy}${owesPages ? ', owing pages' : ''})`,
    machine,
    input: { pid: 'h1-1', to: 'h2', strategy, owesPages, host: 'h1', boot: 'b1', epoch: 1, revision: 5 },
    events: SOURCE_EVENTS,
    serialize: sourceKey,
    invariants: [
      everyStateCanEnd(),
      finalsAbsorb(),
      {
        // (A state invariant: an eventless skip would leave no edge into `flushing` to catch.)
        name: 'frozen before flushing',
        state: (s) => (['flushing', 'transferring', 'committing', 'done'].includes(top(s)) && (s.context as SourceContext).record.frozenAt === 0 ? `${state(s)} before the process froze` : null),
      },
      {
        name: 'commit only behind the image',
        edge: (e) => (e.actions.includes('sendCommit') && e.actions.indexOf('sendImage') !== e.actions.indexOf('sendCommit') - 1 ? `commit sent from ${state(e.from)} on ${e.event.type}` : null),
      },
      {
        name: 'committed never resumes here',
        edge: (e) => {
          const a = answerOf(e.event);
          if (top(e.from) !== 'committing' || a?.step !== 'commit' || !a.result.ok) return null;
          return top(e.to) !== 'done' || e.actions.includes('thaw') ? `committed led to ${state(e.to)} with ${e.actions.join(',')}` : null;
        },
      },
      {
        // (`failed` here: the image could not be taken, so no commit left; or the process ended.)
        name: 'after the commit went out, resumed here only once fenced in the directory',
        edge: (e) => (UNSURE.includes(top(e.from)) && e.event.type !== 'failed' && e.actions.includes('thaw') && !e.actions.includes('keepFence') ? `${state(e.from)} on ${e.event.type} resumed without a fence` : null),
      },
      {
        name: 'a record the target claimed is never fenced',
        edge: (e) => {
          const v = (answerOf(e.event)?.result as { value?: { entry?: { host: string } | null } } | undefined)?.value;
          return top(e.from) === 'settling' && v?.entry?.host === 'h2' && top(e.to) !== 'done' ? `claimed record led to ${state(e.to)}` : null;
        },
      },
      {
        name: 'precopy stops when a round does not converge',
        edge: (e) => {
          const ev = e.event as { type: string; dirtyPages?: number };
          return state(e.from) === 'precopying.measuring' && ev.type === 'measured' && ev.dirtyPages! * 2 > ctx(e.from).roundPages && top(e.to) !== 'freezing' ? `round that re-dirtied ${ev.dirtyPages} of ${ctx(e.from).roundPages} led to ${state(e.to)}` : null;
        },
      },
      { name: 'precopy rounds bounded', state: (s) => (ctx(s).rounds > ctx(s).maxRounds ? `${ctx(s).rounds} rounds` : null) },
    ],
  };
}

const caller = { kind: 'remote', replyTo: 'r' };
const ANSWERS = ['ack', 'refuse', 'refuseImage'];
const COMMIT_ANSWERS = ['ackCommit', 'refuseCommit'];
/** Target states while its claim of the record is open: only the directory ends them. */
const CLAIMING = ['claiming', 'rechecking', 'waitingToRecheck'];

/**
 * The target machine: every state can end, and the session timeout ends every non-final state
 * (so an arriving process is never held forever); finals absorb; every request gets exactly one
 * answer; the process resumes only from `resuming` on `commit` (the image is installed first),
 * before the commit is answered; `install` happens once.
 */
export function targetSpec(machine: AnyStateMachine = targetMachine, strategy: Strategy = 'lazy'): MachineSpec {
  return {
    name: `migration target (${strategy})`,
    machine,
    input: { pid: 'h1-1', from: 'h1', strategy, host: 'h2', boot: 'b2' },
    events: [
      { type: 'pages', caller },
      { type: 'transfer', caller },
      { type: 'commit', caller, epoch: 1, revision: 5 },
      { type: 'abort', caller },
      { type: 'timeout' },
      { type: 'failed', caller, error: { code: 'EINVAL', message: 'bad image' } },
      // The claim: written, refused (the source fenced), no answer; a read: claimed here, unchanged, fenced, gone, no answer.
      directory('claim', { ok: true, value: record('h2', 'b2', 2, 6) }),
      ...['ESTALE', 'ETIMEDOUT'].map((code) => directory('claim', { ok: false, error: { code, message: code } })),
      ...[record('h2', 'b2', 2, 6), record('h1', 'b1', 1, 5), record('h1', 'b1', 2, 7), { entry: null, revision: 0 }].map((value) => directory('recheck', { ok: true, value })),
      directory('recheck', { ok: false, error: { code: 'ETIMEDOUT', message: 'no answer' } }),
      { type: 'retry' },
    ] as EventObject[],
    invariants: [
      everyStateCanEnd(),
      finalsAbsorb(),
      {
        name: 'timeout ends the session unless a claim is open',
        edge: (e) => (e.event.type === 'timeout' && e.from.status !== 'done' && e.to.status !== 'done' && !CLAIMING.includes(state(e.from)) ? `timeout in ${state(e.from)} left it in ${state(e.to)}` : null),
      },
      { name: 'nothing but the directory ends an open claim', edge: (e) => (CLAIMING.includes(state(e.from)) && e.to.status === 'done' && e.event.type !== 'answer' ? `${e.event.type} ended ${state(e.from)}` : null) },
      { name: 'a claim that ends answers the commit once', edge: (e) => (CLAIMING.includes(state(e.from)) && e.to.status === 'done' && e.actions.filter((a) => COMMIT_ANSWERS.includes(a)).length !== 1 ? `${state(e.from)} ended with ${e.actions.join(', ')}` : null) },
      {
        name: 'each request answered once',
        edge: (e) => {
          if (e.from.status === 'done' || !('caller' in e.event)) return null;
          // A failure to install is answered only where an image was being installed.
          if (e.event.type === 'failed' && state(e.from) !== 'resuming') return null;
          // A commit of an installed image is answered once the directory says (see above).
          const want = e.event.type === 'commit' && state(e.from) === 'resuming' ? 0 : 1;
          const n = e.actions.filter((a) => ANSWERS.includes(a)).length;
          return n === want ? null : `${e.event.type} in ${state(e.from)} got ${n} answers`;
        },
      },
      {
        name: 'resume only once the directory gives it here',
        edge: (e) => {
          const v = (e.event as { result?: { ok: boolean; value?: { entry: { host: string; epoch: number } | null } } }).result;
          const here = v?.ok && ((e.event as { step?: string }).step === 'claim' || (v.value?.entry?.host === 'h2' && v.value.entry.epoch === 2));
          return e.actions.includes('resume') && !(CLAIMING.includes(state(e.from)) && here) ? `resumed from ${state(e.from)} on ${e.event.type}` : null;
        },
      },
      { name: 'a commit of an installed image claims it', edge: (e) => (state(e.from) === 'resuming' && e.event.type === 'commit' && state(e.to) !== 'claiming' ? `commit in resuming led to ${state(e.to)}` : null) },
      { name: 'resumed before the commit is answered, pulled after', edge: (e) => (e.actions.includes('resume') && !(e.actions.indexOf('resume') < e.actions.indexOf('ackCommit') && (!e.actions.includes('pull') || e.actions.indexOf('pull') > e.actions.indexOf('ackCommit'))) ? `commit did ${e.actions.join(', ')}` : null) },
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

const FILE_EVENTS: FileEvent[] = [
  ...['h1', 'h2'].flatMap((host) => [
    { type: 'open', host, write: false, reply: { to: `r.${host}`, stream: 1 } } as const,
    { type: 'open', host, write: true, reply: { to: `w.${host}`, stream: 2 } } as const,
    { type: 'close', host, write: false } as const,
    { type: 'close', host, write: true } as const,
  ]),
  // A third host only reads.
  { type: 'open', host: 'h3', write: false, reply: { to: 'r.h3', stream: 1 } },
  { type: 'close', host: 'h3', write: false },
  { type: 'open', host: 'h2', write: true, truncate: true, reply: { to: 't.h2', stream: 3 } },
  { type: 'move', from: 'h1', to: 'h2', write: true, reply: { to: 'm.h2' } },
  { type: 'move', from: 'h2', to: 'h1', write: false, reply: { to: 'm.h1' } },
  { type: 'hostDown', host: 'h3' },
];

const fileContext = (s: { context: unknown }) => s.context as FileConsistencyContext;

/**
 * One file's consistency machine (Sprite's rules) with three hosts opening, closing, moving
 * streams, a truncating open, a host lost, and every awaited callback answered: write-shared
 * means nobody caches; only hosts holding the file cache it; a callback goes only to a host
 * that caches, never to the opener; answers wait for every callback, and a truncation comes
 * right before its answer; an answer says cacheable exactly when the file is not write-shared;
 * every held open is answered in the end. To keep the graph finite and small, a state is
 * keyed by which hosts hold read and write references (not how many), who caches, which hosts
 * are awaited (not how often) and whether any open is held.
 */
export function fileSpec(machine: AnyStateMachine = fileMachine): MachineSpec {
  const some = (n: number) => Math.min(n, 1);
  return {
    name: 'fs file consistency',
    machine,
    events: (s) => [...FILE_EVENTS, ...fileContext(s).awaiting.map((a) => ({ type: 'flushed', callback: a.callback }) as FileEvent)],
    serialize: (s) => {
      const c = fileContext(s);
      const opens = Object.keys(c.opens)
        .sort()
        .map((h) => [h, some(c.opens[h]!.readers), some(c.opens[h]!.writers)]);
      const awaited = [...new Set(c.awaiting.map((a) => a.host))].sort();
      return JSON.stringify([s.value, opens, [...c.caching].sort(), awaited, some(c.held.length)]);
    },
    invariants: [
      { name: 'write-shared: nobody caches', state: (s) => (sharingOf(fileContext(s).opens) === 'writeShared' && fileContext(s).caching.length > 0 ? `${fileContext(s).caching.join(',')} cache a write-shared file` : null) },
      { name: 'only hosts holding the file cache it', state: (s) => fileContext(s).caching.find((h) => !(h in fileContext(s).opens)) ?? null },
      { name: 'opens held only behind callbacks', state: (s) => (fileContext(s).held.length > 0 && fileContext(s).awaiting.length === 0 ? 'held with nothing awaited' : null) },
      {
        name: 'callbacks only to caching hosts, never the opener',
        edge: (e) => {
          const ev = e.event as FileEvent;
          const opener = ev.type === 'open' ? ev.host : ev.type === 'move' ? ev.to : null;
          const hosts = fileContext(e.to).awaiting.slice(fileContext(e.from).awaiting.length).map((a) => a.host);
          const bad = hosts.find((h) => h === opener || !fileContext(e.from).caching.includes(h));
          return bad ? `called back ${bad} on ${ev.type}` : null;
        },
      },
      {
        name: 'every other caching host still holding the file is called back when it stops caching',
        edge: (e) => {
          // The opener needs none: it drops its (clean) blocks on seeing `cacheable: false`.
          const ev = e.event as FileEvent;
          const opener = ev.type === 'open' ? ev.host : ev.type === 'move' ? ev.to : null;
          const from = fileContext(e.from);
          const to = fileContext(e.to);
          const called = new Set(to.awaiting.slice(from.awaiting.length).map((a) => a.host));
          const dropped = from.caching.filter((h) => h !== opener && !to.caching.includes(h) && h in to.opens && !called.has(h));
          return dropped.length > 0 ? `${dropped.join(',')} stopped caching on ${e.event.type} without a callback` : null;
        },
      },
      { name: 'answers wait for every callback', edge: (e) => (e.actions.includes('answer') && fileContext(e.to).awaiting.length > 0 ? `answered on ${e.event.type} with callbacks awaited` : null) },
      {
        name: 'truncate right before its answer',
        edge: (e) => {
          const i = e.actions.indexOf('truncate');
          return i >= 0 && e.actions[i + 1] !== 'answer' ? `truncate then ${e.actions[i + 1] ?? 'nothing'}` : null;
        },
      },
      {
        name: 'an open answered at once may cache exactly when the file is not write-shared',
        edge: (e) => {
          if ((e.event.type !== 'open' && e.event.type !== 'move') || !e.actions.includes('answer')) return null;
          const answer = e.performed.find((a) => a.type === 'answer')!.params as { cacheable: boolean };
          const shared = sharingOf(fileContext(e.to).opens) === 'writeShared';
          return answer.cacheable === shared ? `answered cacheable ${answer.cacheable} into ${shared ? 'write-shared' : 'not write-shared'}` : null;
        },
      },
      {
        name: 'every held open is answered in the end',
        graph: (g) => {
          // Backwards from the states holding nothing, over edges keyed once.
          const into = new Map<string, string[]>();
          for (const e of g.edges) {
            const to = g.key(e.to);
            into.set(to, [...(into.get(to) ?? []), g.key(e.from)]);
          }
          const settled = new Set<string>();
          const todo: string[] = [];
          for (const [k, s] of g.states) if (fileContext(s).held.length === 0) settled.add(k), todo.push(k);
          while (todo.length > 0) {
            for (const from of into.get(todo.pop()!) ?? []) if (!settled.has(from)) settled.add(from), todo.push(from);
          }
          const stuck = [...g.states.keys()].filter((k) => !settled.has(k));
          return stuck.length > 0 ? `opens held forever from ${stuck.slice(0, 2).join(', ')}` : null;
        },
      },
    ],
  };
}

/** Explores every protocol machine (source under each strategy, target, migd, a file's consistency) with its local invariants. */
export function exploreProtocolMachines(): MachineReport[] {
  const strategies: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];
  return [
    ...strategies.map((s) => exploreMachine(sourceSpec(s))),
    exploreMachine(sourceSpec('flush', sourceMachine, true)),
    exploreMachine(targetSpec(targetMachine, 'flush')),
    exploreMachine(targetSpec(targetMachine, 'lazy')),
    exploreMachine(migdSpec()),
    exploreMachine(fileSpec()),
  ];
}

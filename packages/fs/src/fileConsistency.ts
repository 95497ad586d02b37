import { createActor, createMachine, enqueueActions, initialTransition, not, setup, type SnapshotFrom, type StateValue } from 'xstate';

/**
 * How to answer an open once the machine says so: opaque to the machine, kept as data so that a
 * held answer survives a copy of the server. `stream` is set for an open (the new stream), not
 * for a dup or move.
 */
export interface ReplyTicket {
  to: string;
  stream?: number;
}

/** References one host holds to the file, through read-only and through writable streams. */
export interface HostRefs {
  readers: number;
  writers: number;
}

/** An open answered once every callback is: its ticket, whether it may cache, whether it truncates first. */
export interface HeldOpen {
  reply: ReplyTicket;
  cacheable: boolean;
  truncate: boolean;
}

/** The consistency state of one file: plain data, never changed in place (each step makes new objects). */
export interface FileConsistencyContext {
  /** Host → references it holds; a host with none is absent. */
  opens: Record<string, HostRefs>;
  /** Hosts told they may cache the file (an open answered `cacheable: true`) and not since called back, in the order told. */
  caching: string[];
  /** Callbacks sent and not yet answered, oldest first. */
  awaiting: Array<{ callback: number; host: string }>;
  /** Opens held until `awaiting` is empty, in arrival order. */
  held: HeldOpen[];
  /** Last callback number used for this file. */
  lastCallback: number;
}

/** What the file server tells one file's machine. */
export type FileEvent =
  /**
   * Host `host` gained a reference to the file: an open (a new stream) or a dup of a stream to
   * it. `write`: the stream is writable; `truncate`: cut the file to zero, once that is safe.
   */
  | { type: 'open'; host: string; write: boolean; truncate?: boolean; reply: ReplyTicket }
  /** One reference moved from `from` to `to` (a migrating process took its stream along); answered as an open on `to`. */
  | { type: 'move'; from: string; to: string; write: boolean; reply: ReplyTicket }
  /** Host `host` dropped one reference. */
  | { type: 'close'; host: string; write: boolean }
  /** Host `host` is gone for good: every reference it held drops. */
  | { type: 'hostDown'; host: string }
  /** Callback `callback` was answered — or failed, and the host is taken as gone with its cache. */
  | { type: 'flushed'; callback: number };

/** Params of `callBack`: tell `host` to write back the file's dirty blocks and stop caching it (`cache.disable`). */
export interface CallBackParams {
  host: string;
  callback: number;
}
/** Params of `answer`: reply to the open of `reply`, saying whether its host may cache the file. */
export interface AnswerParams {
  reply: ReplyTicket;
  cacheable: boolean;
}

/**
 * What the machine asks of the server, in order. `truncate` cuts the file to zero bytes (a
 * change: the server gives it a new version); it always comes right before the `answer` of
 * the open that asked for it.
 */
export type FileAction = { type: 'callBack'; params: CallBackParams } | { type: 'truncate' } | { type: 'answer'; params: AnswerParams };

/** Sprite's sharing states of a file. */
export type Sharing = 'notOpen' | 'readers' | 'oneWriter' | 'writeShared';

/** Which sharing state `opens` is in: open nowhere, by readers only, on one host that writes, or on ≥ 2 hosts with ≥ 1 writer. */
export function sharingOf(opens: Record<string, HostRefs>): Sharing {
  let hosts = 0;
  let writers = 0;
  for (const h in opens) {
    hosts++;
    if (opens[h]!.writers > 0) writers++;
  }
  if (hosts === 0) return 'notOpen';
  if (writers === 0) return 'readers';
  return hosts === 1 ? 'oneWriter' : 'writeShared';
}

/** `opens` with one reference of `host` added (`by` = 1) or dropped (`by` = -1); a host left with none is removed. */
function counted(opens: Record<string, HostRefs>, host: string, write: boolean, by: 1 | -1): Record<string, HostRefs> {
  const was = opens[host] ?? { readers: 0, writers: 0 };
  const now = write ? { readers: was.readers, writers: was.writers + by } : { readers: was.readers + by, writers: was.writers };
  const out = { ...opens, [host]: now };
  if (now.readers + now.writers <= 0) delete out[host];
  return out;
}

/** The references after `event` gains (and, for a move, drops) one; the host admitted. */
function afterGain(c: FileConsistencyContext, e: Extract<FileEvent, { type: 'open' | 'move' }>): { opens: Record<string, HostRefs>; host: string } {
  // A move gains on the target before it drops on the source, so a move to the same host never empties it.
  if (e.type === 'open') return { opens: counted(c.opens, e.host, e.write, 1), host: e.host };
  return { opens: counted(counted(c.opens, e.to, e.write, 1), e.from, e.write, -1), host: e.to };
}

/** `caching` without the hosts that no longer hold a reference. */
function stillOpen(caching: string[], opens: Record<string, HostRefs>): string[] {
  return caching.every((h) => h in opens) ? caching : caching.filter((h) => h in opens);
}

type Admission = Extract<FileEvent, { type: 'open' | 'move' }>;

const SHARING: readonly Sharing[] = ['notOpen', 'readers', 'oneWriter', 'writeShared'];
/** Eventless moves from `self` to whichever sharing state the references are in now. */
const settleSharing = (self: Sharing) => SHARING.filter((s) => s !== self).map((s) => ({ guard: { type: 'sharingIs' as const, params: { sharing: s } }, target: s }));

/**
 * Sprite's cache consistency for one file (DESIGN §6), pure: no I/O, no clock. The file server
 * keeps one snapshot per file and steps it with {@link stepFile} on every open, dup, move,
 * close, host loss and callback answer; the machine answers with named actions — `callBack`
 * a host, `truncate` the file, `answer` an open — that the server performs.
 *
 * Region `sharing`: `notOpen` → `readers` (open on any number of hosts, nobody writes) or
 * `oneWriter` (open on one host, which writes) → `writeShared` (open on ≥ 2 hosts, ≥ 1
 * writing) → back, as references come and go. The rules:
 * - An open (or dup, or move) that leaves the file not write-shared is answered
 *   `cacheable: true` and its host joins `caching`.
 * - One that leaves it write-shared is answered `cacheable: false`, and every *other* host in
 *   `caching` is called back (write back dirty blocks, drop the file) and leaves it. The opener
 *   needs no callback: had it dirty blocks, the file was open on it alone and this open could
 *   not have made it write-shared; its clean blocks it drops on seeing `cacheable: false`.
 * - Caching comes back at the next open after the sharing ends (a close never re-enables it).
 * - A host that drops its last reference leaves `caching` (its client wrote back at close).
 *
 * Region `callbacks`: while any callback is `awaiting`, opens are held and answered, in order,
 * when the last one is answered — so their size and version (read by the server at that
 * moment) include what the called-back hosts wrote back, and a truncating open cuts the file
 * only after that. This, with a new version on every change, is how sequential write-sharing
 * is caught: a host compares the version an open carries with its cached blocks' and drops
 * stale ones.
 */
export const fileMachine = setup({
  types: { context: {} as FileConsistencyContext, events: {} as FileEvent },
  guards: {
    sharingIs: ({ context }, params: { sharing: Sharing }) => sharingOf(context.opens) === params.sharing,
    awaiting: ({ context }) => context.awaiting.length > 0,
    idle: ({ context }) => context.awaiting.length === 0,
    /** The open or move leaves the file write-shared. */
    sharesWrites: ({ context, event }) => sharingOf(afterGain(context, event as Admission).opens) === 'writeShared',
    /** The closing host (or the one a move takes from) holds a reference of that kind: the server never says otherwise. */
    holds: ({ context, event }) => {
      const e = event as Extract<FileEvent, { type: 'close' | 'move' }>;
      const refs = context.opens[e.type === 'close' ? e.host : e.from];
      return refs !== undefined && (e.write ? refs.writers : refs.readers) > 0;
    },
    /** The answered callback is one awaited. */
    awaited: ({ context, event }) => context.awaiting.some((a) => a.callback === (event as Extract<FileEvent, { type: 'flushed' }>).callback),
  },
  actions: {
    callBack: (_: unknown, _params: CallBackParams) => {},
    truncate: () => {},
    answer: (_: unknown, _params: AnswerParams) => {},
    /** Counts the new reference (for a move: gained on the target, dropped on the source). */
    gain: enqueueActions(({ context, event, enqueue }) => {
      const { opens } = afterGain(context, event as Admission);
      enqueue.assign({ opens, caching: stillOpen(context.caching, opens) });
    }),
    /** The admitted host may cache. */
    allowCaching: enqueueActions(({ context, event, enqueue }) => {
      const host = admitted(event as Admission);
      if (!context.caching.includes(host)) enqueue.assign({ caching: [...context.caching, host] });
    }),
    /** Every caching host but the admitted one is called back; nobody caches any more. */
    callBackOthers: enqueueActions(({ context, event, enqueue }) => {
      const host = admitted(event as Admission);
      let last = context.lastCallback;
      const awaiting = [...context.awaiting];
      for (const h of context.caching) {
        if (h === host) continue;
        awaiting.push({ callback: ++last, host: h });
        enqueue({ type: 'callBack', params: { host: h, callback: last } });
      }
      enqueue.assign({ caching: [], awaiting, lastCallback: last });
    }),
    /** Answers the open `cacheable: true` now, or holds the answer while callbacks are awaited. */
    answerCached: enqueueActions(({ context, event, enqueue }) => answerOrHold(context, event as Admission, true, enqueue)),
    /** Answers the open `cacheable: false` now, or holds the answer while callbacks are awaited. */
    answerUncached: enqueueActions(({ context, event, enqueue }) => answerOrHold(context, event as Admission, false, enqueue)),
    drop: enqueueActions(({ context, event, enqueue }) => {
      const e = event as Extract<FileEvent, { type: 'close' }>;
      const opens = counted(context.opens, e.host, e.write, -1);
      enqueue.assign({ opens, caching: stillOpen(context.caching, opens) });
    }),
    dropHost: enqueueActions(({ context, event, enqueue }) => {
      const opens = { ...context.opens };
      delete opens[(event as Extract<FileEvent, { type: 'hostDown' }>).host];
      enqueue.assign({ opens, caching: stillOpen(context.caching, opens) });
    }),
    /** One callback answered; when it was the last, every held open is answered in order. */
    settle: enqueueActions(({ context, event, enqueue }) => {
      const awaiting = context.awaiting.filter((a) => a.callback !== (event as Extract<FileEvent, { type: 'flushed' }>).callback);
      if (awaiting.length > 0) return enqueue.assign({ awaiting });
      enqueue.assign({ awaiting, held: [] });
      for (const open of context.held) answer(open, enqueue);
    }),
  },
}).createMachine({
  id: 'fs.file',
  type: 'parallel',
  context: { opens: {}, caching: [], awaiting: [], held: [], lastCallback: 0 },
  states: {
    sharing: {
      initial: 'notOpen',
      states: {
        notOpen: { always: settleSharing('notOpen') },
        readers: { always: settleSharing('readers') },
        oneWriter: { always: settleSharing('oneWriter') },
        writeShared: { always: settleSharing('writeShared') },
      },
    },
    callbacks: {
      initial: 'none',
      states: {
        none: { always: { guard: 'awaiting', target: 'awaiting' } },
        awaiting: { always: { guard: 'idle', target: 'none' } },
      },
    },
  },
  on: {
    open: [
      { guard: 'sharesWrites', actions: ['gain', 'callBackOthers', 'answerUncached'] },
      { actions: ['gain', 'allowCaching', 'answerCached'] },
    ],
    move: [
      { guard: not('holds') },
      { guard: 'sharesWrites', actions: ['gain', 'callBackOthers', 'answerUncached'] },
      { actions: ['gain', 'allowCaching', 'answerCached'] },
    ],
    close: { guard: 'holds', actions: 'drop' },
    hostDown: { actions: 'dropHost' },
    flushed: { guard: 'awaited', actions: 'settle' },
  },
});

function answerOrHold(c: FileConsistencyContext, e: Admission, cacheable: boolean, enqueue: Enqueue & { assign(p: Partial<FileConsistencyContext>): void }): void {
  const open: HeldOpen = { reply: e.reply, cacheable, truncate: e.type === 'open' && e.truncate === true };
  if (c.awaiting.length > 0) enqueue.assign({ held: [...c.held, open] });
  else answer(open, enqueue);
}

function admitted(e: Admission): string {
  return e.type === 'open' ? e.host : e.to;
}

type Enqueue = (a: { type: 'truncate' } | { type: 'answer'; params: AnswerParams }) => void;

function answer(open: HeldOpen, enqueue: Enqueue): void {
  if (open.truncate) enqueue({ type: 'truncate' });
  enqueue({ type: 'answer', params: { reply: open.reply, cacheable: open.cacheable } });
}

/** A snapshot of {@link fileMachine}: one file's consistency state. */
export type FileSnapshot = SnapshotFrom<typeof fileMachine>;

/** The state of a file no host has open. Snapshots are never changed in place, so every new file shares this one. */
export const NOT_OPEN: FileSnapshot = initialTransition(fileMachine)[0];

const collected: FileAction[] = [];
let scope: unknown;

/**
 * The actor scope every step runs in: its executor collects the named actions instead of
 * running them. One is made (on first use) and reused — the machine never reaches `self` or
 * `system` — because XState's `transition()` builds an actor per call, which costs more than
 * the step itself.
 */
function actorScope(): unknown {
  if (scope) return scope;
  const self = createActor(createMachine({}));
  scope = {
    self,
    system: self.system,
    id: 'fs.file',
    sessionId: 'fs.file',
    defer: () => undefined,
    logger: () => undefined,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: (a: { type: string; params?: unknown }) => {
      if (a.type === 'callBack' || a.type === 'answer') collected.push({ type: a.type, params: a.params } as FileAction);
      else if (a.type === 'truncate') collected.push({ type: 'truncate' });
    },
  };
  return scope;
}

/** Feeds one event to a file's machine (a pure transition): the next snapshot and the actions to perform, in order. */
export function stepFile(snapshot: FileSnapshot, event: FileEvent): [FileSnapshot, FileAction[]] {
  const m = fileMachine as unknown as { transition(s: FileSnapshot, e: FileEvent, scope: unknown): FileSnapshot };
  collected.length = 0;
  const next = m.transition(snapshot, event, actorScope());
  return [next, collected.splice(0)];
}

/** A file's consistency state as plain data: the state value and the context. */
export interface FileConsistencyView {
  state: StateValue;
  context: FileConsistencyContext;
}

/** The plain-data view of a snapshot. */
export function consistencyView(s: FileSnapshot): FileConsistencyView {
  return { state: s.value, context: s.context };
}

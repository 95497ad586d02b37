import { assign, setup } from 'xstate';
import { ErrorCode, type DirectoryAnswer, type Strategy, type WireError } from '@wisp/protocol';
import type { Answer } from '../caller.js';

/** The source's requests whose answers come back to its session. */
export type SourceStep = 'offer' | 'pages' | 'flush' | 'owed' | 'move' | 'transfer' | 'commit' | 'settle' | 'fence';

/** How long the source waits before reading the directory again after it did not answer, ms. */
export const SETTLE_RETRY_MS = 500;

/** What the migration record reports, gathered as the session goes. */
export interface SourceRecord {
  /** When the session began and the process froze (times arrive in events and input). */
  startedAt: number;
  frozenAt: number;
  /** Page bytes and pages sent or written out. */
  bytes: number;
  pages: number;
}

/**
 * What a source-side migration session knows: its whole status (the driver keeps no flags
 * beside it). (Kept to about 20 top-level fields: xstate copies the context on every `assign`,
 * and V8 copies a bigger object several times slower.)
 */
export interface SourceContext {
  to: string;
  strategy: Strategy;
  /** The process still owes pages to the source it came from lazily: they come here first. */
  owesPages: boolean;
  /** Precopy rounds begun, and the most there may be. */
  rounds: number;
  maxRounds: number;
  /** Pages the current precopy round sent. */
  roundPages: number;
  /** The offer: sent with the image (`flush`, `lazy`), sent alone and unanswered, or accepted. */
  offer: 'withImage' | 'sent' | 'accepted';
  /** Answers still awaited in the current step, and the first failure among those in. */
  waiting: number;
  stepError: WireError | null;
  /** A `pageOut` of the process's own frames is in flight: it must not run until it ends. */
  flushInFlight: boolean;
  /** Streams handed to the target, or perhaps handed (their move timed out): moved back on abort. */
  moved: string[];
  /** The target acknowledged the image: from then on it may have been told to run it. */
  transferred: boolean;
  /** Why the image (or the pipelined offer) was refused: a better reason than the commit's. */
  transferError: WireError | null;
  /**
   * The target's boot (its run) as its first answer in this session gave it: the commit names
   * it, and an answer from another boot means the target restarted meanwhile (see {@link restartOf}).
   */
  targetBoot: string | null;
  /** This host and its run, and the process's directory record as this host holds it (epoch, revision). */
  host: string;
  boot: string;
  epoch: number;
  revision: number;
  /** Streams the frozen process holds (moved to the target in `transferring`). */
  streams: number;
  record: SourceRecord;
  /** Why it was aborted. */
  error: WireError | null;
}

/** What the source is told: results of its effects, answers to its requests, and local failure. */
export type SourceEvent =
  /**
   * The current step's requests are out: how many answers to wait for, the pages they carry, and
   * whether they carry the process's own frames (not copies: it must stay frozen until answered).
   */
  | { type: 'sent'; requests: number; pages?: number; bytes?: number; inPlace?: boolean }
  /**
   * The process is at a safe point with no quick call open: when, and what there is to move
   * (dirty pages, open streams). Steps with nothing to do are skipped without a round of events.
   */
  | { type: 'frozen'; at: number; dirtyPages: number; streams: number }
  /** A precopy round is acknowledged: how many pages were dirtied meanwhile. */
  | { type: 'measured'; dirtyPages: number }
  /** The answer to one request: which step (and stream) it answers, ok or an error code. */
  | { type: 'answer'; step: SourceStep; stream?: string; result: Answer }
  /** Here, not from the target: the process ended, or a participant could not encapsulate. */
  | { type: 'failed'; error: WireError }
  /** The pause after an unanswered directory read is over: read again. */
  | { type: 'retry' };

/** What a session starts from. */
export interface SourceInput {
  pid: string;
  to: string;
  strategy: Strategy;
  maxRounds?: number;
  owesPages?: boolean;
  now?: number;
  /** This host, its run, and the process's record as this host holds it (see `Pcb.dir`). */
  host: string;
  boot: string;
  epoch: number;
  revision: number;
}

/** The effects a source session names (performed by the migrator), and its bookkeeping. */
type SourceAction =
  | 'offer' | 'sendRound' | 'measureRound' | 'freeze' | 'pullOwed' | 'installOwed' | 'releaseOwed' | 'writeOut' | 'moveStreams'
  | 'sendAllPages' | 'sendImage' | 'sendCommit' | 'readDirectory' | 'fence' | 'keepFence' | 'settleLater' | 'finish' | 'undo' | 'thaw' | 'report'
  | 'countSent' | 'countAnswer' | 'noteError' | 'noteStepError' | 'acceptOffer' | 'nextRound' | 'noteFrozen' | 'noteOfferRefusal' | 'noteBoot';
type Answered = Extract<SourceEvent, { type: 'answer' }>;
type Args = { context: SourceContext; event: SourceEvent };

const noop = () => undefined;
const answer = (e: SourceEvent): Answered | null => (e.type === 'answer' ? e : null);
const errorOf = (e: SourceEvent): WireError | null => {
  const a = answer(e);
  return a && !a.result.ok ? a.result.error : null;
};
const codeOf = (e: SourceEvent) => errorOf(e)?.code;

/** The steps whose requests go to the target (the others go to the file server, the directory, a lazy source). */
const TARGET_STEPS: ReadonlySet<SourceStep> = new Set(['offer', 'pages', 'transfer', 'commit']);
/** The boot of the target's run that answered, if the event is the target's answer and says. */
const targetBootOf = (e: SourceEvent): string | null => {
  const a = answer(e);
  return a && TARGET_STEPS.has(a.step) && a.result.boot !== undefined ? a.result.boot : null;
};
/**
 * `EBOOT` when the event is an answer from another run of the target than the one that
 * answered first: it restarted meanwhile, and holds nothing the earlier run took.
 */
export function restartOf(c: Pick<SourceContext, 'to' | 'targetBoot'>, e: SourceEvent): WireError | null {
  const now = targetBootOf(e);
  if (now === null || c.targetBoot === null || now === c.targetBoot) return null;
  return { code: ErrorCode.EBOOT, message: `host ${c.to} restarted since it took the image (boot ${now} now, ${c.targetBoot} then)` };
}
/** Why a target's answer failed, a restart first: the code the target gave may not say it (a run without the session says `ESRCH`). */
const reasonOf = (c: Pick<SourceContext, 'to' | 'targetBoot'>, e: SourceEvent): WireError | null => {
  const error = errorOf(e);
  return error && (error.code === ErrorCode.EBOOT ? error : (restartOf(c, e) ?? error));
};
const isStep = (step: SourceStep) => ({ event }: Args) => answer(event)?.step === step;
/** The directory's answer an event carries (a read, or a fence's new record), if ok. */
const recordOf = (e: SourceEvent): DirectoryAnswer | null => {
  const a = answer(e);
  return a?.result.ok && (a.step === 'settle' || a.step === 'fence') ? (a.result.value as DirectoryAnswer) : null;
};

/** Where a step goes once done: the first option whose guard holds (a `#id` target). */
type Next = string | Array<{ guard?: (a: Args) => boolean; target: string }>;

/**
 * One step of requests, as one state: its entry performs `effect`, whose `sent` says how many
 * answers to await (none: go on at once); the answers are counted in. Every ok answer takes
 * `okActions`; the last answer goes on to `next` with `doneActions`, or aborts if any failed.
 * (One flat state, not sending/waiting children: each nesting level costs every transition.)
 */
function requests(steps: SourceStep | SourceStep[], effect: SourceAction | SourceAction[], next: Next, okActions: SourceAction[] = [], doneActions: SourceAction[] = []): never {
  const of = Array.isArray(steps) ? steps : [steps];
  const options = typeof next === 'string' ? [{ target: next }] : next;
  const isOurs = ({ event }: Args) => of.includes(answer(event)?.step as SourceStep);
  const last = (a: Args) => a.context.waiting === 1 && isOurs(a);
  const noneSent = ({ context, event }: Args) => context.waiting === 0 && (event as { requests: number }).requests === 0;
  const lastOk = (a: Args) => last(a) && a.context.stepError === null && errorOf(a.event) === null;
  // (Built from strings, so typed loosely: xstate checks the names when the machine is created.)
  return {
    entry: effect,
    on: {
      sent: [
        ...options.map((o) => ({ guard: (a: Args) => noneSent(a) && (!o.guard || o.guard(a)), target: o.target, actions: ['countSent', ...doneActions] })),
        { guard: ({ context }: Args) => context.waiting === 0, actions: 'countSent' as SourceAction },
      ],
      answer: [
        ...options.map((o) => ({ guard: (a: Args) => lastOk(a) && (!o.guard || o.guard(a)), target: o.target, actions: ['countAnswer', ...okActions, ...doneActions] })),
        { guard: last, target: '#aborting', actions: ['countAnswer', 'noteStepError'] },
        { guard: (a: Args) => isOurs(a) && a.context.waiting > 1 && errorOf(a.event) === null, actions: ['countAnswer', ...okActions] },
        { guard: (a: Args) => isOurs(a) && a.context.waiting > 1, actions: 'countAnswer' as SourceAction },
      ],
    },
  } as never;
}

/** The record as this host last wrote it: the target's claim has not happened (and, once fenced, cannot). */
const unchanged = ({ context, event }: Args) => recordOf(event)?.revision === context.revision;
/** This host's own fence, whose answer was lost. */
const fencedHere = ({ context, event }: Args) => {
  const e = recordOf(event)?.entry;
  return e != null && e.host === context.host && e.boot === context.boot && e.epoch === context.epoch + 1;
};
/** The directory answered (any other record: the target's, a later one's, or none once it ended there). */
const answered = ({ event }: Args) => recordOf(event) !== null;
/** A step's answer that passes `test` too. */
const on = (step: SourceStep, test?: (a: Args) => boolean) => (a: Args) => isStep(step)(a) && (!test || test(a));

/** Strategies that write in `flushing`: `flush` (dirty frames to the backing file), `precopy` (the last dirty pages). */
const writes = ({ context }: Args) => context.strategy === 'flush' || context.strategy === 'precopy';
const hasStreams = ({ context }: Args) => context.streams > 0;
const sendsAllPages = ({ context }: Args) => context.strategy === 'copy';
/** After the streams: `copy`'s pages, or the image and the commit. */
const toImage: Next = [{ guard: sendsAllPages, target: '#transferring.pages' }, { target: '#committing' }];
/** After writing: the streams if there are any, else on to the image. */
const toStreams: Next = [{ guard: hasStreams, target: '#transferring.streams' }, ...toImage];
/** After the owed pages: write out (what came in may be dirty), or on. */
const toWriting: Next = [{ guard: writes, target: '#flushing.writing' }, ...toStreams];

const abort = { target: '#aborting', actions: ['noteBoot', 'noteError'] } as const;
const offerRefused = ({ event }: Args) => isStep('offer')({ event } as Args) && errorOf(event) !== null;
/** While freezing and flushing: a refused pipelined offer aborts; an accepted one is noted. */
const pipelinedOffer = {
  answer: [
    { guard: offerRefused, ...abort },
    { guard: isStep('offer'), actions: ['noteBoot', 'acceptOffer'] },
  ],
  failed: abort,
};
/**
 * Once streams move (and after): a refused offer is the reason, but the commit's answer decides —
 * a stream whose move is still unanswered could not be taken back by an abort now (and a session
 * opened by a duplicate offer may yet take the image).
 */
const offerLeftToCommit = {
  answer: [
    { guard: offerRefused, actions: ['noteBoot', 'noteOfferRefusal'] },
    { guard: isStep('offer'), actions: ['noteBoot', 'acceptOffer'] },
  ],
  failed: abort,
};

/**
 * The source side of a migration (DESIGN §5), pure: every rule of the protocol as states,
 * guards and transitions. Each state's entry names the effect the migrator performs; the
 * effect's result, and every answer to a request (one `answer` event naming the step, ok or its
 * error code), come back as events. Any failure before commit ends in `aborted`, whose entry
 * undoes what reached the target and thaws the process here.
 *
 * negotiating → [precopying]* → freezing → flushing → transferring → committing → done | aborted
 *                                                                     ↘ settling ⇄ fencing ↗
 *
 * The offer is pipelined (not for precopy, whose rounds would be wasted on a refusal): the
 * process freezes and flushes while it is answered, and for `flush` and `lazy` it rides with
 * the image. In `committing` the image and the commit leave together (the target takes a
 * source's requests in order, so it commits only an image it holds). The commit carries the
 * process's epoch and directory revision: the target runs the process only once it has moved
 * the directory record from (this host, e) to (itself, e+1) by compare-and-set at that revision.
 * The commit also names the target's run (boot) that answered first in the session, if one did
 * before it left: another run — the target restarted since — refuses it (`EBOOT`) rather than
 * claim what it never took. An answer from another run than the first one's is a restart too,
 * whatever its code (a run without the session says `ESRCH`): the reason becomes `EBOOT`.
 * So the directory, not the commit's answer, is the commit point:
 * - ok: done.
 * - any error (refused, timed out, no responders: the target may or may not have claimed it):
 *   `settling` reads the record. Unchanged since this host wrote it: `fencing` moves it to
 *   (this host, e+1) — a claim still on its way now fails — and the process runs here again
 *   (aborted). Fenced by this host already (an earlier fence's answer was lost): aborted. Moved
 *   on in any other way: only the target's claim could have done it, so done. A fence refused
 *   (the claim got there first) reads again; a read or fence unanswered tries again after
 *   {@link SETTLE_RETRY_MS}, the process frozen meanwhile: nobody guesses.
 */
export const sourceMachine = setup({
  types: { context: {} as SourceContext, events: {} as SourceEvent, input: {} as SourceInput },
  actions: {
    offer: noop,
    sendRound: noop,
    measureRound: noop,
    freeze: noop,
    pullOwed: noop,
    installOwed: noop,
    releaseOwed: noop,
    writeOut: noop,
    moveStreams: noop,
    sendAllPages: noop,
    sendImage: noop,
    sendCommit: noop,
    readDirectory: noop,
    fence: noop,
    keepFence: noop,
    settleLater: noop,
    finish: noop,
    undo: noop,
    thaw: noop,
    report: noop,
    noteFrozen: assign(({ context, event }) => (event.type === 'frozen' ? { record: { ...context.record, frozenAt: event.at }, streams: event.streams } : {})),
    nextRound: assign({ rounds: ({ context }) => context.rounds + 1 }),
    // First, on every answer: the target's first answer names the run the commit is meant for.
    noteBoot: assign(({ context, event }) => (context.targetBoot === null && targetBootOf(event) !== null ? { targetBoot: targetBootOf(event) } : {})),
    noteOfferRefusal: assign({ transferError: ({ context, event }) => reasonOf(context, event) }),
    acceptOffer: assign({ offer: 'accepted' as const }),
    noteError: assign({ error: ({ context, event }) => (event.type === 'failed' ? event.error : reasonOf(context, event)) }),
    noteStepError: assign({ error: ({ context, event }) => context.stepError ?? reasonOf(context, event) }),
    countSent: assign(({ context, event }) => {
      const e = event as Extract<SourceEvent, { type: 'sent' }>;
      return { waiting: e.requests, stepError: null, flushInFlight: e.inPlace === true && e.requests > 0, roundPages: e.pages ?? 0, record: e.pages ? { ...context.record, pages: context.record.pages + e.pages, bytes: context.record.bytes + (e.bytes ?? 0) } : context.record };
    }),
    // (Notes the target's boot itself, as `noteBoot` does: one context copy per page batch, not two.)
    countAnswer: assign(({ context, event }) => {
      const a = event as Answered;
      const targetBoot = context.targetBoot ?? targetBootOf(a);
      return {
        waiting: context.waiting - 1,
        targetBoot,
        stepError: context.stepError ?? (a.result.ok ? null : reasonOf({ to: context.to, targetBoot }, a)),
        flushInFlight: a.step === 'flush' ? false : context.flushInFlight,
        // A move that timed out may yet happen at the file server: taken back on abort as well.
        moved: a.step === 'move' && a.stream && (a.result.ok || a.result.error.code === ErrorCode.ETIMEDOUT) ? [...context.moved, a.stream] : context.moved,
      };
    }),
  },
  guards: {
    precopy: ({ context }) => context.strategy === 'precopy',
    // Another round while rounds remain, the last one left a lot re-dirtied, and the rounds
    // converge: one that did not halve what it sent (the process dirties pages about as fast
    // as they go) would only send the same pages again.
    anotherRound: ({ context, event }) =>
      context.rounds < context.maxRounds && event.type === 'measured' && event.dirtyPages > 16 && event.dirtyPages * 2 <= context.roundPages,
    flushInFlight: ({ context }) => context.flushInFlight,
    commitOk: ({ event }) => isStep('commit')({ event } as Args) && (event as Answered).result.ok,
  },
}).createMachine({
  id: 'migration.source',
  context: ({ input }) => ({
    to: input.to,
    strategy: input.strategy,
    owesPages: input.owesPages ?? false,
    rounds: 0,
    maxRounds: input.maxRounds ?? 4,
    roundPages: 0,
    offer: input.strategy === 'flush' || input.strategy === 'lazy' ? 'withImage' : 'sent',
    waiting: 0,
    stepError: null,
    flushInFlight: false,
    moved: [],
    transferred: false,
    transferError: null,
    targetBoot: null,
    host: input.host,
    boot: input.boot,
    epoch: input.epoch,
    revision: input.revision,
    streams: 0,
    record: { startedAt: input.now ?? 0, frozenAt: 0, bytes: 0, pages: 0 },
    error: null,
  }),
  initial: 'negotiating',
  states: {
    negotiating: {
      entry: 'offer',
      // Pipelined: whatever follows the offer meets its verdict. Precopy waits for it.
      always: { guard: ({ context }) => context.strategy !== 'precopy', target: 'freezing' },
      on: {
        answer: [
          { guard: ({ event }) => isStep('offer')({ event } as Args) && errorOf(event) !== null, ...abort },
          { guard: isStep('offer'), target: 'precopying', actions: ['noteBoot', 'acceptOffer'] },
        ],
        failed: abort,
      },
    },
    precopying: {
      id: 'precopying',
      initial: 'round',
      on: { failed: abort },
      states: {
        round: requests('pages', ['nextRound', 'sendRound'], '#precopying.measuring'),
        measuring: {
          entry: 'measureRound',
          on: { measured: [{ guard: 'anotherRound', target: '#precopying', reenter: true }, { target: '#freezing' }] },
        },
      },
    },
    freezing: {
      id: 'freezing',
      entry: 'freeze',
      on: {
        // A process that came here lazily first brings in what its last source still owes:
        // residual dependencies never chain.
        frozen: [
          { guard: ({ context }: Args) => context.owesPages, target: 'flushing.owed', actions: 'noteFrozen' },
          { guard: (a: Args) => writes(a) && (a.event as { dirtyPages: number }).dirtyPages > 0, target: 'flushing.writing', actions: 'noteFrozen' },
          { guard: ({ event }: Args) => (event as { streams: number }).streams > 0, target: 'transferring.streams', actions: 'noteFrozen' },
          ...(toImage as Array<{ guard?: never; target: string }>).map((o) => ({ ...o, actions: 'noteFrozen' as const })),
        ],
        ...pipelinedOffer,
      } as never,
    },
    flushing: {
      id: 'flushing',
      initial: 'writing',
      on: pipelinedOffer as never,
      states: {
        owed: requests('owed', 'pullOwed', toWriting, ['installOwed'], ['releaseOwed']),
        // Per strategy: `flush` writes dirty frames to the backing file (the pageOut's answer is
        // `flush`), `precopy` sends the last dirty pages.
        writing: requests(['flush', 'pages'], 'writeOut', toStreams),
      },
    },
    transferring: {
      id: 'transferring',
      initial: 'streams',
      on: offerLeftToCommit as never,
      states: {
        streams: requests('move', 'moveStreams', toImage),
        // `copy` sends every page once the streams are at the target.
        pages: requests('pages', 'sendAllPages', '#committing'),
      },
    },
    committing: {
      id: 'committing',
      tags: 'imageTaken',
      entry: ['sendImage', 'sendCommit'],
      on: {
        answer: [
          { guard: 'commitOk', target: 'done' },
          // Whatever the error, the directory says whether the target claimed it. A target that
          // restarted since it took the image says so (`EBOOT`), or its boot does: that is the reason.
          {
            guard: isStep('commit'),
            target: 'settling',
            actions: [
              'noteBoot',
              assign({
                error: ({ context, event }) => {
                  const reason = reasonOf(context, event);
                  return reason?.code === ErrorCode.EBOOT ? reason : (context.transferError ?? reason);
                },
              }),
            ],
          },
          { guard: ({ event }) => isStep('transfer')({ event } as Args) && errorOf(event) === null, actions: ['noteBoot', assign({ transferred: true })] },
          // The image, or a pipelined offer, refused: the commit behind it fails too (the target
          // has no image); its answer decides, with this as the reason.
          {
            guard: ({ event }) => (isStep('transfer')({ event } as Args) || isStep('offer')({ event } as Args)) && errorOf(event) !== null,
            actions: [
              'noteBoot',
              assign({ transferError: ({ context, event }) => (isStep('offer')({ event } as Args) ? reasonOf(context, event) : (context.transferError ?? reasonOf(context, event))) }),
            ],
          },
        ],
        failed: abort,
      },
    },
    settling: {
      id: 'settling',
      tags: 'imageTaken',
      entry: 'readDirectory',
      on: {
        answer: [
          { guard: on('settle', unchanged), target: 'fencing' },
          { guard: on('settle', fencedHere), target: 'aborting', actions: 'keepFence' },
          { guard: on('settle', answered), target: 'done' },
          { guard: on('settle'), target: 'settleLater' },
        ],
      } as never,
    },
    fencing: {
      tags: 'imageTaken',
      entry: 'fence',
      on: {
        answer: [
          { guard: on('fence', answered), target: 'aborting', actions: 'keepFence' },
          // The claim got there first: the read will say so.
          { guard: on('fence', ({ event }) => codeOf(event) === ErrorCode.ESTALE), target: 'settling' },
          { guard: on('fence'), target: 'settleLater' },
        ],
      } as never,
    },
    settleLater: {
      tags: 'imageTaken',
      entry: 'settleLater',
      on: { retry: 'settling' },
    },
    done: { type: 'final', entry: 'finish' },
    aborting: {
      id: 'aborting',
      always: [{ guard: 'flushInFlight', target: 'abortedMidFlush' }, { target: 'aborted' }],
    },
    aborted: { type: 'final', entry: ['undo', 'thaw', 'report'] },
    // Aborted while the process's own frames are being written out: the record goes now, the
    // process runs again once the write ends (it must not change the frames meanwhile).
    abortedMidFlush: {
      entry: ['undo', 'report'],
      on: { answer: { guard: isStep('flush'), target: 'thawedAfterFlush' } },
    },
    thawedAfterFlush: { type: 'final', entry: 'thaw' },
  },
});

import { assign, setup } from 'xstate';
import { ErrorCode, type Strategy, type WireError } from '@wisp/protocol';
import type { Answer } from '../caller.js';

/** The source's requests whose answers come back to its session. */
export type SourceStep = 'offer' | 'pages' | 'flush' | 'owed' | 'move' | 'transfer' | 'commit';

/** How often the commit is sent when the target does not answer (it may have it already). */
export const COMMIT_TRIES = 3;

/** What a source-side migration session knows: its whole status (the driver keeps no flags beside it). */
export interface SourceContext {
  pid: string;
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
  /** Streams handed to the target (moved back on abort). */
  moved: string[];
  /** The target acknowledged the image: from then on it may have been told to run it. */
  transferred: boolean;
  /** Why the image (or the pipelined offer) was refused: a better reason than the commit's. */
  transferError: WireError | null;
  /** Commit requests sent. */
  commitTries: number;
  /** Committed without a confirmation (see the commit rules). */
  unconfirmed: boolean;
  /** When the session began and the process froze (times arrive in events and input). */
  startedAt: number;
  frozenAt: number;
  /** Page bytes and pages sent or written out. */
  bytes: number;
  pages: number;
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
  /** The process is at a safe point with no quick call open. */
  | { type: 'frozen'; at: number }
  /** A precopy round is acknowledged: how many pages were dirtied meanwhile. */
  | { type: 'measured'; dirtyPages: number }
  /** The answer to one request: which step (and stream) it answers, ok or an error code. */
  | { type: 'answer'; step: SourceStep; stream?: string; result: Answer }
  /** Here, not from the target: the process ended, or a participant could not encapsulate. */
  | { type: 'failed'; error: WireError };

/** What a session starts from. */
export interface SourceInput {
  pid: string;
  to: string;
  strategy: Strategy;
  maxRounds?: number;
  owesPages?: boolean;
  now?: number;
}

/** The effects a source session names (performed by the migrator), and its bookkeeping. */
type SourceAction =
  | 'offer' | 'sendRound' | 'measureRound' | 'freeze' | 'pullOwed' | 'installOwed' | 'releaseOwed' | 'writeOut' | 'moveStreams'
  | 'sendAllPages' | 'sendImage' | 'sendCommit' | 'logUnconfirmed' | 'finish' | 'undo' | 'thaw' | 'report'
  | 'countSent' | 'countAnswer' | 'noteError' | 'noteStepError' | 'acceptOffer' | 'nextRound' | 'noteFrozen';
type Answered = Extract<SourceEvent, { type: 'answer' }>;
type Args = { context: SourceContext; event: SourceEvent };

const noop = () => undefined;
const answer = (e: SourceEvent): Answered | null => (e.type === 'answer' ? e : null);
const errorOf = (e: SourceEvent): WireError | null => {
  const a = answer(e);
  return a && !a.result.ok ? a.result.error : null;
};
const codeOf = (e: SourceEvent) => errorOf(e)?.code;
const isStep = (step: SourceStep) => ({ event }: Args) => answer(event)?.step === step;

/**
 * One step of requests: `sending` performs `effect`, whose `sent` says how many answers to await
 * (none: go on at once); `waiting` counts them in. Every ok answer takes `okActions`; the last
 * answer goes on to `next` (a `#id` target) with `doneActions`, or aborts if any failed.
 */
function requests(steps: SourceStep | SourceStep[], effect: SourceAction, next: string, okActions: SourceAction[] = [], doneActions: SourceAction[] = [], extra: object = {}): never {
  const of = Array.isArray(steps) ? steps : [steps];
  const isOurs = ({ event }: Args) => of.includes(answer(event)?.step as SourceStep);
  const last = (a: Args) => isOurs(a) && a.context.waiting === 1;
  // (Built from strings, so typed loosely: xstate checks the names when the machine is created.)
  return {
    ...extra,
    initial: 'sending',
    states: {
      sending: {
        entry: effect,
        on: { sent: [{ guard: ({ event }: Args) => (event as { requests: number }).requests === 0, target: next, actions: ['countSent', ...doneActions] }, { target: 'waiting', actions: 'countSent' as SourceAction }] },
      },
      waiting: {
        on: {
          answer: [
            { guard: (a: Args) => last(a) && (a.context.stepError !== null || errorOf(a.event) !== null), target: '#aborting', actions: ['countAnswer', 'noteStepError'] },
            { guard: (a: Args) => last(a) && errorOf(a.event) === null, target: next, actions: ['countAnswer', ...okActions, ...doneActions] },
            { guard: last, target: next, actions: ['countAnswer', ...doneActions] },
            { guard: (a: Args) => isOurs(a) && errorOf(a.event) === null, actions: ['countAnswer', ...okActions] },
            { guard: isOurs, actions: 'countAnswer' as SourceAction },
          ],
        },
      },
    },
  } as never;
}

const abort = { target: '#aborting', actions: 'noteError' } as const;
/** Before the image goes: a refused pipelined offer aborts; an accepted one is noted. */
const pipelinedOffer = {
  answer: [
    { guard: ({ event }: Args) => isStep('offer')({ event } as Args) && errorOf(event) !== null, ...abort },
    { guard: isStep('offer'), actions: 'acceptOffer' as const },
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
 *
 * The offer is pipelined (not for precopy, whose rounds would be wasted on a refusal): the
 * process freezes and flushes while it is answered, and for `flush` and `lazy` it rides with
 * the image. In `committing` the image and the commit leave together (the target takes a
 * source's requests in order, so it commits only an image it holds); the commit's answer
 * decides:
 * - ok: done.
 * - ETIMEDOUT: sent again ({@link COMMIT_TRIES} in all; the target answers a repeated commit ok);
 *   after the last try, unconfirmed: nobody can say whether it runs there, so it must not run
 *   here too (it is lost with its target).
 * - EHOSTUNREACH after a try timed out, the image acknowledged: the target may have run it and
 *   crashed since; unconfirmed, as a timeout (found by the model checker: the source resumed and
 *   repeated console output the target had produced).
 * - any other error (the target definitely did not take it): aborted, with the image's refusal
 *   as the reason if there was one.
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
    logUnconfirmed: noop,
    finish: noop,
    undo: noop,
    thaw: noop,
    report: noop,
    noteFrozen: assign({ frozenAt: ({ event }) => (event.type === 'frozen' ? event.at : 0) }),
    nextRound: assign({ rounds: ({ context }) => context.rounds + 1 }),
    acceptOffer: assign({ offer: 'accepted' as const }),
    noteError: assign({ error: ({ event }) => (event.type === 'failed' ? event.error : errorOf(event)) }),
    noteStepError: assign({ error: ({ context, event }) => context.stepError ?? errorOf(event) }),
    countSent: assign(({ context, event }) => {
      const e = event as Extract<SourceEvent, { type: 'sent' }>;
      return { waiting: e.requests, stepError: null, flushInFlight: e.inPlace === true && e.requests > 0, roundPages: e.pages ?? 0, pages: context.pages + (e.pages ?? 0), bytes: context.bytes + (e.bytes ?? 0) };
    }),
    countAnswer: assign(({ context, event }) => {
      const a = event as Answered;
      return {
        waiting: context.waiting - 1,
        stepError: context.stepError ?? (a.result.ok ? null : a.result.error),
        flushInFlight: a.step === 'flush' ? false : context.flushInFlight,
        moved: a.step === 'move' && a.result.ok && a.stream ? [...context.moved, a.stream] : context.moved,
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
    commitRetry: ({ context, event }) => isStep('commit')({ event } as Args) && codeOf(event) === ErrorCode.ETIMEDOUT && context.commitTries < COMMIT_TRIES,
    commitUnconfirmed: ({ context, event }) =>
      isStep('commit')({ event } as Args) && (codeOf(event) === ErrorCode.ETIMEDOUT || (codeOf(event) === ErrorCode.EHOSTUNREACH && context.commitTries > 1 && context.transferred)),
  },
}).createMachine({
  id: 'migration.source',
  context: ({ input }) => ({
    pid: input.pid,
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
    commitTries: 0,
    unconfirmed: false,
    startedAt: input.now ?? 0,
    frozenAt: 0,
    bytes: 0,
    pages: 0,
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
          { guard: isStep('offer'), target: 'precopying', actions: 'acceptOffer' },
        ],
        failed: abort,
      },
    },
    precopying: {
      id: 'precopying',
      initial: 'round',
      on: { failed: abort },
      states: {
        round: requests('pages', 'sendRound', '#precopying.measuring', [], [], { entry: 'nextRound' }),
        measuring: {
          entry: 'measureRound',
          on: { measured: [{ guard: 'anotherRound', target: '#precopying', reenter: true }, { target: '#freezing' }] },
        },
      },
    },
    freezing: {
      id: 'freezing',
      entry: 'freeze',
      on: { frozen: { target: 'flushing', actions: 'noteFrozen' }, ...pipelinedOffer } as never,
    },
    flushing: {
      id: 'flushing',
      initial: 'start',
      on: pipelinedOffer as never,
      states: {
        // A process that came here lazily first brings in what its last source still owes:
        // residual dependencies never chain.
        start: { always: [{ guard: ({ context }) => context.owesPages, target: 'owed' }, { target: 'strategy' }] },
        owed: requests('owed', 'pullOwed', '#flushing.strategy', ['installOwed'], ['releaseOwed']),
        // Per strategy: `flush` writes dirty frames to the backing file (the pageOut's answer is
        // `flush`), `precopy` sends the last dirty pages; `copy` (all pages, after the streams)
        // and `lazy` (none) write nothing now.
        strategy: { always: [{ guard: ({ context }) => context.strategy === 'copy' || context.strategy === 'lazy', target: '#transferring' }, { target: 'writing' }] },
        writing: requests(['flush', 'pages'], 'writeOut', '#transferring'),
      },
    },
    transferring: {
      id: 'transferring',
      initial: 'streams',
      on: pipelinedOffer as never,
      states: {
        streams: requests('move', 'moveStreams', '#transferring.strategy'),
        // `copy` sends every page once the streams are at the target.
        strategy: { always: [{ guard: ({ context }) => context.strategy === 'copy', target: 'pages' }, { target: '#committing' }] },
        pages: requests('pages', 'sendAllPages', '#committing'),
      },
    },
    committing: {
      id: 'committing',
      tags: 'imageTaken',
      entry: ['sendImage', 'sendCommit', assign({ commitTries: 1 })],
      on: {
        answer: [
          { guard: 'commitOk', target: 'done' },
          { guard: 'commitRetry', actions: ['sendCommit', assign({ commitTries: ({ context }) => context.commitTries + 1 })] },
          { guard: 'commitUnconfirmed', target: 'done', actions: [assign({ unconfirmed: true }), 'logUnconfirmed'] },
          {
            guard: isStep('commit'),
            target: 'aborting',
            actions: assign({ error: ({ context, event }) => context.transferError ?? errorOf(event) }),
          },
          { guard: ({ event }) => isStep('transfer')({ event } as Args) && errorOf(event) === null, actions: assign({ transferred: true }) },
          // The image, or a pipelined offer, refused: the commit behind it fails too (the target
          // has no image); its answer decides, with this as the reason.
          {
            guard: ({ event }) => (isStep('transfer')({ event } as Args) || isStep('offer')({ event } as Args)) && errorOf(event) !== null,
            actions: assign({ transferError: ({ context, event }) => (isStep('offer')({ event } as Args) ? errorOf(event) : (context.transferError ?? errorOf(event))) }),
          },
        ],
        failed: abort,
      },
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

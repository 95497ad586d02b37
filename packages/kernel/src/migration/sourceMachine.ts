import { assign, setup } from 'xstate';
import type { Strategy } from '@wisp/protocol';

/** What a source-side migration session knows. */
export interface SourceContext {
  pid: string;
  to: string;
  strategy: Strategy;
  /** Precopy rounds done. */
  rounds: number;
  maxRounds: number;
  /** Why it was aborted. */
  error: { code: string; message: string } | null;
}

/** What the kernel tells a source session. */
export type SourceEvent =
  | { type: 'accepted' }
  /** The offer is on its way and this strategy sends nothing the target needs first: go on without its answer. */
  | { type: 'offerSent' }
  | { type: 'refused'; error: { code: string; message: string } }
  /** A precopy round's pages are at the target: how many it sent, and how many were dirtied meanwhile. */
  | { type: 'roundDone'; dirtyPages: number; sentPages: number }
  | { type: 'frozen' }
  | { type: 'flushed' }
  | { type: 'prepared' }
  | { type: 'committed' }
  | { type: 'failed'; error: { code: string; message: string } };

const noop = () => undefined;

/**
 * The source side of a migration (DESIGN §5), pure. Each state's entry action names the step
 * the kernel performs; the step's outcome comes back as an event. Any failure before commit
 * ends in `aborted`, whose entry (`thaw`) resumes the process here. Once `commit` has been
 * sent the process never resumes here: `failed` then means the target definitely did not
 * take it (nobody there, or it forgot the session), which is still safe to abort.
 *
 * requested → negotiating → [precopying]* → freezing → flushing → transferring →
 * awaitingCommit → done | aborted
 */
export const sourceMachine = setup({
  types: { context: {} as SourceContext, events: {} as SourceEvent, input: {} as { pid: string; to: string; strategy: Strategy; maxRounds?: number } },
  actions: {
    offer: noop,
    precopyRound: noop,
    freeze: noop,
    flush: noop,
    transfer: noop,
    commit: noop,
    finish: noop,
    thaw: noop,
    noteError: assign({ error: ({ event }) => ('error' in event ? event.error : null) }),
  },
  guards: {
    precopy: ({ context }) => context.strategy === 'precopy',
    // Another round while rounds remain, the last one left a lot re-dirtied, and the rounds
    // converge: one that did not halve what it sent (the process dirties pages about as fast
    // as they go) would only send the same pages again.
    anotherRound: ({ context, event }) =>
      context.rounds < context.maxRounds && event.type === 'roundDone' && event.dirtyPages > 16 && event.dirtyPages * 2 <= event.sentPages,
  },
}).createMachine({
  id: 'migration.source',
  context: ({ input }) => ({ pid: input.pid, to: input.to, strategy: input.strategy, rounds: 0, maxRounds: input.maxRounds ?? 4, error: null }),
  initial: 'requested',
  states: {
    requested: { always: 'negotiating' },
    negotiating: {
      entry: 'offer',
      on: {
        accepted: [{ guard: 'precopy', target: 'precopying' }, { target: 'freezing' }],
        // Pipelined: the target takes a source's requests in order, so whatever follows the offer
        // meets its verdict; a refusal arriving later is a `failed`. Precopy waits: its rounds
        // run before the freeze and would be wasted on a refusal.
        offerSent: { guard: ({ context }) => context.strategy !== 'precopy', target: 'freezing' },
        refused: { target: 'aborted', actions: 'noteError' },
        failed: { target: 'aborted', actions: 'noteError' },
      },
    },
    precopying: {
      entry: ['precopyRound', assign({ rounds: ({ context }) => context.rounds + 1 })],
      on: {
        roundDone: [{ guard: 'anotherRound', target: 'precopying', reenter: true }, { target: 'freezing' }],
        failed: { target: 'aborted', actions: 'noteError' },
      },
    },
    freezing: { entry: 'freeze', on: { frozen: 'flushing', failed: { target: 'aborted', actions: 'noteError' } } },
    flushing: { entry: 'flush', on: { flushed: 'transferring', failed: { target: 'aborted', actions: 'noteError' } } },
    transferring: { entry: 'transfer', on: { prepared: 'awaitingCommit', failed: { target: 'aborted', actions: 'noteError' } } },
    awaitingCommit: { entry: 'commit', on: { committed: 'done', failed: { target: 'aborted', actions: 'noteError' } } },
    done: { type: 'final', entry: 'finish' },
    aborted: { type: 'final', entry: 'thaw' },
  },
});

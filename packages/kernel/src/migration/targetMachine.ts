import { setup } from 'xstate';
import { ErrorCode, PROTOCOL_VERSION, type OfferRequest, type ProcessImage, type Strategy, type WireError } from '@wisp/protocol';
import type { Caller } from '../caller.js';

/**
 * What a target session is told. Requests carry their `caller`: the machine names the answer
 * each gets (`ack`, or `refuse` with a code), so every request is answered by a rule here.
 */
export type TargetEvent =
  /** Pages pushed ahead of the image (`copy`, `precopy`), with the message's bytes. */
  | { type: 'pages'; caller: Caller; batch?: { pages: number[]; pageSize: number; bytes: Uint8Array } }
  /** The image (the offer that rode with it was checked already). */
  | { type: 'transfer'; caller: Caller; image?: ProcessImage }
  | { type: 'commit'; caller: Caller }
  | { type: 'abort'; caller: Caller }
  /** No commit came in time (the session timer, armed on entry). */
  | { type: 'timeout' }
  /** The image could not be rebuilt here (`install` failed). */
  | { type: 'failed'; error: WireError; caller: Caller };

/** What a target session starts from. */
export interface TargetInput {
  pid: string;
  from: string;
  strategy: Strategy;
}

const noop = () => undefined;
const refuse = (code: WireError['code'], why: string) => ({ type: 'refuse' as const, params: { code, why } });
const noImageYet = { actions: refuse(ErrorCode.ESRCH, 'has no image here yet') };
const imageHere = { actions: refuse(ErrorCode.ESRCH, 'has its image here already') };
const dropped = { target: 'aborted', actions: 'ack' } as const;

/**
 * The target side of a migration (DESIGN §5), pure. It accepted an offer (see
 * {@link offerRefusal}) and armed its timer; pages may arrive (`receiving`), then the image
 * (`resuming`: the PCB is built and held frozen); `commit` runs the process here: resumed
 * (subscribed to its subject) before the answer, so no message finds nobody once the source
 * lets go, and a lazy pull starts after it, so the source reads the answer that ends its
 * freeze before it serves the pull. `abort`, or no commit in time, drops everything received.
 *
 * offered → receiving → resuming → committed | aborted
 */
export const targetMachine = setup({
  types: { context: {} as TargetInput, events: {} as TargetEvent, input: {} as TargetInput },
  actions: {
    armTimer: noop,
    announce: noop,
    keepPages: noop,
    install: noop,
    resume: noop,
    pull: noop,
    drop: noop,
    ack: noop,
    refuse: (_, _params: { code: WireError['code']; why: string }) => undefined,
    refuseImage: noop,
  },
  guards: { lazy: ({ context }) => context.strategy === 'lazy' },
}).createMachine({
  id: 'migration.target',
  context: ({ input }) => ({ ...input }),
  initial: 'offered',
  entry: 'armTimer',
  states: {
    offered: {
      on: {
        // The first pages: an observable point inside the transfer.
        pages: { target: 'receiving', actions: ['announce', 'keepPages', 'ack'] },
        transfer: { target: 'resuming', actions: ['install', 'ack'] },
        commit: noImageYet,
        abort: dropped,
        timeout: 'aborted',
      },
    },
    receiving: {
      on: {
        // A later copy of a page wins.
        pages: { actions: ['keepPages', 'ack'] },
        transfer: { target: 'resuming', actions: ['install', 'ack'] },
        commit: noImageYet,
        abort: dropped,
        timeout: 'aborted',
      },
    },
    resuming: {
      on: {
        pages: imageHere,
        transfer: imageHere,
        commit: [
          { guard: 'lazy', target: 'committed', actions: ['resume', 'ack', 'pull'] },
          { target: 'committed', actions: ['resume', 'ack'] },
        ],
        abort: dropped,
        timeout: 'aborted',
        // The image was refused as it was installed: the transfer gets the reason.
        failed: { target: 'aborted', actions: 'refuseImage' },
      },
    },
    committed: { type: 'final' },
    aborted: { type: 'final', entry: 'drop' },
  },
});

/** What an offer is checked against on the target. */
export interface OfferFacts {
  hostId: string;
  accepting: boolean;
  hasProgram: boolean;
  /** The pid runs here, or a session for it is open. */
  here: boolean;
}

/** The target's checks of an offer — same protocol, accepting work, program here, not already here — as a refusal, or null to open a session. */
export function offerRefusal(req: OfferRequest, f: OfferFacts): WireError | null {
  if (req.protocol !== PROTOCOL_VERSION) return { code: ErrorCode.EREFUSED, message: `protocol ${req.protocol} != ${PROTOCOL_VERSION}` };
  if (!f.accepting) return { code: ErrorCode.EREFUSED, message: `host ${f.hostId} does not accept foreign processes` };
  if (!f.hasProgram) return { code: ErrorCode.ENOPROG, message: `host ${f.hostId} has no program ${req.program}@${req.version}` };
  if (f.here) return { code: ErrorCode.EBUSY, message: `${req.pid} is already here` };
  return null;
}

/**
 * A commit with no session: the answer to a repeated commit. Ok if the process runs here (and
 * this host is not itself moving it away: a frozen source copy is not one that arrived) or
 * arrived here recently and has since exited or moved on — the source must not resume it
 * (found by the model checker). Otherwise the target definitely did not take it.
 */
export function lateCommitRefusal(pid: string, f: { runsHere: boolean; leavingHere: boolean; arrivedRecently: boolean }): WireError | null {
  if ((f.runsHere && !f.leavingHere) || f.arrivedRecently) return null;
  return { code: ErrorCode.ESRCH, message: `no migration of ${pid} is waiting here` };
}

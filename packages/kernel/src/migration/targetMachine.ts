import { assign, setup } from 'xstate';
import { ErrorCode, PROTOCOL_VERSION, names, type CommitRequest, type DirectoryAnswer, type OfferRequest, type ProcessImage, type Strategy, type WireError } from '@wisp/protocol';
import type { Answer, Caller } from '../caller.js';

/**
 * What a target session is told. Requests carry their `caller`: the machine names the answer
 * each gets (`ack`, or `refuse` with a code), so every request is answered by a rule here.
 */
export type TargetEvent =
  /** Pages pushed ahead of the image (`copy`, `precopy`), with the message's bytes. */
  | { type: 'pages'; caller: Caller; batch?: { pages: number[]; pageSize: number; bytes: Uint8Array } }
  /** The image (the offer that rode with it was checked already). */
  | { type: 'transfer'; caller: Caller; image?: ProcessImage }
  /** Run it: the directory record gives it to the source at `epoch`, `revision`. */
  | { type: 'commit'; caller: Caller; epoch: number; revision: number; report?: CommitReport; at?: number }
  /** The directory's answer to the claim or to a read after an unanswered one. */
  | { type: 'answer'; step: TargetStep; result: Answer }
  /** The pause after an unanswered directory read is over: read again. */
  | { type: 'retry' }
  | { type: 'abort'; caller: Caller }
  /** No commit came in time (the session timer, armed on entry). */
  | { type: 'timeout' }
  /** The image could not be rebuilt here (`install` failed). */
  | { type: 'failed'; error: WireError; caller: Caller };

/** The target's requests to the directory whose answers come back to its session. */
export type TargetStep = 'claim' | 'recheck';

/** Whom the target answers itself once its claim succeeds, and with what (see `CommitRequest`). */
export type CommitReport = NonNullable<CommitRequest['report']>;

/** What a target session starts from. */
export interface TargetInput {
  pid: string;
  from: string;
  strategy: Strategy;
  /** This host and its run (the record it claims names them). */
  host: string;
  boot: string;
}

/** What a target session knows: its input, and the commit being claimed (epoch and revision it names, who asked). */
export interface TargetContext extends TargetInput {
  epoch: number;
  revision: number;
  committer: Caller | null;
  /** The client to answer on a successful claim, if the source handed that over, and when the commit came. */
  report: (CommitReport & { arrivedAt: number }) | null;
}

type Args = { context: TargetContext; event: TargetEvent };
const recordOf = (e: TargetEvent): DirectoryAnswer | null => (e.type === 'answer' && e.result.ok ? (e.result.value as DirectoryAnswer) : null);
const isStep = (step: TargetStep, test?: (a: Args) => boolean) => (a: Args) => a.event.type === 'answer' && a.event.step === step && (!test || test(a));
/** The record names this host and run at the epoch it claimed: the process is this host's. */
const claimedHere = ({ context, event }: Args) => names(recordOf(event)?.entry ?? null, context.host, context.boot, context.epoch + 1);
/** The record as the source last wrote it: the claim has not happened, and may be tried again. */
const unchanged = ({ context, event }: Args) => recordOf(event)?.revision === context.revision;
const claimed = ({ event }: Args) => recordOf(event) !== null;

const noop = () => undefined;
const refuse = (code: WireError['code'], why: string) => ({ type: 'refuse' as const, params: { code, why } });
const noImageYet = { actions: refuse(ErrorCode.ESRCH, 'has no image here yet') };
const imageHere = { actions: refuse(ErrorCode.ESRCH, 'has its image here already') };
const dropped = { target: 'aborted', actions: 'ack' } as const;
/** While the claim is open: a repeated commit waits its turn, an abort is answered but changes nothing. */
const busy = {
  commit: { actions: refuse(ErrorCode.EAGAIN, 'is being claimed in the directory') },
  abort: { actions: 'ack' },
  pages: imageHere,
  transfer: imageHere,
} as const;
const commit = { target: 'claiming', actions: 'noteCommit' } as const;
/** The claim succeeded (`when`: or a read shows it did): keep the record, run it, answer the commit (and pull, if lazy). */
const run = (when: (a: Args) => boolean) => [
  { guard: (a: Args) => when(a) && a.context.strategy === 'lazy', target: 'committed', actions: ['keepRecord', 'resume', 'ackCommit', 'pull'] },
  { guard: when, target: 'committed', actions: ['keepRecord', 'resume', 'ackCommit'] },
];
const lost = { target: 'aborted', actions: refuseCommit(ErrorCode.ESTALE, 'was fenced by its source: the directory moved on') } as const;
function refuseCommit(code: WireError['code'], why: string) {
  return { type: 'refuseCommit' as const, params: { code, why } };
}

/**
 * The target side of a migration (DESIGN §5), pure. It accepted an offer (see
 * {@link offerRefusal}) and armed its timer; pages may arrive (`receiving`), then the image
 * (`resuming`: the PCB is built and held frozen). `commit` names the epoch and revision of the
 * process's directory record: the target claims it (`claiming`: compare-and-set from the
 * source's record to its own, one epoch on) and runs the process only once the directory says
 * it is its own — resumed (subscribed to its subject) before the commit is answered, so no
 * message finds nobody once the source lets go, and a lazy pull starts after it. A claim
 * refused (`ESTALE`: the source fenced it, or a duplicate of the claim got there first) or
 * unanswered reads the record (`rechecking`): its own → run; unchanged → claim again;
 * anything else (fenced) → drop, refusing the commit with `ESTALE`. While
 * the claim is open neither the session's timeout nor an `abort` drops it: only the directory
 * decides. `abort`, or no commit in time, before that drops everything received.
 *
 * offered → receiving → resuming → claiming ⇄ rechecking → committed | aborted
 */
export const targetMachine = setup({
  types: { context: {} as TargetContext, events: {} as TargetEvent, input: {} as TargetInput },
  actions: {
    armTimer: noop,
    announce: noop,
    keepPages: noop,
    install: noop,
    claim: noop,
    recheck: noop,
    recheckLater: noop,
    keepRecord: noop,
    resume: noop,
    pull: noop,
    drop: noop,
    ack: noop,
    ackCommit: noop,
    refuse: (_, _params: { code: WireError['code']; why: string }) => undefined,
    refuseCommit: (_, _params: { code: WireError['code']; why: string }) => undefined,
    refuseImage: noop,
    noteCommit: assign(({ event }) => (event.type === 'commit' ? { epoch: event.epoch, revision: event.revision, committer: event.caller, report: event.report ? { ...event.report, arrivedAt: event.at ?? 0 } : null } : {})),
  },
}).createMachine({
  id: 'migration.target',
  context: ({ input }) => ({ ...input, epoch: 0, revision: 0, committer: null, report: null }),
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
        commit,
        abort: dropped,
        timeout: 'aborted',
        // The image was refused as it was installed: the transfer gets the reason.
        failed: { target: 'aborted', actions: 'refuseImage' },
      },
    },
    claiming: {
      entry: 'claim',
      on: {
        answer: [
          ...run(isStep('claim', claimed)),
          // Refused or unanswered, read: a refusal may answer a duplicate of a claim that won.
          { guard: isStep('claim'), target: 'rechecking' },
        ],
        ...busy,
      } as never,
    },
    rechecking: {
      entry: 'recheck',
      on: {
        answer: [
          ...run(isStep('recheck', claimedHere)),
          { guard: isStep('recheck', unchanged), target: 'claiming' },
          { guard: isStep('recheck', claimed), ...lost },
          { guard: isStep('recheck'), target: 'waitingToRecheck' },
        ],
        ...busy,
      } as never,
    },
    waitingToRecheck: {
      entry: 'recheckLater',
      on: { retry: 'rechecking', ...busy } as never,
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
 * A commit meant for another run of this host (its `boot` is the one the source heard from
 * before the commit left): this run restarted since that one took the image, holds none of it,
 * and must not claim the process — whatever session it may have opened since (a duplicated
 * offer). Refused with `EBOOT`, a distinct answer: not `ESRCH`, "never had it". Null: the commit
 * names this run, or no run.
 */
export function commitBootRefusal(req: { boot?: string | undefined }, f: { hostId: string; boot: string }): WireError | null {
  if (req.boot === undefined || req.boot === f.boot) return null;
  return { code: ErrorCode.EBOOT, message: `host ${f.hostId} restarted since it took the image (boot ${f.boot} now, ${req.boot} then)` };
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

import type { DirectoryRegister } from '@wisp/kernel/sim';
import type { FsNode } from './fsSpace.js';
import type { HostNode } from './hostSpace.js';
import type { Message } from './message.js';

/** Messages in flight from one endpoint to another, oldest first (the network keeps each channel's order unless a `reorder` fault says otherwise). */
export interface Channel {
  /** `from>to`; endpoints are host ids, `fs`, `dir` (the process directory), `client` and `nats` (no-responders answers). */
  readonly key: string;
  readonly msgs: readonly Message[];
}

/** A request waiting for its answer: where the answer goes, and when the requester gives up. */
export interface Inflight {
  readonly replyTo: string;
  readonly deadline: number;
  readonly requester: { readonly host: string; readonly inc: number; readonly token: number } | { readonly client: number };
  /** The verb (or `fs.<op>`) asked. */
  readonly about: string;
}

/** Faults still allowed on a path. */
export interface Budget {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  /** Time passing while messages are still in flight (a timer, or a request's deadline, fires before they arrive). */
  readonly delay: number;
  readonly crash: number;
  readonly restart: number;
  /** A host cut off from NATS for a while, its state intact (see `Model`). */
  readonly partition: number;
  /** A host that stops stepping for a while as time runs (SIGSTOP, a long GC, a VM stall). */
  readonly pause: number;
  /** Faults of any kind left on the path (a bound on their sum; Infinity: none). */
  readonly total: number;
}

/**
 * How a host is joined to NATS: `up`; `cut` (partitioned: it runs on, but nothing reaches it and
 * nothing it sends leaves); `paused` (it takes no step, messages to it wait).
 */
export type Link = 'up' | 'cut' | 'paused';

/** What the outside world saw so far: the observable trace, plus what faults did to it. */
export interface Observations {
  /** Home console output per pid (fd 2 marked `[2]`). */
  readonly console: Readonly<Record<string, string>>;
  /** Exit codes per pid, as published on the tty. */
  readonly exits: Readonly<Record<string, number>>;
  /** Events each process emitted (JSON), in order. */
  readonly emits: Readonly<Record<string, readonly string[]>>;
  /** Migration records, `pid from>to outcome`. */
  readonly migrations: readonly string[];
  /** Answers to the client's requests, by index: `ok <outcome or value>` or `error <code>`. */
  readonly answers: Readonly<Record<string, string>>;
  /** A fault hit something a program can see (a crash, a lost or timed-out call): its trace may differ. */
  readonly perturbed: boolean;
  /** Pids whose process ended (exit, kill, crash) on the host running it. */
  readonly ended: readonly string[];
  /** Pids held by a host that crashed, or whose home crashed: they may be gone. */
  readonly lost: readonly string[];
}

/** Something the last step did that an invariant looks at (not part of the state). */
export type Note =
  | { kind: 'migrated'; host: string; pid: string; outcome: string; totalMs: number; to: string }
  | { kind: 'fault'; what: string }
  | { kind: 'stale'; pid: string; epoch: number; newest: number; what: string };

/**
 * One state of the whole cluster: each host's interned state (null while crashed) and
 * incarnation, the file server's, the process directory, the network, requests awaiting answers, the clock, the fault
 * budget left, how far the client's script got, and the observations. Immutable.
 */
export interface World {
  readonly hosts: readonly (HostNode | null)[];
  readonly incs: readonly number[];
  /** Each host's link (`up` for a crashed one). */
  readonly links: readonly Link[];
  /** When each host's partition or pause began (0 while it is up). */
  readonly outageAt: readonly number[];
  readonly fs: FsNode;
  /** The process directory (a register with compare-and-set) and its last revision. */
  readonly dir: DirectoryRegister;
  readonly dirSeq: number;
  /** Per pid, the newest directory epoch of an effect of it that was accepted (a forwarded call, a message). */
  readonly newest: Readonly<Record<string, number>>;
  readonly net: readonly Channel[];
  readonly inflight: readonly Inflight[];
  readonly clock: number;
  readonly budget: Budget;
  readonly client: number;
  readonly obs: Observations;
  /** Interned id of `obs`. */
  readonly obsId: number;
  /** What the step into this state did (for invariants; not part of the state). */
  readonly notes: readonly Note[];
}

/** One explorable step: a delivery, a fault (or the end of a partition or pause), a process slice, time passing, or the client acting. */
export type Step =
  | { kind: 'deliver'; channel: string; index: number }
  | { kind: 'drop'; channel: string; index: number }
  | { kind: 'duplicate'; channel: string; index: number }
  | { kind: 'slice'; host: string }
  | { kind: 'timer'; host: string; id: string }
  | { kind: 'deadline'; replyTo: string }
  | { kind: 'client'; index: number }
  | { kind: 'crash'; host: string }
  | { kind: 'restart'; host: string }
  | { kind: 'partition'; host: string }
  | { kind: 'heal'; host: string }
  | { kind: 'pause'; host: string }
  | { kind: 'wake'; host: string };

import { createActor, createMachine, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { PagedAddressSpace, type Program } from '@wisp/proc';
import { Fifo } from './fifo.js';

/** An action as xstate hands it to the kernel's executor. */
export interface ExecutableAction {
  type: string;
  info: { context: unknown; event: unknown; self: unknown; system: unknown };
  params: any;
  exec: ((info: unknown, params: unknown) => void) | undefined;
}

/** The scope the kernel reuses for every transition of one process (the fast path). */
export interface ProcScope {
  self: unknown;
  system: unknown;
  id: string;
  sessionId: string;
  defer: (fn: () => void) => void;
  logger: (...a: unknown[]) => void;
  stopChild: () => void;
  emit: () => void;
  actionExecutor: (a: ExecutableAction) => void;
}

/** A kernel timer owned by a process; part of its PCB so it can move with it. */
export type ProcTimer =
  | { kind: 'raise'; pid: string; due: number; event: { type: string }; sendId: string | undefined }
  | { kind: 'sleep'; pid: string; due: number; callId: number }
  /** A send (or a routed kill) tried again while its target moves; not part of the PCB image. */
  | { kind: 'retry'; pid: string; due: number; token: number }
  /**
   * A target's wait for the commit of a process arriving (`pid`), or (`retry`) a session's pause
   * before it reads the directory again; not part of any PCB.
   */
  | { kind: 'session'; pid: string; due: number; retry?: 'source' | 'target' }
  /** The home's next renewal of the migd grant its child `pid` runs on; not part of any PCB. */
  | { kind: 'lease'; pid: string; due: number }
  /** The background cleaner's next look (`pid` is empty: it is the host's); not part of any PCB. */
  | { kind: 'clean'; pid: string; due: number }
  /**
   * The next try to open `pid`'s directory record (or, `verify`, to read it after the lease
   * lapsed) after the directory did not answer; not part of any PCB.
   */
  | { kind: 'register'; pid: string; due: number; verify?: boolean };

/**
 * Process control block: everything the kernel keeps about a process running on this host.
 */
export interface Pcb {
  readonly pid: string;
  readonly home: string;
  readonly parent: string | null;
  readonly program: Program;
  snapshot: AnyMachineSnapshot;
  /** Results and signals: delivered first, even while calls are outstanding. */
  readonly urgent: Fifo<{ type: string }>;
  /** Messages and timer events: delivered only when no call is outstanding. */
  readonly mailbox: Fifo<{ type: string }>;
  /** Calls issued and not yet answered. */
  outstanding: number;
  /** Last call id issued. */
  callSeq: number;
  /** Ids of this process's armed timers. */
  readonly timers: Set<string>;
  /** Paged: faults bring pages in; replaced when a process arrives from another host. */
  memory: PagedAddressSpace;
  /** Not scheduled: leaving this host (migration) — its queues keep filling. */
  frozen: boolean;
  /**
   * Not run: this host's lease lapsed, and the directory has not yet said the process is still
   * this host's (see `leaseRule.ts`). Messages and signals for it are held meanwhile.
   */
  suspended: boolean;
  /** Waiting for pages after a fault; the faulting event is first in its queue again. */
  faulting: boolean;
  /** Pages may be in its backing file (dropped when it exits). */
  backed: boolean;
  /** After a lazy move: the source host that still holds pages owed to it. */
  lazyFrom?: string;
  /** Highest message seq taken, per sender. */
  readonly seqIn: Map<string, number>;
  /** Last message seq sent, per target pid. */
  readonly seqOut: Map<string, number>;
  /** Newest directory epoch taken from each sender: an older one is refused (fencing). */
  readonly epochIn: Map<string, number>;
  /** Calls issued and not answered: id → what. */
  readonly calls: Map<number, { call: string; args: unknown[] }>;
  readonly scope: ProcScope;
  /** Actions collected during the current transition. */
  readonly actions: ExecutableAction[];
  /**
   * Open file descriptors ≥ 3: fd → file-system stream handle (`<server>:<stream>`). Fds 0–2
   * are the home console and never appear here. A spawned child inherits them (each stream
   * dup'ed for its host, so they share offsets); streams are closed when the process ends.
   */
  readonly fds: Map<number, string>;
  /**
   * The process's record in the directory as this host last wrote it: its epoch, and the
   * record's revision (0 while its creation is unanswered: it may not migrate until then).
   */
  dir: { epoch: number; revision: number };
  /** In the run queue. */
  queued: boolean;
  alive: boolean;
  /** Transitions taken, for usage accounting. */
  transitions: number;
  /** Page faults taken here. */
  faults: number;
}

const inertMachine = createMachine({});
let sharedSelf: { system: unknown } | undefined;
function inertSelf(): { system: unknown } {
  sharedSelf ??= createActor(inertMachine) as unknown as { system: unknown };
  return sharedSelf;
}

/** Builds a PCB with a scope that captures actions instead of running them. */
export function createPcb(p: { pid: string; home: string; parent: string | null; program: Program }): Pcb {
  const actions: ExecutableAction[] = [];
  // An inert actor stands in for `self`; the program never runs as a live actor, and may not
  // spawn, invoke or send to actors (the scheduler refuses those actions), so every process
  // shares one: creating an actor per process was a sixth of the work of rebuilding a process
  // that arrives (the null process's move).
  const self = inertSelf();
  const scope: ProcScope = {
    self,
    system: self.system,
    id: p.pid,
    sessionId: p.pid,
    defer: () => undefined,
    logger: () => undefined,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: (a) => {
      actions.push(a);
    },
  };
  return {
    pid: p.pid,
    home: p.home,
    parent: p.parent,
    program: p.program,
    snapshot: undefined as unknown as AnyMachineSnapshot,
    urgent: new Fifo(),
    mailbox: new Fifo(),
    outstanding: 0,
    callSeq: 0,
    timers: new Set(),
    memory: new PagedAddressSpace(),
    frozen: false,
    suspended: false,
    faulting: false,
    backed: false,
    seqIn: new Map(),
    seqOut: new Map(),
    epochIn: new Map(),
    calls: new Map(),
    scope,
    actions,
    fds: new Map(),
    dir: { epoch: 1, revision: 0 },
    queued: false,
    alive: true,
    transitions: 0,
    faults: 0,
  };
}

/** The program's machine, typed loosely for the kernel's driving calls. */
export function logicOf(pcb: Pcb): AnyStateMachine & {
  transition(s: AnyMachineSnapshot, e: unknown, scope: ProcScope): AnyMachineSnapshot;
  getInitialSnapshot(scope: ProcScope, input: unknown): AnyMachineSnapshot;
} {
  return pcb.program.logic as never;
}

/** Whether the process may not run now: moving away, lease lapsed, or waiting for pages. */
export function halted(p: Pcb): boolean {
  return p.frozen || p.suspended || p.faulting;
}

import { createActor, createMachine, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { AddressSpace, type Program } from '@wisp/proc';
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
  | { kind: 'sleep'; pid: string; due: number; callId: number };

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
  readonly memory: AddressSpace;
  readonly scope: ProcScope;
  /** Actions collected during the current transition. */
  readonly actions: ExecutableAction[];
  /**
   * Open file descriptors ≥ 3: fd → file-system stream handle (`<server>:<stream>`). Fds 0–2
   * are the home console and never appear here. A spawned child inherits them (each stream
   * dup'ed for its host, so they share offsets); streams are closed when the process ends.
   */
  readonly fds: Map<number, string>;
  /** In the run queue. */
  queued: boolean;
  alive: boolean;
  /** Transitions taken, for usage accounting. */
  transitions: number;
}

const inertMachine = createMachine({});

/** Builds a PCB with a scope that captures actions instead of running them. */
export function createPcb(p: { pid: string; home: string; parent: string | null; program: Program }): Pcb {
  const actions: ExecutableAction[] = [];
  // One inert actor per process stands in for `self`; the program never runs as a live actor.
  const self = createActor(inertMachine) as unknown as { system: unknown };
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
    memory: new AddressSpace(),
    scope,
    actions,
    fds: new Map(),
    queued: false,
    alive: true,
    transitions: 0,
  };
}

/** The program's machine, typed loosely for the kernel's driving calls. */
export function logicOf(pcb: Pcb): AnyStateMachine & {
  transition(s: AnyMachineSnapshot, e: unknown, scope: ProcScope): AnyMachineSnapshot;
  getInitialSnapshot(scope: ProcScope, input: unknown): AnyMachineSnapshot;
} {
  return pcb.program.logic as never;
}

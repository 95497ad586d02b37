import type { DirectoryOp, FsFence, ProcessImage, Subjects, TimerImage, WireError } from '@wisp/protocol';
import type { Answer, Caller, Continuation } from '../caller.js';
import type { FsOp } from '../effects.js';
import type { Pcb } from '../pcb.js';

/** How a request is sent: its timeout, raw bytes to frame with the body, a framed reply. */
export interface RequestOptions {
  timeoutMs?: number;
  bytes?: Uint8Array[];
  framedReply?: boolean;
}

/**
 * What the migration code may do to the kernel it runs in: the narrow waist between the
 * kernel's process table and the migration sessions, so each can be read on its own. The
 * migration code never holds the process map or the home table: it asks for one process by
 * pid, for the foreign ones (eviction), and tells the home where a process went.
 */
export interface KernelPort {
  readonly hostId: string;
  readonly subjects: Subjects;
  /** This run of the host (directory records name it). */
  readonly boot: string;
  now(): number;
  /** Asks the process directory; the answer comes back through `k`. Returns the token. */
  directory(op: DirectoryOp, k: Continuation): number;
  /** Sends a request; the answer comes back through `k`. Returns the token. */
  request(subject: string, body: unknown, k: Continuation, opts?: RequestOptions): number;
  /** Asks the host's file-system client, for the process `fence` names (see `fenceOf`); the answer comes back through `k`. */
  fs(op: FsOp, args: unknown[], k: Continuation, fence?: FsFence): number;
  answer(caller: Caller, answer: Answer): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
  event(kind: string, data: Record<string, unknown>): void;

  /** The process `pid` in this host's table, if there is one. */
  process(pid: string): Pcb | undefined;
  /** The live processes here whose home is elsewhere (the ones an eviction sends home). */
  foreign(): Pcb[];
  /** Whether this host can run `program@version` (an offer's check). */
  hasProgram(program: string, version: string): boolean;
  /** As `pid`'s home: it runs on `host` now. */
  locate(pid: string, host: string): void;

  /** Stops running the process at the next safe point (now: transitions are atomic). */
  freeze(pcb: Pcb): void;
  /** Runs it again here (an aborted migration); its blocking calls are issued again. */
  thaw(pcb: Pcb): void;
  /** Calls still open that are not quick ones (they are re-issued where the process goes). */
  blockingCalls(pcb: Pcb): ProcessImage['reissue'];
  /** No call is open that must finish before the process can move (any but blocking ones and sleeps). */
  quiesced(pcb: Pcb): boolean;
  /** The process's kernel timers, with the time each has left. */
  timerImages(pcb: Pcb): TimerImage[];
  /** Takes a process that moved away off this host (no exit: it lives on elsewhere). */
  release(pcb: Pcb): void;
  /** Builds the PCB of an arriving process from its image (not yet running). */
  rebuild(image: ProcessImage): Pcb;
  /** Starts an arrived process here: subscribe, timers, re-issued calls, schedule. */
  adopt(pcb: Pcb, image: ProcessImage): void;
  /**
   * Arms a session's timer: a target's wait for the commit (it drops the arriving process), or
   * either side's pause before it reads the directory again (`retry`). Returns its id.
   */
  armSessionTimer(pid: string, ms: number, side?: 'source' | 'target'): string;
  disarmSessionTimer(id: string): void;
  /** Pages a faulting process waited for are in: it runs again; or (`error`) they cannot be brought in: it ends, as with a bus error. */
  pagesIn(pcb: Pcb, error?: WireError): void;
  /** A move away from here ended (committed or aborted): messages held for the process go on. */
  moveEnded(pid: string): void;
}

import type { AnyStateMachine } from 'xstate';

/**
 * A program: XState machine logic with a name and version. Hosts share programs through a
 * {@link ProgramRegistry}, as Sprite hosts shared binaries through the file system.
 *
 * The kernel drives the machine one event at a time; the machine must not invoke or spawn
 * actors, nor use `sendTo` — it talks to the world only through `sys.*` actions.
 */
export interface Program {
  /** Name used by `wisp run` and `sys.spawn`. */
  readonly name: string;
  /** Version; a host refuses a process whose name@version it lacks. */
  readonly version: string;
  /** The machine; it gets {@link ProcInput} as input. */
  readonly logic: AnyStateMachine;
  /** One line for `wisp programs` and help text. */
  readonly summary?: string;
}

/** What the kernel passes as `input` when a process starts. */
export interface ProcInput {
  /** The process's own pid. */
  pid: string;
  /** The parent's pid, or null when started from outside (the CLI). */
  parent: string | null;
  /** Arguments, like argv without the program name. */
  args: string[];
}

/** Declares a program. */
export function defineProgram(p: { name: string; version?: string; logic: AnyStateMachine; summary?: string }): Program {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(p.name)) throw new Error(`invalid program name '${p.name}'`);
  return { name: p.name, version: p.version ?? '1', logic: p.logic, ...(p.summary ? { summary: p.summary } : {}) };
}

import type { SyscallName } from './syscalls.js';

/** An argument: a value, or a function of the transition's context and event. */
export type Arg<T> = T | ((a: { context: any; event: any }) => T);

/** What the kernel finds on a `sys.*` action: the call and its unresolved arguments. */
export interface SyscallSpec {
  call: SyscallName;
  args: readonly Arg<unknown>[];
}

/** Marks an action function as a syscall; the kernel reads it, xstate just passes it through. */
export const SYSCALL: unique symbol = Symbol.for('wisp.syscall');

/** A `sys.*` action as placed in a machine's `entry`, `exit` or transition `actions`. */
export type SyscallAction = ((...a: any[]) => void) & { [SYSCALL]: SyscallSpec };

function syscall(call: SyscallName, args: Arg<unknown>[]): SyscallAction {
  // The body never runs: the kernel intercepts the action by its tag and performs the call.
  const action = (() => undefined) as unknown as SyscallAction;
  Object.defineProperty(action, 'name', { value: `sys.${call}` });
  action[SYSCALL] = { call, args };
  return action;
}

/** Resolves a syscall's arguments against the transition that issued it. */
export function resolveArgs(spec: SyscallSpec, info: { context: unknown; event: unknown }): unknown[] {
  return spec.args.map((a) => (typeof a === 'function' ? (a as (x: typeof info) => unknown)(info) : a));
}

/** Options of `sys.spawn`. */
export interface SpawnOptions {
  /** Host to run the child on (exec-time remote creation); home when absent. */
  on?: string;
  /**
   * Run the child on an idle host that migd grants (exec-time migration); at home when migd is
   * not running or no host is idle. Ignored when `on` is given.
   */
  anywhere?: boolean;
}

/**
 * Syscall action creators. Each issues one call; its result comes back as a
 * `sys.result` event. A process with calls outstanding gets no mailbox messages until
 * they are answered, as a Unix process is blocked in a syscall.
 */
export const sys = {
  /** Your own pid. */
  getpid: () => syscall('getpid', []),
  /** Milliseconds since the epoch by the home host's clock. */
  time: () => syscall('time', []),
  /** Blocks for `ms` milliseconds. */
  sleep: (ms: Arg<number>) => syscall('sleep', [ms]),
  /** Sends `event` (an object with a `type`) to `pid`; it arrives with `from` set to your pid. */
  send: (pid: Arg<string>, event: Arg<{ type: string; [k: string]: unknown }>) => syscall('send', [pid, event]),
  /** Writes text to a file descriptor (1 = stdout, 2 = stderr on the home console; ≥ 3 an open file, as UTF-8). */
  write: (fd: Arg<number>, data: Arg<string>) => syscall('write', [fd, data]),
  /** Reads up to `max` bytes from a file descriptor, decoded as UTF-8 text; '' at end of file. */
  read: (fd: Arg<number>, max: Arg<number> = 65536) => syscall('read', [fd, max]),
  /** Starts `program` with `args`; the result value is `{ pid, host }`. */
  spawn: (program: Arg<string>, args: Arg<string[]> = [], opts: Arg<SpawnOptions> = {}) =>
    syscall('spawn', [program, args, opts]),
  /** Ends the process with `code`. */
  exit: (code: Arg<number> = 0) => syscall('exit', [code]),
  /** Waits for a child (a given pid, or any when omitted) to exit; value `{ pid, code }`. */
  wait: (pid: Arg<string | null> = null) => syscall('wait', [pid]),
  /** Sends a signal (e.g. 'TERM', 'KILL', 'USR1') to a process anywhere in the cluster. */
  kill: (pid: Arg<string>, signal: Arg<string> = 'TERM') => syscall('kill', [pid, signal]),
  /** Grows the address space by `bytes`; value is the new size. */
  grow: (bytes: Arg<number>) => syscall('grow', [bytes]),
  /**
   * Opens a file on the file server owning `path`; `mode` as in `fopen` (`r`, `w`, `a`, `r+`,
   * `w+`, `a+`). The result value is the new fd (the lowest free one ≥ 3). A spawned child
   * inherits its parent's fds, sharing their offsets.
   */
  open: (path: Arg<string>, mode: Arg<string> = 'r') => syscall('open', [path, mode]),
  /** Closes a file descriptor. */
  close: (fd: Arg<number>) => syscall('close', [fd]),
  /** Moves a file fd's offset (`whence`: 'set', 'cur' or 'end'); value is the new offset. */
  seek: (fd: Arg<number>, offset: Arg<number>, whence: Arg<string> = 'set') => syscall('seek', [fd, offset, whence]),
  /** A file's or directory's `{ type, size, version }`. */
  stat: (path: Arg<string>) => syscall('stat', [path]),
  /** Removes a file or an empty directory. */
  unlink: (path: Arg<string>) => syscall('unlink', [path]),
  /** Creates a directory. */
  mkdir: (path: Arg<string>) => syscall('mkdir', [path]),
  /** Lists a directory; value is its entries. */
  readdir: (path: Arg<string>) => syscall('readdir', [path]),
} as const;

/**
 * The syscall table: every call a program can make and where it runs (DESIGN §3).
 * - `local`: location-independent, served by the host running the process;
 * - `home`: location-dependent, forwarded to the home host when the process is away;
 * - `fs`: straight to the file server owning the path (console fds 0–2 go home instead).
 */
export const syscallTable = {
  getpid: 'local',
  sleep: 'local',
  send: 'local',
  grow: 'local',
  time: 'home',
  spawn: 'home',
  exit: 'home',
  wait: 'home',
  kill: 'home',
  read: 'fs',
  write: 'fs',
  open: 'fs',
  close: 'fs',
  seek: 'fs',
  stat: 'fs',
  unlink: 'fs',
  mkdir: 'fs',
  readdir: 'fs',
} as const;

/** A syscall name. */
export type SyscallName = keyof typeof syscallTable;

/** Where a call runs. */
export type SyscallPlace = (typeof syscallTable)[SyscallName];

/** Number of file descriptors wired to the home console (stdin, stdout, stderr). */
export const CONSOLE_FDS = 3;

/** Where `call` with these args runs: console reads and writes go home, other fds to the file server. */
export function placeOf(call: SyscallName, args: readonly unknown[]): SyscallPlace {
  if ((call === 'read' || call === 'write') && typeof args[0] === 'number' && args[0] < CONSOLE_FDS) return 'home';
  return syscallTable[call];
}

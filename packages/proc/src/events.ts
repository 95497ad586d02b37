import type { SyscallName } from './syscalls.js';

/** The event that carries a syscall's result back to the process. */
export interface SysResult {
  type: 'sys.result';
  /** Per-process call number, in issue order. */
  id: number;
  /** Which call this answers. */
  call: SyscallName;
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

/** The event a process gets for a signal it handles (`sys.signal` in the current state). */
export interface SysSignal {
  type: 'sys.signal';
  signal: string;
}

/** A guard matching the result of `call`, e.g. `guard: resultOf('time')`. */
export function resultOf(call: SyscallName, ok?: boolean) {
  return ({ event }: { event: { type: string; call?: unknown; ok?: unknown } }): boolean =>
    event.type === 'sys.result' && event.call === call && (ok === undefined || event.ok === ok);
}

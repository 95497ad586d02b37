import type { SysResult, SysSignal } from '@wisp/proc';

/** What every example machine outputs; the kernel takes `code` as the exit status. */
export interface ExitOutput {
  code: number;
}

/**
 * Root `output` of the example machines: passes on the `output` of the final state reached,
 * so each final state declares its own exit code.
 */
export function passOutput({ event }: { event: unknown }): ExitOutput {
  const out = (event as { output?: Partial<ExitOutput> } | undefined)?.output;
  return { code: typeof out?.code === 'number' ? out.code : 0 };
}

/** The events of the kernel every program may see: syscall results and handled signals. */
export type KernelEvents = SysResult | SysSignal;

/** The value of a successful `sys.result`. */
export function resultValue<T>(event: unknown): T {
  return (event as SysResult).value as T;
}

/** A one-line description of a failed `sys.result`. */
export function resultError(event: unknown): string {
  const e = event as SysResult;
  return `${e.call} failed: ${e.error?.code ?? 'EIO'} ${e.error?.message ?? ''}`.trimEnd();
}

/** The `opts` of `sys.spawn` for an optional target host; `anywhere` is an idle host migd grants. */
export function onHost(host: string | null): { on?: string; anywhere?: boolean } {
  if (host === 'anywhere') return { anywhere: true };
  return host ? { on: host } : {};
}

/** A file call's failure as a program reports it: `<program>: <path>: <code> <message>`. */
export function fileError(program: string, path: string, event: unknown): string {
  const e = (event as SysResult).error;
  return `${program}: ${path}: ${e?.code ?? 'EIO'} ${e?.message ?? ''}`.trimEnd();
}

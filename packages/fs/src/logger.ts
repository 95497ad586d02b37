/**
 * The logging surface the file-server edge and the client use: the subset of pino's `Logger`
 * they call, so a pino logger (e.g. `createLogger()` of `@wisp/runtime`) can be passed as is
 * without this package depending on pino.
 */
export interface FsLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The default logger: one JSON line per warning or error on stderr (debug and info are dropped). */
export function stderrLogger(name: string, bindings: Record<string, unknown> = {}): FsLogger {
  const line = (level: string) => (obj: object, msg?: string) => {
    process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name, ...bindings, ...obj, msg })}\n`);
  };
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
}

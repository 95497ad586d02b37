import { hostname } from 'node:os';
import { pino, type LogFn, type Logger } from 'pino';
import { prettyDestination, type LogPublisher } from './logSink.js';

/**
 * The root logger: pino JSON on stderr (or `destination`), level from `WISP_LOG_LEVEL`
 * (default `info`); `WISP_LOG_FORMAT=pretty` writes stderr as one readable line per record
 * ({@link formatLogRecord}) instead. Each actor logs through its own child (`{ host, machine }`,
 * `{ host, pid, machine }`). With a `publisher`, lines at `WISP_LOG_PUBLISH_LEVEL` (default
 * `info`) or above also go to it, whatever stderr's level (see {@link LogPublisher}).
 *
 * Every key appears once per line, which pino does not ensure by itself:
 * - In Wisp `pid` is a Wisp process id, so the OS process id pino adds is `osPid`.
 * - A field a line logs that a child already binds (`log.child({ pid }).warn({ pid }, …)`) is
 *   left out when it has the same value, and kept as `line.<key>` when it differs.
 */
export function createLogger(name = 'wisp', level = process.env.WISP_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream, publisher?: LogPublisher): Logger {
  const out = destination ?? (process.env.WISP_LOG_FORMAT === 'pretty' ? prettyDestination(pino.destination(2), escapesFor(process.stderr)) : pino.destination(2));
  const options = { name, level, base: { osPid: process.pid, hostname: hostname() }, hooks: { logMethod: withoutBoundFields } };
  if (!publisher) return pino(options, out);
  const publishLevel = process.env.WISP_LOG_PUBLISH_LEVEL ?? 'info';
  const value = (l: string) => pino.levels.values[l] ?? Number.POSITIVE_INFINITY;
  const streams: pino.StreamEntry[] = [{ level: publishLevel as pino.Level, stream: publisher }];
  if (level !== 'silent') streams.push({ level: level as pino.Level, stream: out });
  // The logger writes what either stream wants; each stream takes its own levels.
  return pino({ ...options, level: value(level) <= value(publishLevel) ? level : publishLevel }, pino.multistream(streams));
}

/** Whether stderr may carry escape codes (a terminal, no `NO_COLOR`). */
function escapesFor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

/** pino's `logMethod` hook: drops (or renames) the fields of a line that its logger already binds. */
function withoutBoundFields(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const [fields, ...rest] = args as unknown[];
  if (!isPlainObject(fields)) return method.apply(this, args);
  const bound = boundFields(this);
  let kept: Record<string, unknown> | null = null;
  for (const key of Object.keys(fields)) {
    if (!(key in bound)) continue;
    kept ??= { ...fields };
    delete kept[key];
    if (!sameJson(bound[key], fields[key])) kept[`line.${key}`] = fields[key];
  }
  return kept ? method.apply(this, [kept, ...rest] as Parameters<LogFn>) : method.apply(this, args);
}

/**
 * What `logger` and its parents bind, as they are written. `logger.bindings()` would not do:
 * it drops `pid` (pino assumes it is the OS pid).
 */
function boundFields(logger: Logger): Record<string, unknown> {
  const chindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  const cached = parsedBindings.get(logger);
  if (cached?.chindings === chindings) return cached.bound;
  const bound = chindings === '' ? {} : (JSON.parse(`{${chindings.slice(1)}}`) as Record<string, unknown>);
  parsedBindings.set(logger, { chindings, bound });
  return bound;
}

/** Each logger's bindings, parsed once (they change only through `setBindings`, which changes the text). */
const parsedBindings = new WeakMap<Logger, { chindings: string; bound: Record<string, unknown> }>();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

export type { Logger };

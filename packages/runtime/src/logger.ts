import { pino, type Logger } from 'pino';

/**
 * The root logger: pino JSON on stderr, level from `WISP_LOG_LEVEL` (default `info`).
 * Each actor logs through its own child (`{ host }`, `{ host, pid }`).
 */
export function createLogger(name = 'wisp', level = process.env.WISP_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination(2));
}

export type { Logger };

import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

/** A logger at debug level whose lines are collected as raw text. */
function collecting(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger('test', 'debug', { write: (s: string) => void lines.push(s.trimEnd()) });
  return { lines, log };
}

const count = (line: string, key: string) => line.split(`"${key}":`).length - 1;

describe('createLogger: each key once per line', () => {
  it('pid is the Wisp pid a child binds; the OS pid is osPid', () => {
    const { lines, log } = collecting();
    log.child({ host: 'h1' }).child({ pid: 'h1-7' }).info({ pid: 'h1-7', code: 'EINVAL' }, 'bad');
    expect(lines).toHaveLength(1);
    expect(count(lines[0]!, 'pid')).toBe(1);
    expect(count(lines[0]!, 'host')).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ pid: 'h1-7', host: 'h1', osPid: process.pid, code: 'EINVAL', msg: 'bad' });
  });

  it('a field that differs from the bound one is kept as line.<key>', () => {
    const { lines, log } = collecting();
    log.child({ pid: 'h1-7' }).warn({ pid: 'h2-1' }, 'signal to another process');
    expect(count(lines[0]!, 'pid')).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ pid: 'h1-7', 'line.pid': 'h2-1' });
  });

  it('lines without bound fields, errors and plain messages are written as pino writes them', () => {
    const { lines, log } = collecting();
    const child = log.child({ host: 'h1' });
    child.debug({ programs: 3 }, 'host up');
    child.error({ err: new Error('boom') }, 'failed');
    child.warn('just text');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { host: 'h1', programs: 3, msg: 'host up' },
      { host: 'h1', err: { message: 'boom' }, msg: 'failed' },
      { host: 'h1', msg: 'just text' },
    ]);
  });
});

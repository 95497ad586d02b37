import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { LogPublisher, formatLogRecord, prettyDestination } from '../src/logSink.js';

describe('log publishing and pretty lines', () => {
  it('the publisher takes info lines even when stderr logs only warnings, and keeps the recent ones', () => {
    const stderr: string[] = [];
    const publisher = new LogPublisher(3);
    const log = createLogger('t', 'warn', { write: (s: string) => void stderr.push(s) }, publisher).child({ host: 'h1', machine: 'kernel' });
    for (let i = 1; i <= 5; i++) log.info({ n: i }, 'step');
    log.debug('too chatty for either');
    log.warn('careful');
    expect(stderr.map((l) => JSON.parse(l).msg)).toEqual(['careful']);
    const kept = (publisher as unknown as { recent: string[] }).recent.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(kept.map((r) => r.n ?? r.msg)).toEqual([4, 5, 'careful']);
    expect(kept[0]).toMatchObject({ host: 'h1', machine: 'kernel' });
  });

  it('a record for people: time, level, source, pid, machine, message, other fields', () => {
    const line = formatLogRecord({ level: 40, time: Date.UTC(2026, 0, 1, 12, 3, 4, 5), name: 'wisp-host', hostname: 'x', osPid: 1, host: 'h2', pid: 'h1-3', machine: 'kernel', msg: 'rejected', code: 'EINVAL', detail: { a: 1 } });
    expect(line).toBe('12:03:04.005 WARN  h2 h1-3 [kernel] rejected code=EINVAL detail={"a":1}\n');
    const out: string[] = [];
    prettyDestination({ write: (s: string) => out.push(s) }).write('not json\n');
    expect(out).toEqual(['not json\n']);
  });
});

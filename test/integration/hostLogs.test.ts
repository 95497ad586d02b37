import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { runToEnd } from './runProgram.js';

/**
 * A host's log as a log collector sees it: `wisp host` as its own OS process, JSON lines on
 * stderr. Each line must be one JSON object with each key once (JSON.parse keeps the last of
 * duplicates silently, so the raw text is checked), and a process's lines carry its Wisp pid.
 */

let c: LocalCluster;
let stderr = '';

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 1, cluster: 'hostlogs', logLevel: 'info' });
  c.hosts[0]!.child.stderr!.on('data', (d: string) => (stderr += d));
});

afterAll(async () => {
  await c?.stop();
});

/** The keys of one JSON object's top level, in order, duplicates included. */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  // JSON strings: a key is a string at depth 1 followed by ':'.
  const token = /"(?:[^"\\]|\\.)*"|[{}[\]:]/g;
  let m: RegExpExecArray | null;
  let last = '';
  while ((m = token.exec(line))) {
    const t = m[0];
    if (t === '{' || t === '[') depth++;
    else if (t === '}' || t === ']') depth--;
    else if (t === ':' && depth === 1) keys.push(JSON.parse(last) as string);
    last = t;
  }
  return keys;
}

describe('host logs', () => {
  it('a crash is logged once, with the Wisp pid as the only "pid" key', async () => {
    const r = await runToEnd(c.client, 'crasher', [], { home: 'h1' });
    expect(r.code).toBe(70);
    // The log line is written before the exit is answered; the pipe may deliver it a moment later.
    await new Promise<void>((resolve) => {
      const check = () => stderr.includes('crashed') && (c.hosts[0]!.child.stderr!.off('data', check), resolve());
      c.hosts[0]!.child.stderr!.on('data', check);
      check();
    });
    // The home console's stderr (`[h1-1] crasher: …`) shares the host's stderr with its log.
    const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
    for (const line of lines) {
      expect(line.split('"pid":').length - 1, line).toBeLessThanOrEqual(1);
      const keys = topLevelKeys(line);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i), line).toEqual([]);
      expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    }
    const crash = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('crashed'))!;
    expect(crash).toMatchObject({ pid: r.pid, host: 'h1', level: 50 });
    expect(crash.osPid).toBe(c.hosts[0]!.child.pid);
  });
});

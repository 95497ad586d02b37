import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, wispArgs, type LocalCluster } from '@wisp/cli';
import { startLines } from './runProgram.js';

/**
 * `wisp logs` on a cluster of OS processes: hosts log at `warn` on their stderr but publish their
 * info lines, so the real CLI, as its own process, lists the recent ones and follows new ones.
 */

let c: LocalCluster;
const followers: ChildProcess[] = [];
const run = promisify(execFile);

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 2, cluster: 'logs' });
}, 60_000);

afterAll(async () => {
  for (const f of followers) f.kill('SIGTERM');
  await c?.stop();
});

const wisp = async (...command: string[]) => (await run(process.execPath, wispArgs(command, c), { encoding: 'utf8' })).stdout;

/** `wisp logs -f …` as a child; its stdout lines as they come. */
function follow(...args: string[]): { lines: string[]; until(pred: (l: string) => boolean, ms?: number): Promise<string> } {
  const child = spawn(process.execPath, wispArgs(['logs', '-f', ...args], c), { stdio: ['ignore', 'pipe', 'pipe'] });
  followers.push(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  return {
    lines,
    until: (pred, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching line within ${ms} ms; got:\n${lines.join('\n')}`)), ms);
        const check = () => {
          const l = lines.find(pred);
          if (l !== undefined) {
            clearTimeout(t);
            return resolve(l);
          }
          waiters.push(check);
        };
        check();
      }),
  };
}

describe('wisp logs', () => {
  it('lists the recent lines of one host, readable, without the others', async () => {
    const out = await wisp('logs', '--host', 'h2');
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}h2 \[kernel\] host up programs=\d+$/m);
    expect(out).not.toMatch(/ h1 /);
  });

  it('-f follows new lines as JSON, each key once, with host, pid and machine', async () => {
    const f = follow('--log-format', 'json');
    // The tail comes after the subscription: once it is here, new lines will be too.
    await f.until((l) => l.includes('"msg":"host up"'));
    const p = await startLines(c.client, 'life', ['64', '1000', '100'], { home: 'h1' });
    await p.next();
    const rec = await c.client.migrate(p.pid, 'h2', 'flush');
    expect(rec.outcome).toBe('committed');
    const line = await f.until((l) => l.includes(`migration of ${p.pid} to h2 committed`));
    expect(JSON.parse(line)).toMatchObject({ level: 30, host: 'h1', pid: p.pid, machine: 'kernel', name: 'wisp-host' });
    for (const key of ['pid', 'host', 'machine', 'msg']) expect(line.split(`"${key}":`).length - 1).toBe(1);
    // --pid: that process's lines only.
    const mine = await wisp('logs', '--pid', p.pid);
    expect(mine).toContain(`migration of ${p.pid} to h2 committed`);
    expect(mine).not.toContain('host up');
    await c.client.kill(p.pid, 'KILL');
  });
});

import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsCommand, startLocalCluster, wispArgs, type LocalCluster } from '@wisp/cli';
import { clusterEvents } from '@wisp/runtime';
import { spewLine } from './programs/pipePrograms.js';

/**
 * The CLI's output as a pipe or a file sees it. All of it arrives, even when there is far more than a pipe
 * holds (64 KiB) when the command is done. Each run is the real CLI as its own process, its
 * stdout a shell pipe into a slow reader; what it reads is compared byte for byte.
 */

const PROGRAMS = fileURLToPath(new URL('./programs/pipePrograms.ts', import.meta.url));
let c: LocalCluster;

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 1, cluster: 'clioutput', programs: [PROGRAMS] });
});

afterAll(async () => {
  await c?.stop();
});

/**
 * Runs `wisp <command…>` with stdout a shell pipe into `cat`, whose output we read slowly
 * (one chunk per 10 ms, from when `readFrom` resolves): a consumer slower than the CLI, so the
 * CLI has most of its output still to write when its work is done. Returns the exit status
 * (pipefail), the bytes read and stderr.
 */
async function wispThroughPipe(command: string[], readFrom: Promise<unknown> = Promise.resolve()): Promise<{ code: number | null; out: Buffer; err: string }> {
  const child = spawn('bash', ['-c', 'set -o pipefail; "$@" | cat', 'bash', process.execPath, ...wispArgs(command, c)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  // Until then the stream is paused: the pipes fill and the CLI's writes wait.
  await readFrom;
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) {
    chunks.push(chunk as Buffer);
    await delay(10);
  }
  return { code: await closed, out: Buffer.concat(chunks), err };
}

/** Resolves when a process of `program` has exited anywhere in the cluster. */
function exitOf(program: string): Promise<void> {
  return new Promise((resolve) => {
    let pid = '';
    const sub = clusterEvents(c.client.nc, c.cluster, ['proc.start', 'proc.exit']).subscribe((e) => {
      if (e.kind === 'proc.start' && e.data.program === program) pid = String(e.data.pid);
      if (e.kind === 'proc.exit' && pid !== '' && e.data.pid === pid) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
}

describe('output through a pipe', () => {
  it('wisp fs cat of a file larger than 1 MiB writes every byte', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 24_000; i++) lines.push(spewLine(i));
    // fs put writes its words and a newline.
    const text = lines.join('').slice(0, -1);
    await fsCommand(c.client, '/=fs1', c.cluster, ['put', '/big.txt', text]);
    const expected = Buffer.from(`${text}\n`, 'utf8');
    expect(expected.length).toBeGreaterThan(1 << 20);

    const r = await wispThroughPipe(['fs', 'cat', '/big.txt']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(expected.length);
    expect(r.out.equals(expected)).toBe(true);
  });

  it('wisp run: a program’s console output larger than 1 MiB arrives whole, in order', async () => {
    const n = 20_000;
    const expected = Buffer.from(Array.from({ length: n }, (_, i) => spewLine(i + 1)).join(''), 'utf8');
    expect(expected.length).toBeGreaterThan(1 << 20);

    // Reading starts once the program has exited: the CLI then has nearly all of it to write.
    const r = await wispThroughPipe(['run', 'spew', String(n), '--home', 'h1'], exitOf('spew'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(expected.length);
    expect(r.out.equals(expected)).toBe(true);
  });

  it('the exit code survives the wait for the pipe', async () => {
    const r = await wispThroughPipe(['fs', 'cat', '/no-such-file']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^wisp: .*ENOENT/);
  });
});

/** Runs `wisp <command…>` with stdout on a terminal (a pty from `script`); what the terminal showed. */
function wispOnTerminal(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const quoted = [process.execPath, ...wispArgs(command, c)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

describe('escape codes only on a terminal', () => {
  const withoutNoColor = { ...process.env };
  delete withoutNoColor.NO_COLOR;

  it('wisp hosts through a pipe is plain text', async () => {
    const r = await wispThroughPipe(['hosts']);
    expect(r.code).toBe(0);
    expect(r.out.toString('utf8')).toMatch(/^HOST +OWNER/);
    expect(r.out.includes(0x1b)).toBe(false);
  });

  it('wisp hosts on a terminal has a bold header, and none with NO_COLOR set', async () => {
    const tty = await wispOnTerminal(['hosts'], withoutNoColor);
    expect(tty.code).toBe(0);
    expect(tty.out).toMatch(/^\x1b\[1mHOST +OWNER.*\x1b\[22m\r?\n/);
    const noColor = await wispOnTerminal(['hosts'], { ...withoutNoColor, NO_COLOR: '1' });
    expect(noColor.code).toBe(0);
    expect(noColor.out).toMatch(/^HOST +OWNER/);
    expect(noColor.out).not.toContain('\x1b');
  });
});

import { spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, wispArgs, type LocalCluster } from '@wisp/cli';
import { startLines } from './runProgram.js';

/**
 * `wisp top` as a user sees it: the real CLI in a tmux pane (a real terminal), on a cluster of
 * hosts, migd and a file server as OS processes. Keys go in with send-keys, the screen comes
 * back with capture-pane; each check waits for the screen to show what it expects, up to a deadline.
 */

const SOCKET = `wisp-top-test-${process.pid}`;
const SESSION = 'top';
let c: LocalCluster;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', SESSION);

/** Waits until the pane shows a line matching `re`; returns how long that took. */
async function untilScreen(re: RegExp, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const text = screen();
    if (text.split('\n').some((l) => re.test(l))) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`the pane never showed ${re} within ${timeoutMs} ms; it shows:\n${text}`);
    await delay(20);
  }
}

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 2, cluster: 'top', migd: true, reportMs: 200 });
  // NO_COLOR unset, TERM a terminal's: as a user's shell would run it.
  const env = ['-e', 'NO_COLOR=', '-e', 'TERM=xterm-256color'];
  const top = [process.execPath, ...wispArgs(['top'], c)];
  tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '45', ...env, 'sh', '-c', '"$@"; echo "wisp top exited $?"; exec sleep 600', 'sh', ...top);
}, 60_000);

afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  await c?.stop();
});

describe('wisp top in a terminal', () => {
  it('shows the hosts, then a process moving between them within a second of its migration', async () => {
    await untilScreen(/^h1\s+(idle|active)\s+\d/, 15_000);
    await untilScreen(/^h2\s+(idle|active)\s+\d/, 2_000);
    const run = await startLines(c.client, 'life', ['64', '1000', '100'], { home: 'h1' });
    await run.next();
    const row = (host: string) => new RegExp(`^${run.pid}\\s+life\\s+h1\\s+${host}\\s+running`);
    await untilScreen(row('h1'), 1_000);
    const rec = await c.client.migrate(run.pid, 'h2', 'copy');
    expect(rec.outcome).toBe('committed');
    const took = await untilScreen(row('h2'), 1_000);
    expect(took).toBeLessThan(1_000);
    // The migration's record: strategy, outcome and freeze ms, and the event in the scrolling list.
    await untilScreen(new RegExp(`^${run.pid}\\s+h1\\s+h2\\s+copy\\s+committed\\s+[\\d.]+ ms`), 1_000);
    await untilScreen(new RegExp(`${run.pid} h1 → h2 \\(copy\\) committed, freeze [\\d.]+ ms`), 1_000);
    // h2 reports the foreign process within a report period or two.
    await untilScreen(new RegExp(`^h2\\s+\\S+\\s+[\\d.]+ s\\s+\\d+\\s+${run.pid}`), 2_000);
    await c.client.kill(run.pid, 'KILL');
  });

  it('s sorts by the next column, 2 shows only h2, 0 all again; q quits', async () => {
    tmux('send-keys', '-t', SESSION, 's');
    await untilScreen(/sort: program\s+host: all/, 1_000);
    tmux('send-keys', '-t', SESSION, '2');
    await untilScreen(/sort: program\s+host: h2/, 1_000);
    expect(screen()).not.toMatch(/^h1\s+(idle|active)/m);
    tmux('send-keys', '-t', SESSION, '0');
    await untilScreen(/host: all/, 1_000);
    await untilScreen(/^h1\s+(idle|active)/, 1_000);
    tmux('send-keys', '-t', SESSION, 'q');
    // The shell around it says how it ended, on the terminal's main screen once top has left its own.
    await untilScreen(/^wisp top exited 0$/, 5_000);
  });
});

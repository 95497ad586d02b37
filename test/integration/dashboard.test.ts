import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalCluster, wispArgs, type LocalCluster } from '@wisp/cli';
import type { RunHandle } from '@wisp/runtime';

/**
 * The web dashboard in a real browser: a cluster of host processes on a real nats-server, the
 * real `wisp ui` as its own process, and headless Chromium (Debian's, found by
 * scripts/ensure-browser.mjs) driven by playwright-core. With `WISP_UI_SCREENSHOT=<png>` it also
 * saves a screenshot of the page (the README's is docs/ui.png).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let c: LocalCluster;
let ui: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
const runs: RunHandle[] = [];

/** Starts `wisp ui --port 0` and resolves with the address it prints. */
function startUi(): Promise<string> {
  ui = spawn(process.execPath, wispArgs(['ui', '--port', '0'], c), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  ui.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    ui.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    ui.once('exit', (code) => reject(new Error(`wisp ui exited (${code}): ${err}`)));
  });
}

beforeAll(async () => {
  const found = spawnSync(process.execPath, [resolve(ROOT, 'scripts/ensure-browser.mjs')], { encoding: 'utf8' });
  expect(found.status, found.stderr).toBe(0);
  c = await startLocalCluster({ hosts: 3, cluster: 'dashboard' });
  // The first `wisp ui` of a fresh clone builds the page (vite) before it listens.
  url = await startUi();
  browser = await chromium.launch({ executablePath: found.stdout.trim(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 980 } });
  await page.goto(url);
}, 90_000);

afterAll(async () => {
  for (const r of runs) await c.client.kill(r.pid, 'KILL').catch(() => undefined);
  await browser?.close();
  if (ui && ui.exitCode === null) {
    const gone = new Promise((r) => ui.once('exit', r));
    ui.kill('SIGTERM');
    await gone;
  }
  await c?.stop();
});

/** Where the page shows a process: the host column its card is in. */
const card = (host: string, pid: string) => `.host[data-host="${host}"] .proc[data-pid="${pid}"]`;

describe('wisp ui in headless Chromium', () => {
  it('lists the hosts side by side, each with its processes', async () => {
    await page.waitForSelector('#conn.up');
    await expect.poll(() => page.locator('.host h3').allTextContents()).toEqual(['h1', 'h2', 'h3']);
    const r = await c.client.run('life', ['256', '100000', '150'], { home: 'h1' });
    runs.push(r);
    await page.waitForSelector(card('h1', r.pid), { timeout: 3000 });
  });

  it('a migration by the client API (as `wisp migrate`) moves the process on the page within a second', async () => {
    const r = runs[0]!;
    const rec = await c.client.migrate(r.pid, 'h2', 'copy');
    expect(rec.outcome).toBe('committed');
    const shown = Date.now();
    await page.waitForSelector(card('h2', r.pid), { timeout: 1000 });
    expect(Date.now() - shown).toBeLessThan(1000);
    await expect.poll(() => page.locator(`#migrations tbody tr[data-pid="${r.pid}"]`).count(), { timeout: 2000 }).toBe(1);
    expect(await page.locator('#migrations tbody tr').first().textContent()).toContain('copy');
    expect(await page.locator('#chart circle[data-strategy="copy"]').count()).toBe(1);
  });

  it('shows the process: its machine with the current state, its address space; a click on migrate moves it on the cluster', async () => {
    const r = runs[0]!;
    await page.click(card('h2', r.pid));
    await page.waitForSelector('#detail svg.machine rect.state.active');
    const states = await page.locator('#detail svg.machine rect.state').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(expect.arrayContaining(['', 'stepping', 'printing', 'resting', 'done']));
    expect(await page.locator('#detail .facts').textContent()).toMatch(/address space\s*0\.13 MB: 32 pages/);
    await page.selectOption('#migrate-to', 'h3');
    await page.selectOption('#migrate-strategy', 'lazy');
    await page.click('#migrate');
    await expect.poll(async () => (await c.client.ps()).find((p) => p.pid === r.pid)?.host, { timeout: 5000 }).toBe('h3');
    await page.waitForSelector(card('h3', r.pid), { timeout: 1000 });
  });

  it('lists a process\'s open files (from its file server) and kills it with a click', async () => {
    const tee = await c.client.run('tee', ['/dashboard.txt'], { home: 'h1', on: 'h3', stdin: true });
    runs.push(tee);
    await page.waitForSelector(card('h3', tee.pid));
    await page.click(card('h3', tee.pid));
    await expect.poll(() => page.locator('#detail table.files').textContent(), { timeout: 5000 }).toContain('/dashboard.txt');
    await page.click('#kill');
    expect(await tee.exit).toBe(128 + 15);
    await page.waitForSelector(`.proc[data-pid="${tee.pid}"]`, { state: 'detached', timeout: 3000 });
  });

  it('takes actions only from the page: another origin, or a body that is not JSON, is refused', async () => {
    const r = runs[0]!;
    const forged: Array<{ headers: Record<string, string>; body: string }> = [
      { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ pid: r.pid, signal: 'KILL' }) },
      { headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ pid: r.pid, signal: 'KILL' }) },
    ];
    for (const f of forged) expect((await fetch(`${url}api/kill`, { method: 'POST', ...f })).status).toBe(403);
    expect((await c.client.ps()).find((p) => p.pid === r.pid)?.state).not.toBe('exited');
  });

  it('renders to a picture; with WISP_UI_SCREENSHOT, a fuller one saved there (the README\'s)', async () => {
    const shot = process.env.WISP_UI_SCREENSHOT;
    if (!shot) {
      // Every run: the page as it stands paints to a PNG of plausible size.
      const png = await page.screenshot({ fullPage: true });
      expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(png.length).toBeGreaterThan(10_000);
      return;
    }
    // A fuller picture: a few processes about, moves under every strategy for the chart.
    const more = await Promise.all([
      c.client.run('life', ['512', '100000', '200'], { home: 'h2' }),
      c.client.run('life', ['1024', '100000', '300'], { home: 'h3' }),
      c.client.run('sleeper', ['600000'], { home: 'h1', on: 'h2' }),
      c.client.run('tee', ['/notes.txt'], { home: 'h1', stdin: true }),
      c.client.run('counter', ['100000', '1000'], { home: 'h1' }),
    ]);
    runs.push(...more);
    for (const s of ['flush', 'copy', 'precopy', 'lazy'] as const) {
      for (const [r, to] of [[more[0]!, 'h1'], [more[1]!, 'h1'], [more[0]!, 'h2'], [more[1]!, 'h3']] as const) {
        // After a lazy move the process is busy until its pages are pulled: ask again until then.
        await expect.poll(async () => (await c.client.migrate(r.pid, to, s).catch(() => null))?.outcome, { timeout: 10_000, interval: 100 }).toBe('committed');
      }
    }
    await page.click(card('h3', runs[0]!.pid));
    await page.waitForSelector('#detail svg.machine rect.state.active');
    await page.waitForFunction('document.getAnimations().length === 0');
    mkdirSync(dirname(resolve(shot)), { recursive: true });
    await page.screenshot({ path: resolve(shot), fullPage: true });
  }, 60_000);
});

#!/usr/bin/env node
// Ensures a headless Chromium for the dashboard's browser test (Debian's `chromium` package;
// `playwright-core`, which drives it, is a devDependency that `pnpm install` brings).
// Usage: node scripts/ensure-browser.mjs [--quiet]   — prints the browser's path unless --quiet.
// Quick when it is installed; otherwise, as root with apt-get, installs it. The test finds it
// through $WISP_CHROMIUM or the same search.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const quiet = process.argv.includes('--quiet');
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The first Chromium on $WISP_CHROMIUM, PATH or the usual places, or null. */
export function findChromium() {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [process.env.WISP_CHROMIUM, ...NAMES.flatMap((n) => dirs.map((d) => join(d, n))), '/usr/bin/chromium'].filter(Boolean);
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: quiet ? 'pipe' : 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    if (quiet) process.stderr.write(`${res.stdout ?? ''}${res.stderr ?? ''}`);
    console.error(`ensure-browser: \`${cmd} ${args.join(' ')}\` failed (${res.error ? res.error.message : `exit code ${res.status}`}).`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let bin = findChromium();
  if (!bin) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot || !findExecutable('apt-get')) {
      console.error('ensure-browser: Chromium was not found. Install it (e.g. `sudo apt-get install -y chromium`) or set WISP_CHROMIUM to its path.');
      process.exit(1);
    }
    console.log('installing chromium via apt-get (for the dashboard test)…');
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', 'chromium']);
    bin = findChromium();
    if (!bin) {
      console.error('ensure-browser: apt-get finished but chromium is still not found.');
      process.exit(1);
    }
  }
  if (!quiet) console.log(bin);
}

function findExecutable(name) {
  for (const d of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return null;
}

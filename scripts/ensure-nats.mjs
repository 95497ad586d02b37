#!/usr/bin/env node
// Ensures `nats-server` is installed (Wisp needs it for tests, the CLI and benches).
// Usage: node scripts/ensure-nats.mjs [--quiet]
//   --quiet  print nothing when nats-server is already present.
// If missing and running as root with apt-get available, installs it via apt-get.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const quiet = process.argv.includes('--quiet');

/** Returns the absolute path of an executable found on PATH or in `extra`, or null. */
function findExecutable(name, extra = []) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [...dirs.map((d) => join(d, name)), ...extra];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const findNats = () => findExecutable('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']);

function fail(message) {
  console.error(`ensure-nats: ${message}`);
  console.error(
    [
      'nats-server is required. Install it with one of:',
      '  sudo apt-get install -y nats-server        (Debian/Ubuntu)',
      '  brew install nats-server                   (macOS)',
      '  go install github.com/nats-io/nats-server/v2@latest',
      '  or download a release from https://github.com/nats-io/nats-server/releases',
      'and make sure it is on your PATH, then re-run `pnpm setup`.',
    ].join('\n'),
  );
  process.exit(1);
}

/** Runs a command; in quiet mode captures output and only shows it on failure. */
function run(cmd, args) {
  const res = spawnSync(cmd, args, {
    stdio: quiet ? 'pipe' : 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (res.error || res.status !== 0) {
    if (quiet) {
      if (res.stdout) process.stderr.write(res.stdout);
      if (res.stderr) process.stderr.write(res.stderr);
    }
    const why = res.error ? res.error.message : `exit code ${res.status ?? res.signal}`;
    fail(`\`${cmd} ${args.join(' ')}\` failed (${why}).`);
  }
}

let bin = findNats();
if (!bin) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = findExecutable('apt-get');
  if (!isRoot || !aptGet) {
    fail(
      !aptGet
        ? 'nats-server was not found and apt-get is not available for automatic installation.'
        : 'nats-server was not found and automatic installation via apt-get requires root.',
    );
  }
  if (quiet) console.log('installing nats-server via apt-get…');
  else console.log('nats-server not found; installing it via apt-get…');
  run(aptGet, ['update']);
  run(aptGet, ['install', '-y', 'nats-server']);
  bin = findNats();
  if (!bin) fail('apt-get finished but nats-server is still not found.');
}

if (!quiet) {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const version = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim() || 'unknown version';
  console.log(`${version} (${bin})`);
}
process.exit(0);

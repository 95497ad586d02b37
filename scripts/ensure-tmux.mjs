#!/usr/bin/env node
// Ensures `tmux` is installed: the test of `wisp top` runs it in a tmux pane (send-keys, capture-pane).
// Usage: node scripts/ensure-tmux.mjs [--quiet]
// If missing and running as root with apt-get available, installs it via apt-get.
import { spawnSync } from 'node:child_process';

const quiet = process.argv.includes('--quiet');
const has = (cmd) => spawnSync(cmd, ['-V'], { stdio: 'ignore' }).status === 0;
const apt = (args) => spawnSync('apt-get', args, { stdio: quiet ? 'pipe' : 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;

if (!has('tmux')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error('ensure-tmux: tmux is required by the tests of `wisp top`; install it (apt-get install tmux, brew install tmux) and re-run.');
    process.exit(1);
  }
  console.log('installing tmux via apt-get…');
  if (!apt(['update']) || !apt(['install', '-y', 'tmux']) || !has('tmux')) {
    console.error('ensure-tmux: apt-get could not install tmux.');
    process.exit(1);
  }
}
if (!quiet) console.log(spawnSync('tmux', ['-V'], { encoding: 'utf8' }).stdout.trim());

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { runToEnd } from './runProgram.js';

const dirs: string[] = [];
const clusters: LocalCluster[] = [];

afterAll(async () => {
  for (const c of clusters) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function backend(kind: 'dir' | 'jetstream'): string {
  if (kind === 'jetstream') return 'jetstream';
  const d = mkdtempSync(join(tmpdir(), 'wisp-fs-'));
  dirs.push(d);
  return `dir:${d}`;
}

// The same suite on each durable backend: file server, hosts and nats-server are OS processes.
describe.each(['dir', 'jetstream'] as const)('file server on the %s backend', (kind) => {
  it('serves one namespace across hosts and keeps files across a server restart', async () => {
    const c = await startLocalCluster({ hosts: 2, storage: backend(kind), cluster: `st${kind}` });
    clusters.push(c);
    const words = Array.from({ length: 40 }, (_, i) => `line ${i} of the ${kind} file`.split(' ')).flat();
    const text = words.join(' ');
    const w = await runToEnd(c.client, 'tee', ['/kept.txt', ...words], { home: 'h1' });
    expect(w.code).toBe(0);
    const before = await runToEnd(c.client, 'wc', ['/kept.txt'], { home: 'h1', on: 'h2' });
    const bytes = Buffer.byteLength(`${text}\n`);
    expect(before.stdout).toBe(`1 ${40 * 6} ${bytes} /kept.txt\n`);

    await c.restartFileServer();
    expect(c.fileServer.child.exitCode).toBeNull();
    const after = await runToEnd(c.client, 'wc', ['/kept.txt'], { home: 'h2' });
    expect(after.stdout).toBe(before.stdout);
    // The hosts carry on with the new server: a fresh write and read after the restart.
    const w2 = await runToEnd(c.client, 'tee', ['/after.txt', 'still', 'here'], { home: 'h2', on: 'h1' });
    expect(w2.code).toBe(0);
    expect((await runToEnd(c.client, 'wc', ['/after.txt'], { home: 'h1' })).stdout).toBe('1 2 11 /after.txt\n');
  }, 60_000);
});

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsCommand, startLocalCluster, type LocalCluster } from '@wisp/cli';
import { FsClient } from '@wisp/fs';
import { runToEnd, startLines, type LineRun } from './runProgram.js';

/**
 * Files shared between hosts that are separate OS processes (`wisp host`), with file server fs1
 * its own OS process: Sprite's caching rules and inherited streams, end to end.
 */
const programs = fileURLToPath(new URL('./programs/filePrograms.ts', import.meta.url));
const N = 40;

// The same suite on the default memory backend and on JetStream (KV + Object Store).
describe.each(['memory', 'jetstream'])('on the %s backend', (storage) => {
  let c: LocalCluster;
  let fs: FsClient;

  beforeAll(async () => {
    c = await startLocalCluster({ hosts: 2, cluster: `sharing${storage}`, storage, programs: [programs] });
    // The test's own view of the namespace: uncached, so it only ever asks the server.
    fs = await FsClient.start({ nc: c.client.nc, host: 'tester', prefixes: '/=fs1', cluster: c.cluster, cache: false });
  }, 40_000);

  afterAll(async () => {
    await fs?.stop();
    await c?.stop();
  });

  async function sharing(path: string) {
    const st = await fs.stat(path);
    return st.sharing;
  }

  /** Sends `event` to a held file and returns the program's answer line. */
  async function ask(p: LineRun, event: { type: string; [k: string]: unknown }): Promise<string> {
    await c.client.send(p.pid, event);
    return p.next();
  }

  async function closeHeld(p: LineRun): Promise<void> {
    await c.client.send(p.pid, { type: 'close' });
    expect(await p.exit).toBe(0);
    expect(p.stderr()).toBe('');
  }

  describe('a writer on h1 and a reader on h2 (separate OS processes)', () => {
    it('always see each other’s writes; caching is off while write-shared and back after', async () => {
      const a = await startLines(c.client, 'fhold', ['/shared', 'w+'], { home: 'h1' });
      expect(await a.next()).toBe('open 3');
      expect(await sharing('/shared')).toEqual({ hosts: ['h1'], writers: ['h1'], writeShared: false, cachingHosts: ['h1'] });
      // Cached on h1 with delayed write-back.
      expect(await ask(a, { type: 'write', text: 'hello' })).toBe('wrote 5');

      // h2's open makes the file write-shared: h1 is called back and flushes before h2 is answered.
      const b = await startLines(c.client, 'fhold', ['/shared', 'r+'], { home: 'h1', on: 'h2' });
      expect(await b.next()).toBe('open 3');
      expect(await sharing('/shared')).toEqual({ hosts: ['h1', 'h2'], writers: ['h1', 'h2'], writeShared: true, cachingHosts: [] });
      expect(await ask(b, { type: 'read' })).toBe('read "hello"');

      // Uncached now: each write is at the server before it is answered, both ways.
      expect(await ask(a, { type: 'write', text: ' world' })).toBe('wrote 6');
      expect(await ask(b, { type: 'read' })).toBe('read " world"');
      expect(await ask(b, { type: 'write', text: '!' })).toBe('wrote 1');
      expect(await ask(a, { type: 'read' })).toBe('read "!"');
      expect(await ask(a, { type: 'seek', offset: 0 })).toBe('seeked 0');
      expect(await ask(a, { type: 'read' })).toBe('read "hello world!"');
      expect(await fsCommand(c.client, '/=fs1', c.cluster, ['stat', '/shared'])).toMatch(
        /^\/shared: file, 12 bytes, version \d+\nopen on h1 \(writing\), h2 \(writing\); write-shared: cached nowhere\n$/,
      );

      // Sharing ends when h2 closes; the next open on h1 may cache again.
      await closeHeld(b);
      expect(await sharing('/shared')).toMatchObject({ hosts: ['h1'], writeShared: false });
      const again = await startLines(c.client, 'fhold', ['/shared', 'r'], { home: 'h1' });
      expect(await again.next()).toBe('open 3');
      expect(await sharing('/shared')).toMatchObject({ hosts: ['h1'], writeShared: false, cachingHosts: ['h1'] });
      expect(await ask(again, { type: 'read' })).toBe('read "hello world!"');
      await closeHeld(again);
      await closeHeld(a);
      expect(await sharing('/shared')).toMatchObject({ hosts: [], writeShared: false });
    }, 30_000);

    it('sequential write-sharing: a host that cached an old version reads the new one', async () => {
      const w = await startLines(c.client, 'fhold', ['/seq', 'w'], { home: 'h1' });
      await w.next();
      expect(await ask(w, { type: 'write', text: 'v1' })).toBe('wrote 2');
      await closeHeld(w);

      // h2 reads and caches v1, then closes.
      const r1 = await startLines(c.client, 'fhold', ['/seq', 'r'], { home: 'h1', on: 'h2' });
      await r1.next();
      expect(await sharing('/seq')).toMatchObject({ hosts: ['h2'], cachingHosts: ['h2'] });
      expect(await ask(r1, { type: 'read' })).toBe('read "v1"');
      await closeHeld(r1);

      // h1 appends (nobody else has it open: no callback), then h2 opens again.
      const ap = await startLines(c.client, 'fhold', ['/seq', 'a'], { home: 'h1' });
      await ap.next();
      expect(await ask(ap, { type: 'write', text: '+v2' })).toBe('wrote 3');
      await closeHeld(ap);
      const r2 = await startLines(c.client, 'fhold', ['/seq', 'r'], { home: 'h1', on: 'h2' });
      await r2.next();
      expect(await ask(r2, { type: 'read' })).toBe('read "v1+v2"');
      await closeHeld(r2);
    }, 30_000);
  });

  describe('an inherited stream shared by a parent on h1 and a child on h2', () => {
    it('appends from both lose and overwrite nothing, and each keeps its order', async () => {
      const r = await runToEnd(c.client, 'appender', ['/log.txt', String(N), 'h2'], { home: 'h1' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      const parent = Array.from({ length: N }, (_, i) => `parent ${i}`);
      const child = Array.from({ length: N }, (_, i) => `child ${i}`);
      const expectedBytes = [...parent, ...child].reduce((n, l) => n + l.length + 1, 0);

      const { stream } = await fs.open('/log.txt', 'r');
      const chunks: Uint8Array[] = [];
      for (let b = await fs.read(stream, 65536); b.length > 0; b = await fs.read(stream, 65536)) chunks.push(b);
      await fs.close(stream);
      const text = Buffer.concat(chunks).toString('utf8');

      expect(text.length).toBe(expectedBytes);
      expect((await fs.stat('/log.txt')).size).toBe(expectedBytes);
      const lines = text.slice(0, -1).split('\n');
      expect(lines.filter((l) => l.startsWith('parent '))).toEqual(parent);
      expect(lines.filter((l) => l.startsWith('child '))).toEqual(child);
    }, 30_000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '@wisp/fs';
import { HostInfo } from '@wisp/protocol';
import { filled, scribbler, touched } from './programs/scribbler.js';
import { startFsCluster, type FsCluster } from './fsCluster.js';

/**
 * The background cleaner on hosts over a real nats-server and file server: pages it wrote to the
 * backing file, then written again by the process, must move by flush with their latest bytes.
 */
const PAGES = 64;

let c: FsCluster;
const storage = new MemoryStorage();

beforeAll(async () => {
  c = await startFsCluster('cleaner', ['h1', 'h2'], [scribbler], { cleaner: { intervalMs: 5, pagesPerWrite: 16 }, storage });
}, 30_000);

afterAll(async () => {
  await c?.stop();
});

/** A host's cleaner counts. */
async function cleanerOf(host: string): Promise<NonNullable<HostInfo['cleaner']>> {
  const s = HostInfo.parse(await c.client.request(host, 'info')).cleaner;
  if (!s) throw new Error(`${host} reports no cleaner`);
  return s;
}

/** Resolves once `host`'s processes have no dirty page and no cleaner write is in flight (asks every 10 ms, for at most 10 s). */
async function cleaned(host: string): Promise<NonNullable<HostInfo['cleaner']>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await cleanerOf(host);
    if (s.dirty === 0 && s.inFlight === 0) return s;
    if (Date.now() > deadline) throw new Error(`${host}'s cleaner did not catch up: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The first word of each of `pages` in the backing file of `pid` (undefined: not there). */
async function inBackingFile(pid: string, pages: number[]): Promise<(number | undefined)[]> {
  const got = await storage.readPages(`/.wisp/swap/${pid}`, pages);
  return pages.map((p) => {
    const b = got.get(p);
    return b ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : undefined;
  });
}

describe('background cleaner (hosts over a real nats-server)', () => {
  it('pages cleaned, then written again, move by flush with their latest bytes; the target computes the same', async () => {
    const lines: string[] = [];
    let wake: () => void = () => undefined;
    const nextLine = async (): Promise<string> => {
      while (lines.length === 0) await new Promise<void>((r) => (wake = r));
      return lines.shift()!;
    };
    const run = await c.client.run('scribbler', [String(PAGES)], {
      home: 'h1',
      onOutput: (m) => {
        lines.push(...m.data.split('\n').filter(Boolean));
        wake();
      },
    });
    expect(await nextLine()).toBe('ready');

    // The cleaner writes every page in the background: none is dirty, all are in the backing file.
    const before = await cleaned('h1');
    expect(before.pages).toBeGreaterThanOrEqual(PAGES);
    const all = Array.from({ length: PAGES }, (_, p) => p);
    expect(await inBackingFile(run.pid, all)).toEqual(all.map(filled));

    // Half the pages written again: dirty, and the backing file still holds their old bytes.
    const again = all.filter((p) => p % 2 === 0);
    await c.client.send(run.pid, { type: 'touch', pages: again, v: 7 });
    expect(await nextLine()).toBe('touched');
    const rec = await c.client.migrate(run.pid, 'h2', 'flush');
    expect(rec).toMatchObject({ from: 'h1', to: 'h2', strategy: 'flush', outcome: 'committed' });
    // Only pages dirty at the freeze were flushed (the cleaner may have taken some of them first).
    expect(rec.pages).toBeLessThanOrEqual(again.length);

    // On h2, which faults every page in from the backing file: the latest bytes of every page.
    await c.client.send(run.pid, { type: 'dump' });
    const words = JSON.parse(await nextLine()) as number[][];
    expect(words).toEqual(all.map((p) => [again.includes(p) ? touched(p, 7) : filled(p), 1000 + p]));
    expect(await inBackingFile(run.pid, again)).toEqual(again.map((p) => touched(p, 7)));

    await c.client.kill(run.pid, 'KILL');
    await run.exit;
  }, 30_000);
});

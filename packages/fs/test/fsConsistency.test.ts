import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { OpenMode } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileServerProcess, FsClient, type FsLogger } from '../src/index.js';
import { pattern } from './helpers.js';

/**
 * Random sequences of file calls from three hosts, checked against a plain model: whatever the
 * caching state (cached, called back, re-enabled, stale at open), every read returns exactly what
 * the model says. Calls are awaited one by one; write-back timers (1 ms) fire in between.
 */

const CLUSTER = 'fscons';
const HOSTS = ['h1', 'h2', 'h3'] as const;
const FILES = ['/a', '/b'];
const MODES: OpenMode[] = ['r', 'r+', 'w', 'w+', 'a', 'a+'];
const quiet: FsLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface ModelStream {
  path: string;
  mode: OpenMode;
  offset: number;
  refs: Map<string, number>;
  handle: string;
}

let nats: NatsServerHandle;
const conns: NatsConnection[] = [];
let fsp: FileServerProcess;
const clients = new Map<string, FsClient>();

beforeAll(async () => {
  // A small max_payload so reads and write-backs split across messages.
  nats = await startNatsServer({ maxPayload: 64 * 1024, jetstream: false });
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  conns.push(nc);
  fsp = await FileServerProcess.start({ nc, id: 'fs1', cluster: CLUSTER, logger: quiet, maxFileSize: 1 << 20 });
  for (const host of HOSTS) {
    const c = await connect({ servers: nats.url, noAsyncTraces: true });
    conns.push(c);
    clients.set(host, await FsClient.start({ nc: c, host, prefixes: '/=fs1', cluster: CLUSTER, writeBackMs: 1, logger: quiet, cache: { blockSize: 1024, maxBytes: 64 * 1024 } }));
  }
});

afterAll(async () => {
  for (const c of clients.values()) await c.stop();
  await fsp?.stop();
  await Promise.all(conns.map((c) => c.close()));
  await nats?.stop();
});

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('file consistency across hosts and caching states', () => {
  // WISP_FS_SEEDS=n runs seeds 1..n (default 4) for a longer soak.
  const seeds = Array.from({ length: Number(process.env['WISP_FS_SEEDS'] ?? 4) }, (_, i) => i + 1);
  const steps = Number(process.env['WISP_FS_STEPS'] ?? 250);
  it.each(seeds)('seed %i: every read returns what the model says', async (seed) => {
    const rand = rng(seed * 7919);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const files = new Map<string, Uint8Array>();
    const streams: ModelStream[] = [];
    const trace: string[] = [];
    const prefix = `/s${seed}`;
    await clients.get('h1')!.mkdir(prefix);

    for (let step = 0; step < steps; step++) {
      const held = streams.flatMap((s) => [...s.refs.keys()].map((h) => ({ s, h })));
      const roll = rand();
      if (held.length === 0 || roll < 0.15) {
        const host = pick(HOSTS);
        const path = prefix + pick(FILES);
        const mode = pick(MODES);
        trace.push(`${host} open ${path} ${mode}`);
        const exists = files.has(path);
        if (!exists && (mode === 'r' || mode === 'r+')) {
          await expect(clients.get(host)!.open(path, mode)).rejects.toMatchObject({ code: 'ENOENT' });
          continue;
        }
        const r = await clients.get(host)!.open(path, mode);
        if (!exists || mode.startsWith('w')) files.set(path, new Uint8Array(0));
        expect(r.size, trace.join('\n')).toBe(files.get(path)!.length);
        streams.push({ path, mode, offset: 0, refs: new Map([[host, 1]]), handle: r.stream });
        continue;
      }
      const { s, h } = pick(held);
      const c = clients.get(h)!;
      const data = files.get(s.path)!;
      if (roll < 0.45) {
        const len = 1 + Math.floor(rand() * 3000);
        trace.push(`${h} read ${s.handle} ${len}`);
        if (!(s.mode === 'r' || s.mode.endsWith('+'))) {
          await expect(c.read(s.handle, len)).rejects.toMatchObject({ code: 'EACCES' });
          continue;
        }
        const got = await c.read(s.handle, len);
        const want = data.subarray(Math.min(s.offset, data.length), Math.min(s.offset + len, data.length));
        if (Buffer.compare(got, want) !== 0) throw new Error(`read differs at step ${step}:\n${trace.join('\n')}`);
        s.offset += want.length;
      } else if (roll < 0.75) {
        const len = 1 + Math.floor(rand() * 3000);
        const bytes = pattern(len, seed * 1000 + step);
        trace.push(`${h} write ${s.handle} ${len}`);
        if (s.mode === 'r') {
          await expect(c.write(s.handle, bytes)).rejects.toMatchObject({ code: 'EACCES' });
          continue;
        }
        await c.write(s.handle, bytes);
        const at = s.mode.startsWith('a') ? data.length : s.offset;
        const next = new Uint8Array(Math.max(data.length, at + len));
        next.set(data);
        next.set(bytes, at);
        files.set(s.path, next);
        s.offset = at + len;
      } else if (roll < 0.85) {
        const to = Math.floor(rand() * (data.length + 100));
        trace.push(`${h} seek ${s.handle} ${to}`);
        expect(await c.seek(s.handle, to)).toBe(to);
        s.offset = to;
      } else if (roll < 0.92) {
        const to = pick(HOSTS);
        trace.push(`${h} dup ${s.handle} -> ${to}`);
        await c.dup(s.handle, to);
        s.refs.set(to, (s.refs.get(to) ?? 0) + 1);
      } else {
        trace.push(`${h} close ${s.handle}`);
        await c.close(s.handle);
        const n = s.refs.get(h)! - 1;
        if (n > 0) s.refs.set(h, n);
        else s.refs.delete(h);
        if (s.refs.size === 0) streams.splice(streams.indexOf(s), 1);
      }
    }
    // Every host sees the final contents.
    for (const c of clients.values()) await c.flush();
    for (const [path, data] of files) {
      for (const host of HOSTS) {
        const r = await clients.get(host)!.open(path, 'r');
        const got = await clients.get(host)!.read(r.stream, data.length + 10);
        expect(Buffer.compare(got, data), `${host} ${path}`).toBe(0);
        await clients.get(host)!.close(r.stream);
      }
    }
    for (const s of streams) for (const [h, n] of s.refs) for (let i = 0; i < n; i++) await clients.get(h)!.close(s.handle);
  });
});

describe('concurrent writer and readers', () => {
  it('a reader’s open sees every write that finished before it, wherever it was cached', async () => {
    const w = clients.get('h1')!;
    const readers = [clients.get('h2')!, clients.get('h3')!];
    const path = '/concurrent';
    const chunks = Array.from({ length: 120 }, (_, i) => pattern(100 + ((i * 37) % 900), 500 + i));
    const all = Buffer.concat(chunks);
    await w.open(path, 'w').then((r) => w.close(r.stream));
    let finished = 0;
    let done = false;
    const callbacksBefore = w.callbacksHandled;
    let firstWritten!: () => void;
    const started = new Promise<void>((r) => (firstWritten = r));

    const writer = (async () => {
      for (let i = 0; i < chunks.length; ) {
        const s = await w.open(path, 'a');
        for (let k = 0; k < 5 && i < chunks.length; k++, i++) {
          await w.write(s.stream, chunks[i]!);
          finished += chunks[i]!.length;
          if (i === 0) firstWritten();
        }
        await w.close(s.stream);
      }
      done = true;
    })();

    const reader = async (c: FsClient): Promise<number> => {
      // The writer holds dirty cached data when the first reader opens: a callback is certain.
      await started;
      let checks = 0;
      while (!done || checks === 0) {
        const before = finished;
        const r = await c.open(path, 'r');
        const got = await c.read(r.stream, all.length + 1);
        await c.close(r.stream);
        expect(got.length).toBeGreaterThanOrEqual(before);
        expect(Buffer.compare(got, all.subarray(0, got.length))).toBe(0);
        checks++;
      }
      return checks;
    };
    const counts = await Promise.all([writer, ...readers.map(reader)]);
    expect(counts.slice(1).every((n) => (n as number) > 0)).toBe(true);
    // The writer was caching and was called back at least once.
    expect(w.callbacksHandled).toBeGreaterThan(callbacksBefore);
    const r = await readers[0]!.open(path, 'r');
    expect(Buffer.compare(await readers[0]!.read(r.stream, all.length + 1), all)).toBe(0);
    await readers[0]!.close(r.stream);
  });
});

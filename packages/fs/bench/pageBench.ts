/**
 * Scratch benchmark: pageOut/pageIn throughput of 64 MiB against raw NATS request-reply with the
 * same message sizes and the same number of requests in flight. Run:
 *   npx tsx packages/fs/bench/pageBench.ts [pipeline] [maxPayloadKiB]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encode, encodeFrame } from '@wisp/protocol';
import { startNatsServer } from '@wisp/runtime';
import { DirStorage, FileServerProcess, FsClient, MemoryStorage, pagesPerReply, pagesPerRequest, type Storage } from '../src/index.js';

const MiB = 1024 * 1024;
const TOTAL = 64 * MiB;
const PAGE = 4096;
const ROUNDS = 3;
const pipeline = Number(process.argv[2] ?? 8);
const maxPayloadKiB = process.argv[3] ? Number(process.argv[3]) : undefined;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function inFlight(n: number, window: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(window, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

const mbps = (bytes: number, ms: number) => (bytes / MiB / (ms / 1000)).toFixed(0);

async function main(): Promise<void> {
  const nats = await startNatsServer({ jetstream: false, ...(maxPayloadKiB ? { maxPayload: maxPayloadKiB * 1024 } : {}) });
  const ncs: NatsConnection = await connect({ servers: nats.url, noAsyncTraces: true });
  const ncc: NatsConnection = await connect({ servers: nats.url, noAsyncTraces: true });
  const maxPayload = ncc.info!.max_payload;
  const pages = new Map<number, Uint8Array>();
  const all = new Uint8Array(TOTAL).map((_, i) => (i * 2654435761) >>> 24);
  for (let i = 0; i < TOTAL / PAGE; i++) pages.set(i, all.subarray(i * PAGE, (i + 1) * PAGE));
  const nos = [...pages.keys()];

  const outBase = 4 + encode({ host: 'h1', file: '/swap/bench', pageSize: PAGE, pages: [] }).length;
  const perOut = pagesPerRequest(maxPayload, PAGE, outBase);
  const perIn = pagesPerReply(maxPayload, PAGE);
  const outMsgs = Math.ceil(nos.length / perOut);
  const inMsgs = Math.ceil(nos.length / perIn);
  const outMsg = encodeFrame({ host: 'h1', file: '/swap/bench', pageSize: PAGE, pages: nos.slice(0, perOut) }, all.subarray(0, perOut * PAGE));
  const inReply = encodeFrame({ ok: true, value: { pages: nos.slice(0, perIn) } }, all.subarray(0, perIn * PAGE));
  console.log(`max_payload ${maxPayload}; pageOut ${perOut} pages/msg (${outMsgs} msgs), pageIn ${perIn} pages/msg (${inMsgs} msgs); ${pipeline} in flight`);

  // Raw NATS: the same messages, a responder that does nothing but answer.
  const small = encode({ ok: true, value: { count: perOut } });
  const rawPut = ncs.subscribe('bench.put', { callback: (_e, m) => void m.respond(small) });
  const rawGet = ncs.subscribe('bench.get', { callback: (_e, m) => void m.respond(inReply) });
  const getReq = encode({ host: 'h1', file: '/swap/bench', pageSize: PAGE, pages: nos.slice(0, perIn) });
  await ncs.flush();

  const results: Record<string, number[]> = {};
  const note = (k: string, ms: number) => (results[k] ??= []).push(ms);

  for (const [kind, make] of [
    ['memory', async () => ({ s: new MemoryStorage() as Storage, done: async () => {} })],
    ['dir', async () => {
      const root = await mkdtemp(join(tmpdir(), 'wisp-bench-'));
      return { s: new DirStorage(root) as Storage, done: () => rm(root, { recursive: true, force: true }) };
    }],
  ] as const) {
    const { s, done } = await make();
    const fsp = await FileServerProcess.start({ nc: ncs, id: `b${kind}`, storage: s, cluster: 'bench', logger: quiet });
    const client = await FsClient.start({ nc: ncc, host: 'h1', prefixes: `/=b${kind}`, cluster: 'bench', pipeline, logger: quiet, serveCallbacks: false });
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      await inFlight(outMsgs, pipeline, () => ncc.request('bench.put', outMsg, { timeout: 30_000 }));
      note('raw put (request ~1 msg of pages, tiny reply)', performance.now() - t);
      t = performance.now();
      await client.pageOut('/swap/bench', pages);
      note(`pageOut ${kind}`, performance.now() - t);
      t = performance.now();
      await inFlight(inMsgs, pipeline, () => ncc.request('bench.get', getReq, { timeout: 30_000 }));
      note('raw get (tiny request, reply ~1 msg of pages)', performance.now() - t);
      t = performance.now();
      const got = await client.pageIn('/swap/bench', nos, PAGE);
      note(`pageIn ${kind}`, performance.now() - t);
      if (got.size !== nos.length || Buffer.compare(got.get(12345)!, pages.get(12345)!) !== 0) throw new Error('pages differ');
    }
    await client.stop();
    await fsp.stop();
    await done();
  }
  for (const [k, ms] of Object.entries(results)) {
    const best = Math.min(...ms);
    const med = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
    console.log(`${k.padEnd(48)} best ${mbps(TOTAL, best).padStart(5)} MB/s  median ${mbps(TOTAL, med).padStart(5)} MB/s  (${ms.map((m) => m.toFixed(0)).join(', ')} ms)`);
  }
  rawPut.unsubscribe();
  rawGet.unsubscribe();
  await ncs.close();
  await ncc.close();
  await nats.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

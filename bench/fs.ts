import { randomFillSync } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { FRAME_HEADER_BYTES, encode, encodeFrame } from '@wisp/protocol';
import { FileServerProcess, FsClient, MemoryStorage, maxReadBytes, pagesPerReply, pagesPerRequest, type FsLogger, type StreamHandle } from '@wisp/fs';
import { startNatsServer } from '@wisp/runtime';
import { round } from './stats.js';

const MiB = 1024 * 1024;
/** Size of the file the cache figures move. */
const FILE = 32 * MiB;
/** Bytes per read or write call. */
const CHUNK = 64 * 1024;
/** Size of the backing file the page figures move. */
const BACKING = 64 * MiB;
const PAGE = 4096;
/** Page messages in flight, passed to the clients and used for raw NATS alike. */
const PIPELINE = 8;
/** Dirty bytes beyond which a cached write writes its file back at once (the client's default, passed explicitly). */
const MAX_DIRTY = 4 * MiB;
const CLUSTER = 'bench';
const FS_ID = 'fsb';
/** Target: page-in at least this share of raw NATS with the same messages. */
const PAGE_IN_TARGET = 0.6;

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

/** Runs `fn(0..n-1)` with at most `window` calls in flight. */
async function inFlight(n: number, window: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Throws unless `chunks`, end to end, are exactly `want`. */
function verify(what: string, chunks: Uint8Array[], want: Uint8Array): void {
  let at = 0;
  for (const c of chunks) {
    if (at + c.length > want.length || Buffer.compare(c, want.subarray(at, at + c.length)) !== 0) throw new Error(`${what}: bytes read back differ from those written near offset ${at}`);
    at += c.length;
  }
  if (at !== want.length) throw new Error(`${what}: read back ${at} bytes, wrote ${want.length}`);
}

async function writeAll(client: FsClient, stream: StreamHandle, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length; at += CHUNK) {
    const n = await client.write(stream, data.subarray(at, at + CHUNK));
    if (n !== Math.min(CHUNK, data.length - at)) throw new Error(`short write at ${at}: ${n}`);
  }
  // Close writes back what the cache still holds dirty: part of the cost of writing.
  await client.close(stream);
}

async function readAll(client: FsClient, stream: StreamHandle, size: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let got = 0; got < size; ) {
    const c = await client.read(stream, CHUNK);
    if (c.length === 0) break;
    chunks.push(c);
    got += c.length;
  }
  await client.close(stream);
  return chunks;
}

interface Row {
  name: string;
  fs: number;
  raw: number;
  msg: string;
}

/**
 * `pnpm bench fs`: file throughput through a host's block cache (cold, warm, and with caching
 * off because the file is write-shared) and page-out / page-in of a backing file, each beside
 * raw NATS request-reply carrying the same messages on the same nats-server.
 */
export async function fsBench(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const warnings: string[] = [];
  const logger: FsLogger = {
    debug() {},
    info() {},
    warn: (obj, msg) => void warnings.push(`warn ${msg ?? ''} ${JSON.stringify(obj)}`),
    error: (obj, msg) => void warnings.push(`error ${msg ?? ''} ${JSON.stringify(obj)}`),
  };
  const nats = await startNatsServer({ jetstream: false });
  const conns: NatsConnection[] = [];
  const clients: FsClient[] = [];
  let fsp: FileServerProcess | null = null;
  const conn = async () => {
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    conns.push(nc);
    return nc;
  };
  const newClient = async (host: string) => {
    const c = await FsClient.start({ nc: await conn(), host, prefixes: `/=${FS_ID}`, cluster: CLUSTER, pipeline: PIPELINE, maxDirtyBytes: MAX_DIRTY, logger });
    clients.push(c);
    return c;
  };
  try {
    fsp = await FileServerProcess.start({ nc: await conn(), id: FS_ID, storage: new MemoryStorage(), cluster: CLUSTER, mounts: ['/bench'], logger });
    const rs = await conn();
    const rc = await conn();
    const maxPayload = rc.info!.max_payload;

    // ---- raw NATS: responders that only answer, with the messages the client exchanges --------
    const read64Reply = encodeFrame({ ok: true, value: { at: 0, version: 1, size: FILE } }, new Uint8Array(CHUNK));
    const readReq = encode({ host: 'h1', stream: 1, length: CHUNK, at: 0, fill: true });
    const writeReply = encode({ ok: true, value: { at: 0, count: CHUNK, version: 1, size: FILE } });
    const writeBase = FRAME_HEADER_BYTES + encode({ host: 'h1', stream: 1, at: Number.MAX_SAFE_INTEGER }).length;
    /**
     * A cached sequential write is written back when more than MAX_DIRTY bytes are dirty (and the
     * rest at close), each run in messages of at most `writeBackChunk` data bytes, one at a time.
     */
    const writeBackChunk = maxPayload - writeBase;
    const flushRun = (Math.floor(MAX_DIRTY / CHUNK) + 1) * CHUNK;
    const writeBackSizes: number[] = [];
    for (let at = 0; at < FILE; at += flushRun) {
      const run = Math.min(flushRun, FILE - at);
      for (let done = 0; done < run; done += writeBackChunk) writeBackSizes.push(Math.min(writeBackChunk, run - done));
    }
    const writeBackFrames = new Map(writeBackSizes.map((n) => [n, encodeFrame({ host: 'h1', stream: 1, at: 0 }, new Uint8Array(n))]));
    const rawWriteBack = async () => {
      const t = performance.now();
      for (const n of writeBackSizes) await rc.request('bench.write', writeBackFrames.get(n)!, { timeout: 30_000 });
      return mbps(FILE, performance.now() - t);
    };
    const subs = [
      rs.subscribe('bench.read', { callback: (_e, m) => void m.respond(read64Reply) }),
      rs.subscribe('bench.write', { callback: (_e, m) => void m.respond(writeReply) }),
    ];
    /** Requests to `subject` carrying `msgBytes` of data each (`bytes` in all), `window` in flight; MB/s. */
    const raw = async (subject: string, bytes: number, msgBytes: number, window: number, req: Uint8Array) =>
      mbps(bytes, await timed(() => inFlight(Math.ceil(bytes / msgBytes), window, () => rc.request(subject, req, { timeout: 30_000 }))));
    const write64Req = encodeFrame({ host: 'h1', stream: 1, at: 0 }, new Uint8Array(CHUNK));
    await rs.flush();

    const dataA = randomFillSync(new Uint8Array(FILE));
    const dataB = randomFillSync(new Uint8Array(FILE));
    const rows: Row[] = [];

    const wbMsg = `write-back: ${writeBackSizes.length} req ≤ ${round(writeBackChunk / 1024)} KiB, 1 in flight`;
    // ---- cached: host A writes (cold, then a second pass over its cached file), host B reads ---
    const a = await newClient('h1');
    const rawWriteBack1 = await rawWriteBack();
    let o = await a.open('/bench/cached', 'w', { create: true, truncate: true });
    if (!o.cacheable) throw new Error('cold write: file not cacheable');
    const writeCold = mbps(FILE, await timed(() => writeAll(a, o.stream, dataA)));
    rows.push({ name: 'write cold (cached)', fs: writeCold, raw: rawWriteBack1, msg: wbMsg });

    const rawWriteBack2 = await rawWriteBack();
    o = await a.open('/bench/cached', 'r+');
    if (!o.cacheable || !(await a.isCached(o.stream))) throw new Error('warm write: file not cached');
    const missesBefore = a.cacheStats.misses;
    const writeWarm = mbps(FILE, await timed(() => writeAll(a, o.stream, dataB)));
    const writeWarmMisses = a.cacheStats.misses - missesBefore;
    rows.push({ name: 'write warm (cached)', fs: writeWarm, raw: rawWriteBack2, msg: wbMsg });

    const b = await newClient('h2');
    const rawReadCold = await raw('bench.read', FILE, CHUNK, 1, readReq);
    o = await b.open('/bench/cached', 'r');
    if (!o.cacheable || o.size !== FILE) throw new Error(`cold read: cacheable ${o.cacheable}, size ${o.size}`);
    let chunks: Uint8Array[] = [];
    const readCold = mbps(FILE, await timed(async () => (chunks = await readAll(b, o.stream, FILE))));
    verify('read cold', chunks, dataB);
    rows.push({ name: 'read cold (cached)', fs: readCold, raw: rawReadCold, msg: `${CHUNK / 1024} KiB reply, 1 in flight` });

    const rawReadWarm = await raw('bench.read', FILE, CHUNK, 1, readReq);
    o = await b.open('/bench/cached', 'r');
    if (!(await b.isCached(o.stream))) throw new Error('warm read: file not cached');
    const bMisses = b.cacheStats.misses;
    const readWarm = mbps(FILE, await timed(async () => (chunks = await readAll(b, o.stream, FILE))));
    const readWarmMisses = b.cacheStats.misses - bMisses;
    verify('read warm', chunks, dataB);
    rows.push({ name: 'read warm (cached)', fs: readWarm, raw: rawReadWarm, msg: `${CHUNK / 1024} KiB reply, 1 in flight (fs: none sent)` });

    // ---- uncached: host C holds the file open for write, so host D may not cache it ------------
    const c = await newClient('h3');
    const held = await c.open('/bench/shared', 'w', { create: true });
    const d = await newClient('h4');
    const rawWrite64 = await raw('bench.write', FILE, CHUNK, 1, write64Req);
    o = await d.open('/bench/shared', 'w', { create: true, truncate: true });
    if (o.cacheable) throw new Error('uncached write: the write-shared file is cacheable');
    const writeUncached = mbps(FILE, await timed(() => writeAll(d, o.stream, dataA)));
    rows.push({ name: 'write uncached (write-shared)', fs: writeUncached, raw: rawWrite64, msg: `${CHUNK / 1024} KiB req, 1 in flight` });

    const rawRead64 = await raw('bench.read', FILE, CHUNK, 1, readReq);
    o = await d.open('/bench/shared', 'r');
    if (o.cacheable || o.size !== FILE) throw new Error(`uncached read: cacheable ${o.cacheable}, size ${o.size}`);
    const readUncached = mbps(FILE, await timed(async () => (chunks = await readAll(d, o.stream, FILE))));
    verify('read uncached', chunks, dataA);
    rows.push({ name: 'read uncached (write-shared)', fs: readUncached, raw: rawRead64, msg: `${CHUNK / 1024} KiB reply, 1 in flight` });
    await c.close(held.stream);
    chunks = [];

    // ---- pages: the messages pageOut / pageIn send, PIPELINE in flight ---------------------------
    const p = await newClient('h5');
    const swap = '/swap/bench';
    const all = randomFillSync(new Uint8Array(BACKING));
    const pages = new Map<number, Uint8Array>();
    for (let i = 0; i < BACKING / PAGE; i++) pages.set(i, all.subarray(i * PAGE, (i + 1) * PAGE));
    const nos = [...pages.keys()];
    const outBase = FRAME_HEADER_BYTES + encode({ host: 'h5', file: swap, pageSize: PAGE, pages: [] }).length;
    const perOut = pagesPerRequest(maxPayload, PAGE, outBase);
    const perIn = pagesPerReply(maxPayload, PAGE);
    const outMsg = encodeFrame({ host: 'h5', file: swap, pageSize: PAGE, pages: nos.slice(0, perOut) }, all.subarray(0, perOut * PAGE));
    const inReply = encodeFrame({ ok: true, value: { pages: nos.slice(0, perIn) } }, all.subarray(0, perIn * PAGE));
    const inReq = encode({ host: 'h5', file: swap, pageSize: PAGE, pages: nos.slice(0, perIn) });
    subs.push(
      rs.subscribe('bench.put', { callback: (_e, m) => void m.respond(encode({ ok: true, value: { count: perOut } })) }),
      rs.subscribe('bench.get', { callback: (_e, m) => void m.respond(inReply) }),
    );
    await rs.flush();

    const rawPut = await raw('bench.put', BACKING, perOut * PAGE, PIPELINE, outMsg);
    const pageOut = mbps(BACKING, await timed(() => p.pageOut(swap, pages)));
    rows.push({ name: 'page-out', fs: pageOut, raw: rawPut, msg: `${perOut} pages/req (${Math.ceil(nos.length / perOut)} msgs), ${PIPELINE} in flight` });

    const rawGet = await raw('bench.get', BACKING, perIn * PAGE, PIPELINE, inReq);
    let got = new Map<number, Uint8Array>();
    const pageIn = mbps(BACKING, await timed(async () => (got = await p.pageIn(swap, nos, PAGE))));
    if (got.size !== nos.length) throw new Error(`page-in: ${got.size} of ${nos.length} pages came back`);
    for (const n of nos) if (Buffer.compare(got.get(n)!, pages.get(n)!) !== 0) throw new Error(`page-in: page ${n} differs from what was paged out`);
    rows.push({ name: 'page-in', fs: pageIn, raw: rawGet, msg: `${perIn} pages/reply (${Math.ceil(nos.length / perIn)} msgs), ${PIPELINE} in flight` });
    got.clear();
    for (const s of subs) s.unsubscribe();
    if (maxReadBytes(maxPayload) < CHUNK) throw new Error('max_payload too small for 64 KiB reads');

    const pageInRatio = pageIn / rawGet;
    const ok = pageInRatio >= PAGE_IN_TARGET;
    const secs = (performance.now() - started) / 1000;
    const lines = [
      `fs bench (one run; ${FILE / MiB} MiB file in ${CHUNK / 1024} KiB calls, ${BACKING / MiB} MiB backing file of ${PAGE} B pages; MemoryStorage; loopback nats-server, max_payload ${maxPayload})`,
      `  ${'case'.padEnd(30)} ${'fs MB/s'.padStart(8)} ${'NATS MB/s'.padStart(10)} ${'ratio'.padStart(6)}   raw NATS messages`,
      ...rows.map((r) => `  ${r.name.padEnd(30)} ${String(Math.round(r.fs)).padStart(8)} ${String(Math.round(r.raw)).padStart(10)} ${round(r.fs / r.raw, 2).toFixed(2).padStart(6)}   ${r.msg}`),
      `  page-in ratio ${round(pageInRatio, 2)} × raw NATS (target ≥ ${PAGE_IN_TARGET}) ${ok ? 'ok' : 'MISSED'}`,
      `  cache misses on warm passes: write ${writeWarmMisses}, read ${readWarmMisses}; all data read back verified; ${round(secs)} s`,
      ...warnings.map((w) => `  ${w}`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    const r2 = (x: number) => round(x, 1);
    return {
      fileBytes: FILE,
      chunkBytes: CHUNK,
      backingBytes: BACKING,
      pageBytes: PAGE,
      pipeline: PIPELINE,
      maxPayload,
      pagesPerOutMsg: perOut,
      pagesPerInMsg: perIn,
      writeBackMsgBytes: writeBackChunk,
      writeBackMsgs: writeBackSizes.length,
      pageInMBps: r2(pageIn),
      pageOutMBps: r2(pageOut),
      natsMBps: r2(rawGet),
      natsPageOutMBps: r2(rawPut),
      pageInRatio: round(pageInRatio, 3),
      pageOutRatio: round(pageOut / rawPut, 3),
      pageInTarget: PAGE_IN_TARGET,
      pageInTargetMet: ok,
      writeColdMBps: r2(writeCold),
      writeColdNatsMBps: r2(rawWriteBack1),
      writeColdRatio: round(writeCold / rawWriteBack1, 3),
      writeWarmMBps: r2(writeWarm),
      writeWarmNatsMBps: r2(rawWriteBack2),
      writeWarmRatio: round(writeWarm / rawWriteBack2, 3),
      readColdMBps: r2(readCold),
      readColdNatsMBps: r2(rawReadCold),
      readColdRatio: round(readCold / rawReadCold, 3),
      readWarmMBps: r2(readWarm),
      readWarmNatsMBps: r2(rawReadWarm),
      readWarmRatio: round(readWarm / rawReadWarm, 3),
      writeUncachedMBps: r2(writeUncached),
      writeUncachedNatsMBps: r2(rawWrite64),
      writeUncachedRatio: round(writeUncached / rawWrite64, 3),
      readUncachedMBps: r2(readUncached),
      readUncachedNatsMBps: r2(rawRead64),
      readUncachedRatio: round(readUncached / rawRead64, 3),
      writeWarmCacheMisses: writeWarmMisses,
      readWarmCacheMisses: readWarmMisses,
      warnings,
      seconds: round(secs, 1),
    };
  } finally {
    for (const cl of clients) await cl.stop().catch(() => {});
    await fsp?.stop().catch(() => {});
    for (const nc of conns) await nc.close().catch(() => {});
    await nats.stop();
  }
}

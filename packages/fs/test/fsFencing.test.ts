import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCode } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileServerProcess, FsClient, MemoryStorage, type FsLogger } from '../src/index.js';
import { bytes, text } from './helpers.js';

const CLUSTER = 'fsfence';
const P = 'h1-42';
const epoch = (n: number) => ({ pid: P, epoch: n });

type Line = { level: string; msg?: string; obj: object };
function memoryLogger(lines: Line[]): FsLogger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

let nats: NatsServerHandle;
const conns: NatsConnection[] = [];
let fsp: FileServerProcess;
/** The host a process ran on before it moved (its copy there is stale), and the host it runs on now. */
let old: FsClient;
let now: FsClient;
const serverLog: Line[] = [];
const oldLog: Line[] = [];

async function client(host: string, log: Line[]): Promise<FsClient> {
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  conns.push(nc);
  // Write-back only when flushed (no timer), so the test decides when it happens.
  return FsClient.start({ nc, host, prefixes: '/=fs1', cluster: CLUSTER, writeBackMs: 600_000, logger: memoryLogger(log) });
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  conns.push(nc);
  fsp = await FileServerProcess.start({ nc, id: 'fs1', storage: new MemoryStorage(), cluster: CLUSTER, logger: memoryLogger(serverLog) });
  old = await client('h1', oldLog);
  now = await client('h2', []);
});

afterAll(async () => {
  await old?.stop().catch(() => undefined);
  await now?.stop();
  await fsp?.stop();
  await Promise.all(conns.map((c) => c.close()));
  await nats?.stop();
});

describe('file operations are fenced by (pid, epoch) over NATS', () => {
  it('a stale write (older epoch) is refused with ESTALE and the file keeps the newer write', async () => {
    // The process opened the file on h1 at epoch 1 and shares its stream with h2, where it now
    // runs at epoch 2 (moved, or its record fenced) and writes.
    const { stream } = await old.open('/fenced', 'w+', {}, epoch(1));
    await old.write(stream, bytes('first '), epoch(1));
    await old.dup(stream, 'h2', epoch(1));
    await now.seek(stream, 0, 'set', epoch(2));
    expect(await now.write(stream, bytes('newer'), epoch(2))).toBe(5);

    // The copy left on h1 wakes up late and writes: refused, nothing changed.
    await expect(old.write(stream, bytes('STALE!'), epoch(1))).rejects.toMatchObject({ code: ErrorCode.ESTALE, message: expect.stringContaining(`${P} at epoch 1 is stale`) });
    await expect(old.seek(stream, 0, 'set', epoch(1))).rejects.toMatchObject({ code: ErrorCode.ESTALE });
    await expect(old.open('/elsewhere', 'w', {}, epoch(1))).rejects.toMatchObject({ code: ErrorCode.ESTALE });
    expect(serverLog.some((l) => l.level === 'warn' && l.msg?.includes('refused write from host h1'))).toBe(true);

    // The host's own (unfenced) requests, and the newer epoch, go on.
    expect(text(await now.readFile('/fenced'))).toBe('newer ');
    expect((await old.stat('/elsewhere').catch((e: { code: string }) => e.code))).toBe(ErrorCode.ENOENT);
    await now.close(stream, epoch(2));
    expect(fsp.server.fencedEpoch(P)).toBe(2);
  });

  it("a stale host's write-back of cached blocks carries their process's epoch and is refused, then dropped", async () => {
    const Q = { pid: 'h1-43', epoch: 1 };
    const { stream, cacheable } = await old.open('/cached', 'w', {}, Q);
    expect(cacheable).toBe(true);
    // Dirty in h1's cache only; not written back yet.
    await old.write(stream, bytes('stale bytes'), Q);
    expect(await now.stat('/cached')).toMatchObject({ size: 0 });

    // Meanwhile the process moved on: h2 pages its backing file in at epoch 2.
    await now.pageIn(`/.wisp/swap/${Q.pid}`, [0], 4096, { pid: Q.pid, epoch: 2 });

    // h1's write-back (here a flush; a timer or a callback alike) carries epoch 1: refused.
    await old.flush();
    expect(oldLog.some((l) => l.level === 'warn' && l.msg?.includes('write-back refused as stale'))).toBe(true);
    expect(await now.stat('/cached')).toMatchObject({ size: 0 });
    // Dropped, not retried: the next flush has nothing to write.
    const warned = oldLog.length;
    await old.flush();
    expect(oldLog.length).toBe(warned);
    await expect(old.close(stream, Q)).rejects.toMatchObject({ code: ErrorCode.ESTALE });
  });

  it('a page-out of an older epoch does not overwrite the newer pages', async () => {
    const file = `/.wisp/swap/${P}`;
    const page = (c: string) => new Map([[0, bytes(c.repeat(4096))]]);
    await now.pageOut(file, page('n'), epoch(2));
    await expect(old.pageOut(file, page('o'), epoch(1))).rejects.toMatchObject({ code: ErrorCode.ESTALE });
    const got = await now.pageIn(file, [0], 4096, epoch(2));
    expect(text(got.get(0)!.subarray(0, 4))).toBe('nnnn');
  });
});

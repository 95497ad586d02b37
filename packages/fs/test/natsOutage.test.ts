import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@wisp/protocol';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterEach, expect, test } from 'vitest';
import { FsRequests } from '../src/clientRequests.js';
import { FileServerProcess, JetStreamStorage, MemoryStorage, type FsLogger, type StoredFile } from '../src/index.js';
import { bytes, text } from './helpers.js';

// A real file server and a real nats-server that goes away under a request: the request is
// answered once NATS is back, and applied once.
const s = subjects('outage');
const quiet: FsLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let nats: NatsServerHandle | undefined;
let fsp: FileServerProcess | undefined;
const conns: NatsConnection[] = [];

async function conn(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, noAsyncTraces: true, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
  conns.push(nc);
  return nc;
}

/** Resolves at the connection's next `type` status. */
async function next(nc: NatsConnection, type: 'disconnect' | 'reconnect'): Promise<void> {
  for await (const st of nc.status()) if (st.type === type) return;
}

/** Memory storage whose next `writeFile` waits until {@link release}: the file server has applied a write and not yet answered it. */
class GatedStorage extends MemoryStorage {
  private gate: { hit: () => void; open: Promise<void> } | null = null;
  private opener: (() => void) | null = null;
  /** Arms the gate; resolves when a write reaches it. */
  arm(): Promise<void> {
    return new Promise((hit) => {
      this.gate = { hit, open: new Promise((r) => (this.opener = r)) };
    });
  }
  release(): void {
    this.opener?.();
  }
  override async writeFile(path: string, file: StoredFile): Promise<void> {
    const g = this.gate;
    this.gate = null;
    if (g) {
      g.hit();
      await g.open;
    }
    return super.writeFile(path, file);
  }
}

afterEach(async () => {
  await fsp?.stop().catch(() => undefined);
  for (const nc of conns.splice(0)) await nc.close().catch(() => undefined);
  await nats?.stop();
  fsp = undefined;
  nats = undefined;
});

test('an append whose answer is lost with NATS is sent again with its request id and applied once', async () => {
  nats = await startNatsServer({ jetstream: false });
  const storage = new GatedStorage();
  fsp = await FileServerProcess.start({ nc: await conn(nats.url), id: 'fs1', storage, cluster: 'outage', logger: quiet });
  // The timeout is far longer than the test: only a retry after the reconnect can answer in time.
  const requests = new FsRequests(await conn(nats.url), s, 600_000, 4);
  const { stream } = await requests.call('fs1', 'open', { host: 'h1', path: '/log', mode: 'a' });

  const hit = storage.arm();
  const append = requests.call('fs1', 'write', { host: 'h1', stream }, bytes('line 1\n'));
  await hit; // applied at the server, its answer waits for storage
  await nats.interrupt();
  storage.release(); // the answer goes nowhere: NATS is down
  await nats.restart();

  await expect(append).resolves.toMatchObject({ count: 7, size: 7 });
  await requests.call('fs1', 'write', { host: 'h1', stream }, bytes('line 2\n'));
  const file = fsp.server.view().files.find((f) => f.path === '/log')!;
  expect(text(file.data)).toBe('line 1\nline 2\n');
  await fsp.stop();
  expect(text((await storage.load()).files.get('/log')!.data)).toBe('line 1\nline 2\n');
});

test('requests made while NATS is down (kill -9) are answered right after its restart, by a file server on JetStream storage', async () => {
  nats = await startNatsServer();
  const fsNc = await conn(nats.url);
  const storage = await JetStreamStorage.open(fsNc, { name: 'fs1' });
  fsp = await FileServerProcess.start({ nc: fsNc, id: 'fs1', storage, cluster: 'outage', logger: quiet });
  const TIMEOUT_MS = 20_000;
  const nc = await conn(nats.url);
  const requests = new FsRequests(nc, s, TIMEOUT_MS, 4);
  const { stream } = await requests.call('fs1', 'open', { host: 'h1', path: '/f', mode: 'a+' });
  await requests.call('fs1', 'write', { host: 'h1', stream }, bytes('abc'));

  const down = next(nc, 'disconnect');
  process.kill(nats.pid, 'SIGKILL');
  await down;
  const asked = Date.now();
  // Published now, nats.js would drop them at its next dial (it empties its outbound buffer).
  const fstat = requests.call('fs1', 'fstat', { host: 'h1', stream });
  const append = requests.call('fs1', 'write', { host: 'h1', stream }, bytes('def'));
  await nats.restart();
  await expect(fstat).resolves.toMatchObject({ size: expect.any(Number) });
  await expect(append).resolves.toMatchObject({ size: 6 });
  const took = Date.now() - asked;
  expect(took).toBeLessThan(TIMEOUT_MS / 2);
  const read = await requests.callBytes('fs1', 'read', { host: 'h1', stream, length: 100, at: 0 });
  expect(text(read.bytes)).toBe('abcdef');
  await fsp.stop();
  expect(text((await storage.load()).files.get('/f')!.data)).toBe('abcdef');
}, 60_000);

test('JetStream storage operations issued while NATS is down (kill -9) complete once it is back, not at their timeout', async () => {
  nats = await startNatsServer();
  const nc = await conn(nats.url);
  const storage = await JetStreamStorage.open(nc, { name: 'fs1' });
  await storage.writeFile('/a', { data: bytes('one'), version: 1 });
  await storage.writePages('/gone', new Map([[0, new Uint8Array(512).fill(1)]]));
  const down = next(nc, 'disconnect');
  process.kill(nats.pid, 'SIGKILL');
  await down;
  const asked = Date.now();
  // Published now, each would be dropped at the next dial and fail at JetStream's 5 s timeout.
  const ops = [
    storage.writeFile('/a', { data: bytes('two'), version: 2 }),
    storage.mkdir('/d'),
    storage.writePages('/p', new Map([[3, new Uint8Array(512).fill(7)]])),
    storage.removePages('/gone'),
  ];
  await nats.restart();
  await Promise.all(ops);
  expect(Date.now() - asked).toBeLessThan(4_000);
  const image = await storage.load();
  expect(text(image.files.get('/a')!.data)).toBe('two');
  expect(image.files.get('/a')!.version).toBe(2);
  expect(image.dirs).toContain('/d');
  expect((await storage.readPages('/p', [3])).get(3)?.[0]).toBe(7);
  expect((await storage.readPages('/gone', [0])).size).toBe(0);
  await storage.close();
}, 60_000);

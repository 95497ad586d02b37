import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeJetStreamKey,
  encodeJetStreamKey,
  jetStreamBucketNames,
  JetStreamStorage,
} from '../src/storage/jetstreamStorage.js';

const PAGE = 4096;

/** A page whose bytes depend on (seed, pageNo), so swapped or stale pages are caught. */
function pageBytes(seed: number, pageNo: number): Uint8Array {
  const b = new Uint8Array(PAGE);
  let x = (seed * 2654435761 + pageNo * 40503 + 1) >>> 0;
  for (let i = 0; i < PAGE; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  b[0] = pageNo & 0xff;
  b[1] = (pageNo >> 8) & 0xff;
  return b;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('JetStreamStorage', () => {
  let server: NatsServerHandle;
  const conns: NatsConnection[] = [];
  const stores: JetStreamStorage[] = [];
  let serial = 0;

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(conns.splice(0).map((nc) => nc.close()));
  });

  /** Opens storage `name` on a fresh connection. */
  async function open(name: string): Promise<JetStreamStorage> {
    const nc = await connect({ servers: server.url });
    conns.push(nc);
    const s = await JetStreamStorage.open(nc, { name });
    stores.push(s);
    return s;
  }
  /** A file server id unique to the test, so tests don't see each other's buckets. */
  const freshName = (): string => `t${++serial}`;

  it('encodes paths reversibly into KV-safe keys', () => {
    for (const p of ['/', '/a/b.c', '/with space/ünï©ødé/😀', '/x*y>z', '/..']) {
      const k = encodeJetStreamKey(p);
      expect(k).toMatch(/^[-_a-zA-Z0-9]+$/);
      expect(decodeJetStreamKey(k)).toBe(p);
    }
    expect(() => encodeJetStreamKey('')).toThrow(/empty/);
    expect(() => encodeJetStreamKey('/\ud800')).toThrow(/Unicode/);
  });

  it('creates the buckets, a fresh store loads just /', async () => {
    const name = freshName();
    const s = await open(name);
    const img = await s.load();
    expect(img.dirs).toEqual(['/']);
    expect(img.files.size).toBe(0);
    expect(s.kind).toBe('jetstream');

    const jsm = await jetstreamManager(conns[0]!);
    const b = jetStreamBucketNames(name);
    const streams = (await jsm.streams.names().next()).sort();
    expect(streams).toEqual(expect.arrayContaining([`OBJ_${b.files}`, `KV_${b.meta}`, `KV_${b.pages}`]));
  });

  it('files, dirs and versions survive reopening on a new connection', async () => {
    const name = freshName();
    const a = await open(name);
    await a.mkdir('/docs');
    await a.mkdir('/docs/deep dir');
    await a.mkdir('/gone');
    await a.writeFile('/docs/a.txt', { data: text('alpha'), version: 3 });
    await a.writeFile('/docs/deep dir/ü.md', { data: text('unicode name'), version: 1 });
    await a.writeFile('/empty', { data: new Uint8Array(0), version: 7 });
    await a.writeFile('/docs/a.txt', { data: text('alpha v4'), version: 4 }); // overwrite
    await a.rmdir('/gone');
    await a.close();
    await expect(a.load()).rejects.toThrow(/closed/);

    const b = await open(name);
    const img = await b.load();
    expect([...img.dirs].sort()).toEqual(['/', '/docs', '/docs/deep dir']);
    expect([...img.files.keys()].sort()).toEqual(['/docs/a.txt', '/docs/deep dir/ü.md', '/empty']);
    expect(img.files.get('/docs/a.txt')).toEqual({ data: text('alpha v4'), version: 4 });
    expect(img.files.get('/docs/deep dir/ü.md')).toEqual({ data: text('unicode name'), version: 1 });
    expect(img.files.get('/empty')).toEqual({ data: new Uint8Array(0), version: 7 });

    // Another file server's buckets are separate.
    const other = await open(freshName());
    expect((await other.load()).files.size).toBe(0);
  });

  it('rename-like sequences and removal', async () => {
    const name = freshName();
    const a = await open(name);
    await a.writeFile('/old', { data: text('payload'), version: 5 });
    await a.writeFile('/keep', { data: text('kept'), version: 1 });
    // rename /old → /new: write new, remove old
    await a.writeFile('/new', { data: text('payload'), version: 6 });
    await a.removeFile('/old');
    await a.removeFile('/never-existed'); // no-op
    // rename back over an existing name, issued without awaiting: call order must hold
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        a.writeFile('/old', { data: text('back'), version: 7 }),
        a.removeFile('/new'),
        a.removeFile('/keep'),
        a.writeFile('/keep', { data: text('kept again'), version: 2 }),
        a.writeFile('/tmp', { data: text('scratch'), version: 1 }),
        a.removeFile('/tmp'),
      ]);
    }

    const img = await (await open(name)).load();
    expect([...img.files.keys()].sort()).toEqual(['/keep', '/old']);
    expect(img.files.get('/old')).toEqual({ data: text('back'), version: 7 });
    expect(img.files.get('/keep')).toEqual({ data: text('kept again'), version: 2 });

    // Removal leaves no tombstone in the object store's stream.
    const jsm = await jetstreamManager(conns[0]!);
    const files = jetStreamBucketNames(name).files;
    const si = await jsm.streams.info(`OBJ_${files}`, { subjects_filter: `$O.${files}.M.>` });
    expect(Object.keys(si.state.subjects ?? {}).length).toBe(2);
  });

  it('keeps binary content with every byte value', async () => {
    const name = freshName();
    const data = new Uint8Array(256 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const a = await open(name);
    await a.writeFile('/bin', { data, version: 1 });
    const got = (await (await open(name)).load()).files.get('/bin');
    expect(got?.data).toEqual(data);
    expect(new Set(got?.data).size).toBe(256);
  });

  it('stores a 3 MiB file (larger than max_payload)', async () => {
    const name = freshName();
    const a = await open(name);
    const maxPayload = conns[0]!.info!.max_payload;
    const data = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
    expect(data.length).toBeGreaterThan(maxPayload);
    await a.writeFile('/big', { data, version: 2 });
    const got = (await (await open(name)).load()).files.get('/big');
    expect(got?.version).toBe(2);
    expect(got?.data.length).toBe(data.length);
    expect(Buffer.from(got!.data).equals(Buffer.from(data))).toBe(true);
  });

  it('writes, reads and removes pages', async () => {
    const name = freshName();
    const a = await open(name);
    const pages = new Map<number, Uint8Array>();
    for (let n = 0; n < 300; n++) pages.set(n, pageBytes(1, n));
    await a.writePages('/swap/p1', pages);
    // A file whose encoded name is a prefix-neighbour must not be touched by removePages.
    await a.writePages('/swap/p', new Map([[0, pageBytes(2, 0)]]));

    const b = await open(name);
    const want = [0, 1, 17, 150, 299, 300, 5000];
    const got = await b.readPages('/swap/p1', want);
    expect([...got.keys()]).toEqual([0, 1, 17, 150, 299]);
    for (const [n, bytes] of got) expect(bytes).toEqual(pageBytes(1, n));
    expect((await b.readPages('/swap/nothing', [0])).size).toBe(0);
    expect((await b.readPages('/swap/p1', [])).size).toBe(0);

    // overwrite a page
    await b.writePages('/swap/p1', new Map([[17, pageBytes(9, 17)]]));
    expect((await a.readPages('/swap/p1', [17])).get(17)).toEqual(pageBytes(9, 17));

    await b.removePages('/swap/p1');
    expect((await a.readPages('/swap/p1', [0, 17, 299])).size).toBe(0);
    expect((await a.readPages('/swap/p', [0])).get(0)).toEqual(pageBytes(2, 0));

    // write, remove, write again, issued without awaiting: call order must hold
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        b.writePages('/swap/p', new Map([[0, pageBytes(4, 0)]])),
        b.removePages('/swap/p'),
        b.writePages('/swap/p', new Map([[3, pageBytes(3, 3)]])),
      ]);
      const after = await b.readPages('/swap/p', [0, 3]);
      expect([...after.keys()]).toEqual([3]);
      expect(after.get(3)).toEqual(pageBytes(3, 3));
    }
  });

  it('rejects bad arguments', async () => {
    const nc = await connect({ servers: server.url });
    conns.push(nc);
    await expect(JetStreamStorage.open(nc, { name: 'a.b' })).rejects.toThrow(/invalid file server name/);
    const s = await open(freshName());
    await expect(s.writePages('/f', new Map([[-1, new Uint8Array(PAGE)]]))).rejects.toThrow(/page number/);
    await expect(s.readPages('/f', [1.5])).rejects.toThrow(/page number/);
  });
});

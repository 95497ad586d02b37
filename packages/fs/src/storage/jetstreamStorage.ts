/**
 * A {@link Storage} kept in NATS JetStream: whole files in an Object Store, directories in a
 * KV bucket, backing-file pages in another KV bucket. Replicated across a NATS cluster when
 * opened with `replicas > 1`.
 *
 * Layout for a file server named `<name>` (all buckets are created if missing and reused if
 * present, so a restarted file server finds its files):
 *
 * - `wisp_fs_<name>_files` (Object Store, stream `OBJ_wisp_fs_<name>_files`): one object per
 *   file, object name = absolute path (the Object Store encodes names itself). The file's
 *   version is kept in the object's own info record (`metadata['wisp-version']`), which the
 *   Object Store publishes after the chunks as the commit point, so contents and version
 *   always change together.
 * - `wisp_fs_<name>_meta` (KV, history 1): key `d.<b64url(path)>` (empty value) per directory.
 * - `wisp_fs_<name>_pages` (KV, history 1): key `<b64url(file)>.<pageNo>` → raw page bytes.
 *
 * `b64url` is unpadded base64url of the UTF-8 path: reversible, and only uses characters KV keys
 * and subject tokens allow (no `.`, so a file's pages are exactly the subjects `<b64url(file)>.*`).
 *
 * **Across a NATS outage.** Every operation after load is sent only while the connection is up
 * and tried again after a timeout, a 503 or nobody answering ({@link retryJetStream}): nats.js
 * drops what is published while it is disconnected, so an operation issued during a NATS restart
 * used to fail at its 5 s timeout (the file server then answered `EIO`, and storage missed the
 * change) although NATS was back within milliseconds. Each operation is idempotent.
 * @module
 */
import { jetstream, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { Base64UrlPaddedCodec, Objm, type ObjectStore } from '@nats-io/obj';
import { ConnectionGate } from '@wisp/protocol';
import { retryJetStream } from './jetstreamRetry.js';
import type { Storage, StorageImage, StoredFile } from './storage.js';

/** Options for {@link JetStreamStorage.open}. */
export interface JetStreamStorageOptions {
  /** File server id, e.g. `fs1`; names the buckets (`[-_a-zA-Z0-9]+`). */
  name: string;
  /** JetStream replicas for each bucket (default 1). Only applies when a bucket is created. */
  replicas?: number;
}

/** Bucket names used for file server `name`. */
export function jetStreamBucketNames(name: string): { files: string; meta: string; pages: string } {
  return { files: `wisp_fs_${name}_files`, meta: `wisp_fs_${name}_meta`, pages: `wisp_fs_${name}_pages` };
}

/** Object metadata key holding a file's version. */
const VERSION_KEY = 'wisp-version';
/** Chunk size for file objects (the Object Store caps it at the server's max_payload). */
const MAX_CHUNK = 512 * 1024;
/** Page puts/gets in flight per call. */
const PAGE_WINDOW = 512;
/** Files fetched in parallel by load(). */
const LOAD_WINDOW = 16;

/** Unpadded base64url of the UTF-8 bytes of `s`; throws for strings that would not round-trip. */
export function encodeJetStreamKey(s: string): string {
  if (s.length === 0) throw new Error('JetStreamStorage: empty path');
  const enc = Buffer.from(s, 'utf8').toString('base64url');
  if (decodeJetStreamKey(enc) !== s) throw new Error(`JetStreamStorage: path is not valid Unicode: ${JSON.stringify(s)}`);
  return enc;
}

/** Inverse of {@link encodeJetStreamKey}. */
export function decodeJetStreamKey(enc: string): string {
  return Buffer.from(enc, 'base64url').toString('utf8');
}

/**
 * Orders operations per key: `shared` operations run concurrently with each other, an
 * `exclusive` one waits for everything queued before it and holds back everything after it.
 */
class KeyedLock {
  readonly #slots = new Map<string, { exclusive: Promise<void>; shared: Set<Promise<void>>; pending: number }>();
  readonly #all = new Set<Promise<void>>();

  run<T>(key: string, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { exclusive: Promise.resolve(), shared: new Set(), pending: 0 };
      this.#slots.set(key, slot);
    }
    const before = mode === 'shared' ? slot.exclusive : Promise.all([slot.exclusive, ...slot.shared]);
    const result = before.then(fn);
    const done: Promise<void> = result.then(
      () => {},
      () => {},
    );
    if (mode === 'shared') {
      slot.shared.add(done);
    } else {
      slot.exclusive = done;
      slot.shared.clear();
    }
    slot.pending++;
    this.#all.add(done);
    const s = slot;
    void done.then(() => {
      this.#all.delete(done);
      s.shared.delete(done);
      if (--s.pending === 0 && this.#slots.get(key) === s) this.#slots.delete(key);
    });
    return result;
  }

  /** Resolves once every operation started so far has settled. */
  async idle(): Promise<void> {
    while (this.#all.size > 0) await Promise.all(this.#all);
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. On failure it starts no more items,
 * waits for those in flight, then rejects with the first error.
 */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let error: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!error && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        error ??= { err };
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(limit, items.length); i++) workers.push(worker());
  await Promise.all(workers);
  if (error) throw error.err;
}

/** {@link Storage} on JetStream KV + Object Store. Create with {@link JetStreamStorage.open}. */
export class JetStreamStorage implements Storage {
  readonly kind = 'jetstream' as const;
  readonly #jsm: JetStreamManager;
  readonly #files: ObjectStore;
  readonly #meta: KV;
  readonly #pages: KV;
  readonly #names: { files: string; meta: string; pages: string };
  readonly #lock = new KeyedLock();
  readonly #gate: ConnectionGate;
  #closed = false;

  private constructor(
    jsm: JetStreamManager,
    files: ObjectStore,
    meta: KV,
    pages: KV,
    names: { files: string; meta: string; pages: string },
    gate: ConnectionGate,
  ) {
    this.#gate = gate;
    this.#jsm = jsm;
    this.#files = files;
    this.#meta = meta;
    this.#pages = pages;
    this.#names = names;
  }

  /**
   * Opens (creating if missing) the buckets of file server `opts.name` on `nc`.
   * The connection stays the caller's: {@link close} does not close it.
   * @throws Error if the name is invalid, JetStream is unavailable or a bucket cannot be created.
   */
  static async open(nc: NatsConnection, opts: JetStreamStorageOptions): Promise<JetStreamStorage> {
    if (!/^[-_a-zA-Z0-9]+$/.test(opts.name)) {
      throw new Error(`JetStreamStorage: invalid file server name ${JSON.stringify(opts.name)} (use [-_a-zA-Z0-9])`);
    }
    const replicas = opts.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`JetStreamStorage: invalid replicas ${replicas}`);
    const names = jetStreamBucketNames(opts.name);
    const js: JetStreamClient = jetstream(nc);
    const jsm = await js.jetstreamManager();
    const kvm = new Kvm(js);
    const [files, meta, pages] = await Promise.all([
      new Objm(js).create(names.files, {
        replicas,
        storage: StorageType.File,
        description: `Wisp file server ${opts.name}: files`,
      }),
      kvm.create(names.meta, {
        replicas,
        history: 1,
        storage: StorageType.File,
        description: `Wisp file server ${opts.name}: directories`,
      }),
      kvm.create(names.pages, {
        replicas,
        history: 1,
        storage: StorageType.File,
        description: `Wisp file server ${opts.name}: backing-file pages`,
      }),
    ]);
    return new JetStreamStorage(jsm, files, meta, pages, names, new ConnectionGate(nc));
  }

  async load(): Promise<StorageImage> {
    this.#checkOpen();
    const dirs = new Set<string>(['/']);
    for await (const key of await this.#meta.keys('d.>')) dirs.add(decodeJetStreamKey(key.slice(2)));

    const files = new Map<string, StoredFile>();
    const infos = await this.#files.list(); // live objects only (deleted ones are skipped)
    await forEachLimit(infos, LOAD_WINDOW, async ({ name }) => {
      // get() re-reads the info so contents and version are from the same revision.
      const r = await this.#files.get(name);
      if (r === null) return; // removed meanwhile
      const data = await readAll(r.data);
      const err = await r.error;
      if (err) throw err;
      files.set(name, { data, version: parseVersion(r.info.metadata?.[VERSION_KEY]) });
    });
    return { dirs: [...dirs], files };
  }

  async writeFile(path: string, file: StoredFile): Promise<void> {
    this.#checkOpen();
    encodeJetStreamKey(path); // validate
    return this.#run(`f:${path}`, 'exclusive', async () => {
      await this.#files.putBlob(
        { name: path, metadata: { [VERSION_KEY]: String(file.version) }, options: { max_chunk_size: MAX_CHUNK } },
        file.data,
      );
    });
  }

  async removeFile(path: string): Promise<void> {
    this.#checkOpen();
    encodeJetStreamKey(path);
    return this.#run(`f:${path}`, 'exclusive', async () => {
      // Publishes a "deleted" info record, then purges the chunks.
      const r = await this.#files.delete(path);
      if (!r.success) return; // no such object
      // Drop the tombstone too so removed names don't pile up (ADR-20 subject layout).
      await this.#jsm.streams.purge(`OBJ_${this.#names.files}`, {
        filter: `$O.${this.#names.files}.M.${Base64UrlPaddedCodec.encode(path)}`,
      });
    });
  }

  async mkdir(path: string): Promise<void> {
    this.#checkOpen();
    const key = `d.${encodeJetStreamKey(path)}`;
    return this.#run(`d:${path}`, 'exclusive', async () => {
      await this.#meta.put(key, new Uint8Array(0));
    });
  }

  async rmdir(path: string): Promise<void> {
    this.#checkOpen();
    const key = `d.${encodeJetStreamKey(path)}`;
    return this.#run(`d:${path}`, 'exclusive', async () => {
      // A subject purge leaves no delete marker behind (kv.delete/kv.purge would).
      await this.#jsm.streams.purge(`KV_${this.#names.meta}`, { filter: `$KV.${this.#names.meta}.${key}` });
    });
  }

  async writePages(file: string, pages: ReadonlyMap<number, Uint8Array>): Promise<void> {
    this.#checkOpen();
    const enc = encodeJetStreamKey(file);
    const entries = [...pages];
    for (const [pageNo] of entries) checkPageNo(pageNo);
    return this.#run(`p:${file}`, 'shared', () =>
      forEachLimit(entries, PAGE_WINDOW, async ([pageNo, bytes]) => {
        await this.#pages.put(`${enc}.${pageNo}`, bytes);
      }),
    );
  }

  async readPages(file: string, pageNos: readonly number[]): Promise<Map<number, Uint8Array>> {
    this.#checkOpen();
    const enc = encodeJetStreamKey(file);
    const wanted = [...new Set(pageNos)];
    for (const pageNo of wanted) checkPageNo(pageNo);
    return this.#run(`p:${file}`, 'shared', async () => {
      const got = new Map<number, Uint8Array>();
      await forEachLimit(wanted, PAGE_WINDOW, async (pageNo) => {
        const e = await this.#pages.get(`${enc}.${pageNo}`);
        // Copy into a plain Uint8Array: the entry's bytes are a Node Buffer viewing a larger
        // receive buffer (and Buffer#slice does not copy).
        if (e !== null && e.operation === 'PUT') got.set(pageNo, new Uint8Array(e.value));
      });
      // Report pages in the order asked for.
      const out = new Map<number, Uint8Array>();
      for (const pageNo of wanted) {
        const bytes = got.get(pageNo);
        if (bytes) out.set(pageNo, bytes);
      }
      return out;
    });
  }

  async removePages(file: string): Promise<void> {
    this.#checkOpen();
    const enc = encodeJetStreamKey(file);
    return this.#run(`p:${file}`, 'exclusive', async () => {
      // One request drops every page of the file and leaves no per-key delete markers.
      await this.#jsm.streams.purge(`KV_${this.#names.pages}`, { filter: `$KV.${this.#names.pages}.${enc}.*` });
    });
  }

  /** Waits for operations in flight, then refuses new ones. Does not close the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lock.idle();
    this.#gate.stop();
  }

  /** Runs `fn` in order on `key` (see {@link KeyedLock}), tried again across a NATS outage (see the module comment). */
  #run<T>(key: string, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(key, mode, () => retryJetStream(this.#gate, fn));
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('JetStreamStorage is closed');
  }
}

function checkPageNo(pageNo: number): void {
  if (!Number.isSafeInteger(pageNo) || pageNo < 0) throw new Error(`JetStreamStorage: invalid page number ${pageNo}`);
}

function parseVersion(s: string | undefined): number {
  const v = Number(s);
  return Number.isSafeInteger(v) ? v : 0;
}

async function readAll(rs: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = rs.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

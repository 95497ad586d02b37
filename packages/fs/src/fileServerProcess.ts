import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  ConnectionGate,
  ErrorCode,
  WispError,
  decode,
  decodeFrame,
  encode,
  encodeFrame,
  errorReply,
  fsCommands,
  isFsId,
  isFsVerb,
  NatsEdge,
  okReply,
  parseFsRequest,
  subjects,
  toWireError,
  unwrapReply,
  type FsVerb,
  type Subjects,
  type WireError,
} from '@wisp/protocol';
import type { FsCall, FsEffect, FsInput } from './effects.js';
import { FileServer } from './fileServer.js';
import { stderrLogger, type FsLogger } from './logger.js';
import { requestError } from './natsErrors.js';
import { MemoryStorage } from './storage/memoryStorage.js';
import type { Storage } from './storage/storage.js';
import { StorageQueue } from './storageQueue.js';

/** How to run a {@link FileServerProcess}. */
export interface FileServerProcessOptions {
  /** A connected NATS client; the file server does not close it. */
  nc: NatsConnection;
  /** File server id, a subject token (e.g. `fs1`). */
  id: string;
  /** Where files and pages live (default: a new {@link MemoryStorage}). Not closed by {@link FileServerProcess.stop}. */
  storage?: Storage;
  cluster?: string;
  logger?: FsLogger;
  /** Per-file size limit, bytes (default 64 MiB). */
  maxFileSize?: number;
  /** Directories that must exist, e.g. the prefixes this server owns in the prefix table. */
  mounts?: string[];
  /** How long a host gets to answer `cache.disable` before it is taken as gone, ms (default 2000). */
  callbackTimeoutMs?: number;
}

/**
 * A file server on NATS: the pure {@link FileServer} bound to a {@link Storage} and to
 * `wisp.<cluster>.fs.<id>.<verb>`. It decodes and validates every request at the edge (a bad
 * one gets an error reply and a log line, never a crash), feeds it to the server, and performs
 * the effects: storage changes run in order and a reply goes out only once every change issued
 * before it is stored (a restarted server has whatever any host was told); `cache.disable`
 * callbacks are requests to `wisp.<cluster>.host.<hostId>.cache.disable`, and a host that does
 * not answer is taken as gone. Raw bytes (read, write, pageIn, pageOut) travel in binary frames.
 */
export class FileServerProcess {
  readonly id: string;
  readonly server: FileServer;
  readonly storage: Storage;
  private readonly nc: NatsConnection;
  private readonly subjects: Subjects;
  private readonly log: FsLogger;
  private readonly queue: StorageQueue;
  private readonly maxPayload: number;
  private readonly callbackTimeoutMs: number;
  /** Reply subject → verb of the request it answers (replies of some verbs are framed). */
  private readonly replyVerbs = new Map<string, FsVerb>();
  private readonly prefix: string;
  /** Where every subscription callback and publish of this server goes through (never throws). */
  readonly edge: NatsEdge;
  /** Callbacks wait here while NATS is down (one sent then would be dropped and time out). */
  private readonly gate: ConnectionGate;
  private sub: Subscription | null = null;
  private stopped = false;

  private constructor(opts: FileServerProcessOptions, storage: Storage, server: FileServer, maxPayload: number) {
    this.id = opts.id;
    this.nc = opts.nc;
    this.storage = storage;
    this.server = server;
    this.subjects = subjects(opts.cluster);
    this.log = opts.logger ?? stderrLogger('wisp-fs', { fs: opts.id });
    this.queue = new StorageQueue(storage);
    this.maxPayload = maxPayload;
    this.callbackTimeoutMs = opts.callbackTimeoutMs ?? 2000;
    this.prefix = this.subjects.fs(this.id, '');
    this.edge = new NatsEdge(this.nc, this.log);
    this.gate = new ConnectionGate(this.nc);
  }

  /** Loads storage, starts serving, and resolves once the NATS server has the subscription. */
  static async start(opts: FileServerProcessOptions): Promise<FileServerProcess> {
    if (!isFsId(opts.id)) throw new WispError(ErrorCode.EINVAL, `invalid file server id '${opts.id}': use letters, digits, _ and -`);
    const storage = opts.storage ?? new MemoryStorage();
    const image = await storage.load();
    const maxPayload = opts.nc.info?.max_payload ?? 1024 * 1024;
    // Ids above a clock-derived floor never repeat across restarts (see FileServerOptions.idFloor).
    const server = new FileServer({ image, maxFileSize: opts.maxFileSize, maxReplyBytes: maxPayload, idFloor: Date.now() * 1000 });
    const fsp = new FileServerProcess(opts, storage, server, maxPayload);
    const mounts: FsEffect[] = [];
    for (const m of opts.mounts ?? []) mounts.push(...server.ensureDir(m));
    fsp.perform(mounts);
    await fsp.queue.barrier();
    fsp.sub = fsp.nc.subscribe(fsp.subjects.fsAll(fsp.id), { callback: fsp.edge.callback('file server', (msg: Msg) => fsp.onMessage(msg)) });
    await fsp.nc.flush();
    fsp.log.info({ storage: storage.kind, files: image.files.size, maxPayload }, 'file server up');
    return fsp;
  }

  /** Stops serving and waits until storage has every change made so far. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sub?.unsubscribe();
    await this.queue.barrier();
    this.edge.close();
    this.gate.stop();
    await this.nc.flush().catch(() => undefined);
  }

  /** Tells the server a host is gone for good: its stream references are dropped. */
  hostDown(host: string): void {
    this.feed({ type: 'hostDown', host });
  }

  private onMessage(msg: Msg): void {
    if (this.stopped) return;
    const verb = msg.subject.startsWith(this.prefix) ? msg.subject.slice(this.prefix.length) : '';
    let call: FsCall;
    try {
      if (!isFsVerb(verb)) throw new WispError(ErrorCode.EINVAL, `unknown file server verb '${verb}'`);
      if (fsCommands[verb].bytes === 'request') {
        const { meta, bytes } = decodeFrame(msg.data);
        call = { verb, ...(parseFsRequest(verb, meta) as object), bytes } as FsCall;
      } else {
        call = { verb, ...(parseFsRequest(verb, decode(msg.data)) as object) } as FsCall;
      }
    } catch (err) {
      const error = toWireError(err);
      this.log.warn({ subject: msg.subject, code: error.code }, `rejected message: ${error.message}`);
      if (msg.reply) this.send(msg.reply, isFsVerb(verb) ? verb : undefined, { ok: false, error });
      return;
    }
    // nats.js gives '' for "no reply subject": such a request is processed and counted, never answered.
    const to = this.edge.replyOf(msg) ?? '';
    if (to) this.replyVerbs.set(to, verb);
    this.feed({ type: 'request', to, call });
  }

  private feed(input: FsInput): void {
    let effects: FsEffect[];
    try {
      effects = this.server.handle(input);
    } catch (err) {
      // The server answers bad requests itself; reaching here is a server bug. Keep serving.
      this.log.error({ err: (err as Error).message, input: input.type }, 'file server failed on an input');
      if (input.type === 'request' && input.to) this.send(input.to, this.replyVerbs.get(input.to), { ok: false, error: toWireError(err) });
      return;
    }
    this.perform(effects);
  }

  private perform(effects: FsEffect[]): void {
    // Changes from this batch: its reply reports their failure.
    const mine: Promise<void>[] = [];
    for (const e of effects) {
      switch (e.type) {
        case 'persist': {
          const p = this.queue.persist(e.op);
          p.catch((err: unknown) => this.log.error({ op: e.op.op, err: (err as Error).message }, 'storage failed'));
          mine.push(p);
          break;
        }
        case 'reply': {
          const out = e.ok ? { ok: true as const, value: e.value, bytes: e.bytes } : { ok: false as const, error: e.error };
          if (mine.length === 0 && this.queue.idle) this.send(e.to, this.replyVerbs.get(e.to), out);
          else this.afterStorage(e.to, mine, out);
          break;
        }
        case 'callback':
          this.callback(e);
          break;
        case 'readPages':
          this.readPages(e.to, e.file, e.pageNos, e.pageSize);
          break;
        case 'log':
          this.log[e.level](e.fields ?? {}, e.msg);
          break;
      }
    }
  }

  /** Sends a reply once every change queued before it is stored; a failure of this request's own changes becomes `EIO`. */
  private afterStorage(to: string, mine: Promise<void>[], out: Outcome): void {
    const verb = this.replyVerbs.get(to);
    Promise.all([this.queue.barrier(), ...mine]).then(
      () => this.send(to, verb, out),
      (err: unknown) => this.send(to, verb, { ok: false, error: { code: ErrorCode.EIO, message: `storage failed: ${(err as Error).message}` } }),
    );
  }

  private readPages(to: string, file: string, pageNos: number[], pageSize: number): void {
    this.queue.readPages(file, pageNos).then(
      (pages) => {
        const present: number[] = [];
        const parts: Uint8Array[] = [];
        for (const n of pageNos) {
          const p = pages.get(n);
          if (!p) continue;
          if (p.length !== pageSize) {
            this.send(to, 'pageIn', { ok: false, error: { code: ErrorCode.EIO, message: `page ${n} of ${file} holds ${p.length} bytes, not ${pageSize}` } });
            return;
          }
          present.push(n);
          parts.push(p);
        }
        this.send(to, 'pageIn', { ok: true, value: { pages: present }, bytes: parts });
      },
      (err: unknown) => this.send(to, 'pageIn', { ok: false, error: { code: ErrorCode.EIO, message: `storage failed: ${(err as Error).message}` } }),
    );
  }

  private callback(e: Extract<FsEffect, { type: 'callback' }>): void {
    const subject = this.subjects.host(e.host, e.verb);
    const body = encode({ server: this.id, path: e.path, file: e.file, streams: e.streams });
    const done = (ok: boolean, error?: WireError): void => this.feed({ type: 'callbackDone', token: e.token, ok, ...(error ? { error } : {}) });
    const answered = (msg: Msg): void => {
      try {
        unwrapReply(decode(msg.data));
        done(true);
      } catch (err) {
        done(false, toWireError(err));
      }
    };
    // Sent once NATS is up: the host gets its whole timeout to answer, not a dropped request's.
    this.gate
      .up()
      .then(() => this.nc.request(subject, body, { timeout: this.callbackTimeoutMs }))
      .then(answered, (err: unknown) => done(false, requestError(err, subject).toWire()));
  }

  private send(to: string, verb: FsVerb | undefined, out: Outcome): void {
    this.replyVerbs.delete(to);
    if (!to) return;
    const envelope = out.ok ? okReply(out.value) : errorReply(out.error);
    const framed = verb !== undefined && fsCommands[verb].bytes === 'reply';
    let data = framed ? encodeFrame(envelope, out.ok ? (out.bytes ?? []) : []) : encode(envelope);
    if (data.length > this.maxPayload) {
      // The server sizes replies to fit; this guards against a mistake, which must not kill the connection.
      const error = { code: ErrorCode.EIO, message: `reply of ${data.length} bytes exceeds max_payload ${this.maxPayload}` };
      this.log.error({ verb }, error.message);
      data = framed ? encodeFrame(errorReply(error)) : encode(errorReply(error));
    }
    this.edge.answer(to, data);
  }
}

type Outcome = { ok: true; value: unknown; bytes?: Uint8Array | Uint8Array[] | undefined } | { ok: false; error: WireError };

import { FileServer, type FileServerOptions, type FsEffect } from '@wisp/fs';
import type { FsOp } from '@wisp/kernel';
import { ErrorCode, WispError, toWireError, type FsFence } from '@wisp/protocol';
import { Fingerprinter } from './fingerprint.js';
import { HostFsClient, type ServerCall } from './hostFsClient.js';
import type { Answer } from './message.js';

/**
 * One state of the file system, interned: the real pure {@link FileServer} (never mutated once
 * here; each step works on its `clone()`), what its storage holds — files (for invariant 4) and
 * backing-file pages — and each host's file-system client with its block cache (the client half
 * of Sprite caching). States are told apart by the server's `view()`, the storage and the
 * clients' state, cached blocks included.
 */
export interface FsNode {
  readonly id: number;
  readonly server: FileServer;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly pages: ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>;
  /** Hosts' clients, by host id (absent: a host that has made no call since it booted). */
  readonly clients: ReadonlyMap<string, HostFsClient>;
  /**
   * Per pid, the newest epoch of a fenced request the server accepted (answered ok): what the
   * fencing invariant compares each accepted request with, whatever the server itself remembers.
   */
  readonly accepted: ReadonlyMap<string, number>;
  readonly next: Map<string, FsStep>;
}

/** A fenced request the server accepted though it had accepted a newer epoch of its pid before. */
export interface StaleAccept {
  verb: string;
  host: string;
  fence: FsFence;
  /** The newest epoch accepted for the pid before it. */
  newest: number;
}

/** The result of one file-system transition: the new state and the answer, to a reply address. */
export interface FsStep {
  node: FsNode;
  replies: Array<{ to: string; answer: Answer }>;
  /** Requests of this transition accepted with an older epoch than one accepted before (none with a fencing server). */
  stale: StaleAccept[];
}

/** How to make the file server (a checker's test may plant a subclass). */
export type FileServerClass = new (opts: FileServerOptions) => FileServer;

/**
 * Every state of the file system met so far, and transitions between them. A host's `fs` effect
 * (what the kernel asks of its file-system client) is performed by that host's
 * {@link HostFsClient}: cached reads and writes, block fetches and write-backs, each a real
 * file-server request; a `cache.disable` callback the server sends while serving one is
 * performed by the called host's client (its dirty blocks written back) before the server goes on.
 * Each fenced request the server accepts is compared with the newest epoch accepted for its pid
 * ({@link FsNode.accepted}); an older one is reported in {@link FsStep.stale}.
 */
export class FsSpace {
  private readonly byPrint = new Map<string, FsNode>();
  // A view, the storage maps and the clients' state are plain data: nothing to hold opaque or skip.
  private readonly fp = new Fingerprinter(() => false);
  private seq = 0;
  computed = 0;
  reused = 0;
  /** `cache.disable` callbacks performed (in transitions computed). */
  cacheDisables = 0;

  constructor(private readonly Server: FileServerClass = FileServer) {}

  get size(): number {
    return this.byPrint.size;
  }

  /** An empty file server (with `/` and the directories for backing files); no host has cached anything. */
  boot(): FsNode {
    return this.intern(new this.Server({ image: { dirs: ['/'], files: new Map() } }), new Map(), new Map(), new Map(), new Map());
  }

  /** `host` crashed: its client and block cache (dirty blocks included) are gone. */
  forget(node: FsNode, host: string): FsNode {
    if (!node.clients.has(host)) return node;
    const clients = new Map(node.clients);
    clients.delete(host);
    return this.intern(node.server, node.files, node.pages, clients, node.accepted);
  }

  /** `host`'s client performs `op` (for the process `fence` names); its answer goes to `replyTo`. `key` caches the result. */
  step(node: FsNode, host: string, op: FsOp, args: unknown[], replyTo: string, key: string, fence?: FsFence): FsStep {
    const cacheKey = `${host}|${key}`;
    const hit = node.next.get(cacheKey);
    if (hit) {
      this.reused++;
      return hit;
    }
    this.computed++;
    const server = node.server.clone();
    const files = new Map(node.files);
    const pages = new Map(node.pages);
    const clients = new Map(node.clients);
    const accepted = new Map(node.accepted);
    const stale: StaleAccept[] = [];
    /** A host's client, copied once per step before it changes. */
    const copied = new Set<string>();
    const client = (h: string): HostFsClient => {
      if (!copied.has(h)) {
        copied.add(h);
        clients.set(h, clients.get(h)?.clone() ?? new HostFsClient(h));
      }
      return clients.get(h)!;
    };
    let seq = 0;
    const call =
      (h: string): ServerCall =>
      (verb, body, bytes) => {
        const to = `${h}#${++seq}`;
        const answers = new Map<string, Answer>();
        this.serve(server, server.handle({ type: 'request', to, call: { verb, ...body, ...(bytes ? { bytes } : {}) } as never }), files, pages, answers, (target, file) => {
          this.cacheDisables++;
          client(target).cacheDisable(file, call(target));
        });
        const a = answers.get(to);
        if (!a) throw new WispError(ErrorCode.EIO, `the file server did not answer ${verb}`);
        if (!a.ok) throw new WispError(a.error.code, a.error.message);
        const f = body.fence as FsFence | undefined;
        if (f) {
          const newest = accepted.get(f.pid) ?? 0;
          if (f.epoch < newest) stale.push({ verb, host: h, fence: f, newest });
          else accepted.set(f.pid, f.epoch);
        }
        return { value: (a.value ?? {}) as Record<string, unknown>, ...(a.bytes ? { bytes: a.bytes } : {}) };
      };
    let answer: Answer;
    try {
      answer = { ok: true, value: client(host).run(op, args, call(host), fence) };
    } catch (err) {
      // What the client or server refuses is an answer; anything else is a bug of the model.
      if (!(err instanceof WispError)) throw err;
      answer = { ok: false, error: toWireError(err) };
    }
    const result = { node: this.intern(server, files, pages, clients, accepted), replies: [{ to: replyTo, answer }], stale };
    node.next.set(cacheKey, result);
    return result;
  }

  /** Performs the server's effects: storage, answers (collected by address), callbacks (run at once). */
  private serve(server: FileServer, effects: FsEffect[], files: Map<string, Uint8Array>, pages: Map<string, ReadonlyMap<number, Uint8Array>>, answers: Map<string, Answer>, callback: (host: string, file: number) => void): void {
    const queue = effects;
    for (let i = 0; i < queue.length; i++) {
      const e = queue[i]!;
      switch (e.type) {
        case 'reply':
          answers.set(e.to, e.ok ? { ok: true, value: e.value, ...(e.bytes ? { bytes: e.bytes } : {}) } : { ok: false, error: e.error });
          break;
        case 'persist': {
          const p = e.op;
          if (p.op === 'writeFile') files.set(p.path, p.file.data.slice());
          else if (p.op === 'removeFile') files.delete(p.path);
          else if (p.op === 'writePages') {
            const f = new Map(pages.get(p.file) ?? []);
            for (const [n, b] of p.pages) f.set(n, b.slice());
            pages.set(p.file, f);
          } else if (p.op === 'removePages') pages.delete(p.file);
          break;
        }
        case 'readPages': {
          const f = pages.get(e.file);
          const out = new Map<number, Uint8Array>();
          for (const n of e.pageNos) {
            const b = f?.get(n);
            if (b) out.set(n, b.slice());
          }
          answers.set(e.to, { ok: true, value: out });
          break;
        }
        case 'callback': {
          let done: FsEffect[];
          try {
            callback(e.host, e.file);
            done = server.handle({ type: 'callbackDone', token: e.token, ok: true });
          } catch (err) {
            done = server.handle({ type: 'callbackDone', token: e.token, ok: false, error: toWireError(err) });
          }
          queue.push(...done);
          break;
        }
        case 'log':
          break;
      }
    }
  }

  private intern(server: FileServer, files: ReadonlyMap<string, Uint8Array>, pages: ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>, clients: ReadonlyMap<string, HostFsClient>, accepted: ReadonlyMap<string, number>): FsNode {
    const v = server.view();
    // Files' consistency contexts are shared between snapshots (and so between files), which
    // a fingerprint would count as aliasing: they go in as text, by value.
    const served = v.files.map((f) => [f.id, f.path, f.size, f.version, f.data, JSON.stringify(f.consistency)]);
    const cached = [...clients].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([h, c]) => [h, c.state()]);
    const print = this.fp.of([v.lastId, v.lastToken, v.dirs, served, v.streams, v.callbacks, v.fences, files, pages, cached, accepted]);
    const known = this.byPrint.get(print);
    if (known) return known;
    const node: FsNode = { id: ++this.seq, server, files, pages, clients, accepted, next: new Map() };
    this.byPrint.set(print, node);
    return node;
  }
}

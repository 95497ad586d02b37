import { FileServer, type FsCall, type FsEffect } from '@wisp/fs';
import type { FsOp } from '@wisp/kernel';
import { ErrorCode, type WireError } from '@wisp/protocol';
import { Fingerprinter } from './fingerprint.js';
import type { Answer } from './message.js';

/**
 * One state of the file server, interned: the real pure {@link FileServer} (never mutated once
 * here; each step works on its `clone()`) and what its storage holds — files (for invariant 4)
 * and backing-file pages. States are told apart by the server's `view()` and the storage.
 */
export interface FsNode {
  readonly id: number;
  readonly server: FileServer;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly pages: ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>;
  readonly next: Map<string, FsStep>;
}

/** The result of one file-server transition: the new state and the answers, each to a reply address. */
export interface FsStep {
  node: FsNode;
  replies: Array<{ to: string; answer: Answer }>;
}

const PAGE_SIZE = 4096;

/**
 * Every state of the file server met so far, and transitions between them. A host's `fs`
 * effect (what the kernel asks of its file-system client) becomes one file-server request, as
 * the client sends it when it does not cache; its reply becomes the kernel's answer in the
 * client's terms. Hosts in the model keep no block cache, so a `cache.disable` callback is
 * answered at once.
 */
export class FsSpace {
  private readonly byPrint = new Map<string, FsNode>();
  // A view and the storage maps are plain data: nothing to hold opaque or skip.
  private readonly fp = new Fingerprinter(() => false);
  private seq = 0;
  computed = 0;
  reused = 0;

  get size(): number {
    return this.byPrint.size;
  }

  /** An empty file server (with `/` and the directories for backing files). */
  boot(): FsNode {
    return this.intern(new FileServer({ image: { dirs: ['/'], files: new Map() } }), new Map(), new Map());
  }

  /** `node` serves `op` from `host`; answers go to `replyTo`. `key` caches the result. */
  step(node: FsNode, host: string, op: FsOp, args: unknown[], replyTo: string, key: string): FsStep {
    const hit = node.next.get(key);
    if (hit) {
      this.reused++;
      return hit;
    }
    this.computed++;
    const server = node.server.clone();
    const files = new Map(node.files);
    const pages = new Map(node.pages);
    const replies: FsStep['replies'] = [];
    const call = toCall(host, op, args);
    if ('error' in call) replies.push({ to: replyTo, answer: { ok: false, error: call.error } });
    else {
      const queue: FsEffect[] = server.handle({ type: 'request', to: replyTo, call: call.call });
      for (let i = 0; i < queue.length; i++) {
        const e = queue[i]!;
        switch (e.type) {
          case 'reply':
            replies.push({ to: e.to, answer: e.ok ? { ok: true, value: clientValue(op, e.value, e.bytes) } : { ok: false, error: e.error } });
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
            replies.push({ to: e.to, answer: { ok: true, value: out } });
            break;
          }
          case 'callback':
            queue.push(...server.handle({ type: 'callbackDone', token: e.token, ok: true }));
            break;
          case 'log':
            break;
        }
      }
    }
    const result = { node: this.intern(server, files, pages), replies };
    node.next.set(key, result);
    return result;
  }

  private intern(server: FileServer, files: Map<string, Uint8Array>, pages: Map<string, ReadonlyMap<number, Uint8Array>>): FsNode {
    const v = server.view();
    // Files' consistency contexts are shared between snapshots (and so between files), which
    // a fingerprint would count as aliasing: they go in as text, by value.
    const served = v.files.map((f) => [f.id, f.path, f.size, f.version, f.data, JSON.stringify(f.consistency)]);
    const print = this.fp.of([v.lastId, v.lastToken, v.dirs, served, v.streams, v.callbacks, files, pages]);
    const known = this.byPrint.get(print);
    if (known) return known;
    const node: FsNode = { id: ++this.seq, server, files, pages, next: new Map() };
    this.byPrint.set(print, node);
    return node;
  }
}

/** A kernel `fs` effect as a file-server call (what `FsClient` sends for it), or the error the client would give. */
function toCall(host: string, op: FsOp, args: unknown[]): { call: FsCall } | { error: WireError } {
  const stream = (h: unknown) => Number(String(h).split(':').at(-1));
  switch (op) {
    case 'open':
      return { call: { verb: 'open', host, path: args[0] as string, mode: args[1] as never } };
    case 'read':
      return { call: { verb: 'read', host, stream: stream(args[0]), length: args[1] as number } };
    case 'write':
      return { call: { verb: 'write', host, stream: stream(args[0]), bytes: args[1] as Uint8Array } };
    case 'seek':
      return { call: { verb: 'seek', host, stream: stream(args[0]), offset: args[1] as number, whence: (args[2] ?? 'set') as never } };
    case 'close':
      return { call: { verb: 'close', host, stream: stream(args[0]) } };
    case 'dup':
      return { call: { verb: 'dup', host, stream: stream(args[0]), to: args[1] as string } };
    case 'move':
      // move(stream, to, from = this host)
      return { call: { verb: 'move', host: (args[2] as string | undefined) ?? host, stream: stream(args[0]), to: args[1] as string } };
    case 'stat':
    case 'unlink':
    case 'mkdir':
    case 'readdir':
      return { call: { verb: op, host, path: args[0] as string } as FsCall };
    case 'pageOut': {
      const pages = [...(args[1] as Map<number, Uint8Array>)];
      const bytes = new Uint8Array(pages.length * PAGE_SIZE);
      pages.forEach(([, b], i) => bytes.set(b.subarray(0, PAGE_SIZE), i * PAGE_SIZE));
      return { call: { verb: 'pageOut', host, file: args[0] as string, pageSize: PAGE_SIZE, pages: pages.map(([n]) => n), bytes } };
    }
    case 'pageIn':
      return { call: { verb: 'pageIn', host, file: args[0] as string, pages: args[1] as number[], pageSize: (args[2] as number | undefined) ?? PAGE_SIZE } };
    case 'dropPages':
      return { call: { verb: 'dropPages', host, file: args[0] as string } };
  }
  return { error: { code: ErrorCode.ENOSYS, message: `no file-system op ${String(op)}` } };
}

/** A file-server reply in the terms `FsClient` returns it to the kernel. */
function clientValue(op: FsOp, value: unknown, bytes: Uint8Array | undefined): unknown {
  const v = value as Record<string, unknown> | undefined;
  switch (op) {
    case 'read':
      return bytes ?? new Uint8Array(0);
    case 'write':
      return v?.count;
    case 'seek':
      return v?.offset;
    case 'close':
    case 'dup':
    case 'move':
    case 'pageOut':
    case 'dropPages':
      return undefined;
    default:
      return value;
  }
}

import { ErrorCode, hostCommands, type DirectoryOp, type FsFence, isHostVerb, isPid, parseHostSubject, parseProcSubject, type Subjects, type WireError } from '@wisp/protocol';
import type { Effect, FsOp, KernelEvent } from '../effects.js';

/**
 * The simulated network that joins pure kernels without NATS: the kernel tests' `SimCluster`
 * and the model checker's `Model` both route and encode through this module, so the two
 * simulations agree with each other and with the runtime on what travels and where. It holds
 * no state: who is up and who subscribes to a pid is the caller's (a live map, or an immutable
 * world state); faults and scheduling stay with the caller too.
 */

/**
 * An answer as it travels: a value (raw bytes beside it, for frames) or an error; a host's
 * carries its `boot`, as the runtime's reply envelope does.
 */
export type Answer = { ok: true; value: unknown; bytes?: Uint8Array; boot?: string } | { ok: false; error: WireError; boot?: string };

/** A kernel {@link Effect} as the network carries it: bodies as JSON gives them back, raw bytes in one buffer. */
export type NetOutput =
  | { type: 'reply'; to: string; answer: Answer }
  | { type: 'request'; token: number; subject: string; body: unknown; timeoutMs: number; bytes?: Uint8Array }
  | { type: 'fs'; token: number; op: FsOp; args: unknown[]; fence?: FsFence }
  | { type: 'directory'; token: number; op: DirectoryOp }
  | { type: 'publish'; subject: string; body: unknown }
  | { type: 'console'; pid: string; fd: number; data: string }
  | { type: 'event'; kind: string; data: Record<string, unknown> }
  | { type: 'subscribe'; pid: string }
  | { type: 'unsubscribe'; pid: string }
  | { type: 'setTimer'; id: string; delayMs: number }
  | { type: 'cancelTimer'; id: string }
  | { type: 'log'; level: string; msg: string; fields: Record<string, unknown> | undefined };

/** Where a request goes: a host, the verb it is handed as, and the body it gets. */
export interface Route {
  host: string;
  verb: string;
  body: unknown;
}

/** What routing needs to know of the cluster at the moment a request is sent. */
export interface Reachable {
  /** True while the host is up (connected). */
  isUp(host: string): boolean;
  /** Hosts subscribed to a pid's subject. */
  subscribers(pid: string): readonly string[];
}

/**
 * Every host a request on `subject` reaches, built on the `@wisp/protocol` subjects of one
 * cluster: `host(id, verb)` reaches that host if it is up; `proc(pid)` reaches every host
 * subscribed to the pid, as the `deliver` verb with the pid added to the body (as the runtime
 * does). Empty: nobody is subscribed (NATS answers "no responders"). `body` is in wire form.
 */
export function route(subjects: Subjects, subject: string, body: unknown, net: Reachable): Route[] {
  const proc = parseProcSubject(subject);
  if (proc) {
    if (proc.cluster !== subjects.cluster || !isPid(proc.pid)) return [];
    const b = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, pid: proc.pid } : body;
    return net.subscribers(proc.pid).flatMap((host) => (net.isUp(host) ? [{ host, verb: 'deliver', body: b }] : []));
  }
  const hs = parseHostSubject(subject);
  if (!hs || hs.cluster !== subjects.cluster || !net.isUp(hs.host)) return [];
  return [{ host: hs.host, verb: hs.verb, body }];
}

/** The answer NATS gives at once when nobody is subscribed to `subject`. */
export function noResponders(subject: string): Answer {
  return { ok: false, error: { code: ErrorCode.EHOSTUNREACH, message: `no responders on ${subject}` } };
}

/** The answer a requester's client library gives when `what` got no answer in time. */
export function timedOut(what: string): Answer {
  return { ok: false, error: { code: ErrorCode.ETIMEDOUT, message: `no answer to ${what}` } };
}

/**
 * A kernel effect in wire form. Throws on what the runtime could not perform either: a request
 * without a positive timeout, a timer with a bad delay. `boot`: the host's run, carried by its
 * replies as the runtime's envelope carries it.
 */
export function toWire(host: string, e: Effect, boot?: string): NetOutput {
  switch (e.type) {
    case 'reply': {
      // As the runtime encodes replies: a missing value travels as {}.
      const answer: Answer = e.ok ? { ok: true, value: wire(e.value) ?? {}, ...(e.bytes ? { bytes: concat(e.bytes) } : {}) } : { ok: false, error: wire(e.error) as WireError };
      if (boot !== undefined) answer.boot = boot;
      return { type: 'reply', to: e.to, answer };
    }
    case 'request':
      if (!(e.timeoutMs > 0)) throw new Error(`${host}: request to ${e.subject} with bad timeout ${e.timeoutMs}`);
      return { type: 'request', token: e.token, subject: e.subject, body: wire(e.body), timeoutMs: e.timeoutMs, ...(e.bytes ? { bytes: concat(e.bytes) } : {}) };
    case 'fs':
      return { type: 'fs', token: e.token, op: e.op, args: e.args.map(copyArg), ...(e.fence ? { fence: { pid: e.fence.pid, epoch: e.fence.epoch } } : {}) };
    case 'publish':
      return { type: 'publish', subject: e.subject, body: wire(e.body) };
    case 'directory':
      return { type: 'directory', token: e.token, op: wire(e.op) as DirectoryOp };
    case 'event':
      return { type: 'event', kind: e.kind, data: wire(e.data) as Record<string, unknown> };
    case 'setTimer':
      if (typeof e.delayMs !== 'number' || !Number.isFinite(e.delayMs) || e.delayMs < 0) throw new Error(`${host}: setTimer ${e.id} with bad delay ${String(e.delayMs)}`);
      return e;
    case 'log':
      return { type: 'log', level: e.level, msg: e.msg, fields: e.fields };
    default:
      return e;
  }
}

/**
 * Checks a host's answer to a request for `verb` against the reply `hostCommands` declares for
 * it (the declarations are the contract); throws when it does not match. Errors and verbs
 * without a declared reply pass.
 */
export function checkReply(host: string, verb: string, answer: Answer): void {
  if (!answer.ok || !isHostVerb(verb)) return;
  const res = hostCommands[verb].reply?.safeParse(answer.value);
  if (res && !res.success) throw new Error(`${host}: ${verb} reply does not match its declared schema: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

/** The kernel event for a request delivered to a host (host clock `now`). */
export function requestEvent(r: { verb: string; body: unknown; replyTo: string; bytes?: Uint8Array }, now: number): KernelEvent {
  return { type: 'request', verb: r.verb, body: r.body, replyTo: r.replyTo, now, ...(r.bytes ? { bytes: r.bytes } : {}) };
}

/** The kernel event for the answer to its request `token` (host clock `now`). */
export function responseEvent(token: number, a: Answer, now: number): KernelEvent {
  const boot = a.boot !== undefined ? { boot: a.boot } : {};
  return a.ok ? { type: 'response', token, ok: true, value: a.value, now, ...(a.bytes ? { bytes: a.bytes } : {}), ...boot } : { type: 'response', token, ok: false, error: a.error, now, ...boot };
}

/** A value as it comes out of the wire (JSON); `undefined` stays undefined. */
export function wire(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** One buffer from the parts of a frame's raw bytes. */
export function concat(parts: Uint8Array | Uint8Array[]): Uint8Array {
  if (parts instanceof Uint8Array) return parts.slice();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A file-system call's argument as the client gets it: bytes and page maps copied, the rest as JSON. */
function copyArg(a: unknown): unknown {
  if (a instanceof Uint8Array) return a.slice();
  if (a instanceof Map) return new Map([...a].map(([k, v]) => [k, v instanceof Uint8Array ? v.slice() : v]));
  return wire(a);
}

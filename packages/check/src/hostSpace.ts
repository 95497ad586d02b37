import { Kernel, type Effect, type FsOp, type KernelView } from '@wisp/kernel';
import type { ProgramRegistry } from '@wisp/proc';
import type { AnyStateMachine } from 'xstate';
import { Fingerprinter } from './fingerprint.js';
import { graphCopy } from './graphCopy.js';
import type { Answer } from './message.js';
import { freshCopy, isIgnored, isShared, nonState, specialForm } from './sharedObjects.js';

/** A kernel timer armed in the world: its id and when it is due (world clock). */
export interface ArmedTimer {
  id: string;
  due: number;
}

/** What a host transition asks of the world, already in wire form (JSON bodies, bytes as one buffer). */
export type HostOutput =
  | { type: 'reply'; to: string; answer: Answer }
  | { type: 'request'; token: number; subject: string; body: unknown; timeoutMs: number; bytes?: Uint8Array }
  | { type: 'fs'; token: number; op: FsOp; args: unknown[] }
  | { type: 'publish'; subject: string; body: unknown }
  | { type: 'console'; pid: string; fd: number; data: string }
  | { type: 'event'; kind: string; data: Record<string, unknown> };

/**
 * One state of one host, interned: the kernel (never mutated once here), the timers it armed and
 * the pids it is subscribed to. Two hosts in the same state are the same node, so a transition
 * computed once (the real kernel handling the event on a copy) is reused by every world state
 * that holds this node.
 */
export interface HostNode {
  /** Small number, unique per state of this host. */
  readonly id: number;
  readonly hostId: string;
  readonly kernel: Kernel;
  /** Soonest first. */
  readonly timers: readonly ArmedTimer[];
  readonly subs: readonly string[];
  readonly view: KernelView;
  readonly hasWork: boolean;
  /** Transitions taken from here: event key → result. */
  readonly next: Map<string, HostStep>;
}

/** The result of one host transition. */
export interface HostStep {
  node: HostNode;
  out: HostOutput[];
}

/** What the world gives a host. `now` is the host's clock. */
export type HostInput =
  | { type: 'request'; verb: string; body: unknown; replyTo: string; bytes?: Uint8Array }
  | { type: 'response'; token: number; answer: Answer }
  | { type: 'timer'; id: string }
  | { type: 'slice' };

/** How the hosts are built. */
export interface HostSetup {
  registry: ProgramRegistry;
  cluster: string;
  callTimeoutMs?: number;
  /** Buggy copies of the protocol machines (checker tests). */
  machines?: { source?: AnyStateMachine; target?: AnyStateMachine };
}

/**
 * Every state of every host met so far, and the transitions between them. The real
 * {@link Kernel} computes each transition once, on a structural copy of the interned kernel;
 * the result is fingerprinted over everything that can change behaviour and interned.
 */
export class HostSpace {
  private readonly byPrint = new Map<string, HostNode>();
  private readonly fp = new Fingerprinter(isShared, { ignored: isIgnored, nonState, special: specialForm });
  private seq = 0;
  /** Transitions computed by running a kernel (cache misses). */
  computed = 0;
  /** Transitions reused. */
  reused = 0;

  constructor(private readonly setup: HostSetup) {}

  /** Number of distinct host states met. */
  get size(): number {
    return this.byPrint.size;
  }

  /** A freshly booted host (also a restarted one). */
  boot(hostId: string, now: number): HostNode {
    const { cluster, registry, callTimeoutMs, machines } = this.setup;
    const kernel = new Kernel({ hostId, cluster, registry, callTimeoutMs, startedAt: now, ...(machines ? { machines } : {}) });
    return this.intern(kernel, [], []);
  }

  /**
   * `node` takes `input` at host time `now` (world clock `clock`). `key` identifies the input
   * (the message's fingerprint, or the timer id); the result is cached under it.
   */
  step(node: HostNode, input: HostInput, key: string, now: number, clock: number): HostStep {
    const cacheKey = `${key}@${now}`;
    const hit = node.next.get(cacheKey);
    if (hit) {
      this.reused++;
      return hit;
    }
    this.computed++;
    const kernel = node.kernel.clone((k) => graphCopy(k, isShared, freshCopy));
    switch (input.type) {
      case 'request':
        kernel.handle({ type: 'request', verb: input.verb, body: input.body, replyTo: input.replyTo, now, ...(input.bytes ? { bytes: input.bytes } : {}) });
        break;
      case 'response':
        kernel.handle(input.answer.ok ? { type: 'response', token: input.token, ok: true, value: input.answer.value, now, ...(input.answer.bytes ? { bytes: input.answer.bytes } : {}) } : { type: 'response', token: input.token, ok: false, error: input.answer.error, now });
        break;
      case 'timer':
        kernel.handle({ type: 'timer', id: input.id, now });
        break;
      case 'slice':
        kernel.run(now, 1);
        break;
    }
    const timers = node.timers.slice();
    const subs = node.subs.slice();
    const out: HostOutput[] = [];
    if (input.type === 'timer') {
      const i = timers.findIndex((t) => t.id === input.id);
      if (i >= 0) timers.splice(i, 1);
    }
    for (const e of kernel.takeEffects()) convert(e, clock, timers, subs, out);
    timers.sort((a, b) => a.due - b.due);
    const result = { node: this.intern(kernel, timers, subs), out };
    node.next.set(cacheKey, result);
    return result;
  }

  private intern(kernel: Kernel, timers: ArmedTimer[], subs: string[]): HostNode {
    const hasWork = kernel.hasWork; // also drops dead run-queue heads: the state is normal before it is fingerprinted
    const print = this.fp.of([kernel, timers, subs]);
    const known = this.byPrint.get(print);
    if (known) return known;
    const node: HostNode = { id: ++this.seq, hostId: kernel.hostId, kernel, timers, subs, view: kernel.view(), hasWork, next: new Map() };
    this.byPrint.set(print, node);
    return node;
  }
}

/** One kernel effect into world terms; timers and subscriptions change in place. */
function convert(e: Effect, clock: number, timers: ArmedTimer[], subs: string[], out: HostOutput[]): void {
  switch (e.type) {
    case 'reply':
      out.push({ type: 'reply', to: e.to, answer: e.ok ? { ok: true, value: wire(e.value) ?? {}, ...(e.bytes ? { bytes: concat(e.bytes) } : {}) } : { ok: false, error: wire(e.error) as never } });
      return;
    case 'request':
      out.push({ type: 'request', token: e.token, subject: e.subject, body: wire(e.body), timeoutMs: e.timeoutMs, ...(e.bytes ? { bytes: concat(e.bytes) } : {}) });
      return;
    case 'fs':
      out.push({ type: 'fs', token: e.token, op: e.op, args: e.args.map(copyArg) });
      return;
    case 'publish':
      out.push({ type: 'publish', subject: e.subject, body: wire(e.body) });
      return;
    case 'console':
      out.push({ type: 'console', pid: e.pid, fd: e.fd, data: e.data });
      return;
    case 'event':
      out.push({ type: 'event', kind: e.kind, data: wire(e.data) as Record<string, unknown> });
      return;
    case 'subscribe':
      if (!subs.includes(e.pid)) subs.push(e.pid);
      return;
    case 'unsubscribe': {
      const i = subs.indexOf(e.pid);
      if (i >= 0) subs.splice(i, 1);
      return;
    }
    case 'setTimer': {
      const i = timers.findIndex((t) => t.id === e.id);
      if (i >= 0) timers.splice(i, 1);
      timers.push({ id: e.id, due: clock + Math.max(0, e.delayMs) });
      return;
    }
    case 'cancelTimer': {
      const i = timers.findIndex((t) => t.id === e.id);
      if (i >= 0) timers.splice(i, 1);
      return;
    }
    case 'log':
      return;
  }
}

/** A value as it comes out of the wire (JSON); undefined stays undefined. */
export function wire(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function copyArg(a: unknown): unknown {
  if (a instanceof Uint8Array) return a.slice();
  if (a instanceof Map) return new Map([...a].map(([k, v]) => [k, v instanceof Uint8Array ? v.slice() : v]));
  return wire(a);
}

function concat(parts: Uint8Array | Uint8Array[]): Uint8Array {
  if (parts instanceof Uint8Array) return parts.slice();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

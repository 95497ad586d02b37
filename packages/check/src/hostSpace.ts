import { Kernel, type KernelConfig, type KernelView } from '@wisp/kernel';
import { requestEvent, responseEvent, toWire, type NetOutput } from '@wisp/kernel/sim';
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

/**
 * What a host transition asks of the world, in wire form (see `toWire` in `@wisp/kernel/sim`);
 * its timers and subscriptions are kept in its {@link HostNode} instead.
 */
export type HostOutput = Exclude<NetOutput, { type: 'subscribe' | 'unsubscribe' | 'setTimer' | 'cancelTimer' | 'log' }>;

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
  | { type: 'lease'; held: boolean }
  | { type: 'slice' };

/** How the hosts are built. */
export interface HostSetup {
  registry: ProgramRegistry;
  cluster: string;
  callTimeoutMs?: number;
  /** Buggy copies of the protocol machines (checker tests). */
  machines?: { source?: AnyStateMachine; target?: AnyStateMachine };
  /** A planted lease rule (checker tests; see `KernelConfig.leaseRule`). */
  leaseRule?: KernelConfig['leaseRule'];
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
  boot(hostId: string, now: number, inc = 1): HostNode {
    const { cluster, registry, callTimeoutMs, machines, leaseRule } = this.setup;
    // Each incarnation is a new run: the directory tells a restarted host's records from its old ones'.
    const kernel = new Kernel({ hostId, boot: `${hostId}#${inc}`, cluster, registry, callTimeoutMs, startedAt: now, ...(machines ? { machines } : {}), ...(leaseRule ? { leaseRule } : {}) });
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
        kernel.handle(requestEvent(input, now));
        break;
      case 'response':
        kernel.handle(responseEvent(input.token, input.answer, now));
        break;
      case 'timer':
        kernel.handle({ type: 'timer', id: input.id, now });
        break;
      case 'lease':
        kernel.handle({ type: 'lease', held: input.held, now });
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
    for (const e of kernel.takeEffects()) keep(toWire(node.hostId, e, kernel.boot), clock, timers, subs, out);
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

/** One effect of a host: its timers and subscriptions change in place, the rest goes out into the world. */
function keep(o: NetOutput, clock: number, timers: ArmedTimer[], subs: string[], out: HostOutput[]): void {
  switch (o.type) {
    case 'subscribe':
      if (!subs.includes(o.pid)) subs.push(o.pid);
      return;
    case 'unsubscribe': {
      const i = subs.indexOf(o.pid);
      if (i >= 0) subs.splice(i, 1);
      return;
    }
    case 'setTimer': {
      const i = timers.findIndex((t) => t.id === o.id);
      if (i >= 0) timers.splice(i, 1);
      timers.push({ id: o.id, due: clock + o.delayMs });
      return;
    }
    case 'cancelTimer': {
      const i = timers.findIndex((t) => t.id === o.id);
      if (i >= 0) timers.splice(i, 1);
      return;
    }
    case 'log':
      return;
    default:
      out.push(o);
  }
}

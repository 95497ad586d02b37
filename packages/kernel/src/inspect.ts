import type { AnyStateMachine } from 'xstate';
import type { HomeRecord } from './homeTable.js';
import type { Kernel } from './kernel.js';
import type { KernelPort } from './migration/kernelPort.js';
import type { Migrator } from './migration/migrator.js';
import type { Pcb, ProcScope } from './pcb.js';

/**
 * A read-only, plain-data view of a kernel for a model checker's invariants: which processes it
 * holds and runs, its migration sessions, and its home records. Built from the kernel's private
 * state; nothing in it aliases the kernel.
 */
export interface KernelView {
  hostId: string;
  /**
   * Processes in the process table: running here unless `frozen`; `thawing`: frozen only until a
   * flush of its pages that an aborted migration left in flight ends.
   */
  procs: Array<{ pid: string; home: string; frozen: boolean; thawing: boolean; faulting: boolean; outstanding: number; runnable: boolean; state: string; done: boolean }>;
  /** Source sessions: pid → state of its source machine, and the target. */
  sources: Array<{ pid: string; to: string; state: string }>;
  /** Target sessions: pid → state of its target machine, and whether the image is here. */
  targets: Array<{ pid: string; from: string; state: string; hasImage: boolean }>;
  /** Home records of processes homed here. */
  home: Array<{ pid: string; host: string; state: HomeRecord['state']; code?: number }>;
  /** Hosts whose pages processes here still depend on (lazy moves). */
  residual: string[];
  /** Answers this kernel still waits for. */
  pending: number;
}

/** The kernel's private parts, as this module reads them. */
interface KernelInternals {
  procs: Map<string, Pcb>;
  home: { records: Map<string, HomeRecord> };
  pending: Map<number, unknown>;
  migrator: Migrator;
  port(): unknown;
}

const internals = (k: Kernel) => k as unknown as KernelInternals;
const migratorOf = (k: Kernel) => internals(k).migrator;

/** A plain-data view of `kernel` (see {@link KernelView}). */
export function inspectKernel(kernel: Kernel): KernelView {
  const k = internals(kernel);
  const m = migratorOf(kernel).view();
  const thawing = new Set(m.thawing);
  const residual = new Set<string>();
  const procs: KernelView['procs'] = [];
  for (const p of k.procs.values()) {
    if (p.lazyFrom) residual.add(p.lazyFrom);
    const runnable = !p.frozen && !p.faulting && (p.urgent.length > 0 || (p.outstanding === 0 && p.mailbox.length > 0));
    procs.push({ pid: p.pid, home: p.home, frozen: p.frozen, thawing: thawing.has(p.pid), faulting: p.faulting, outstanding: p.outstanding, runnable, state: JSON.stringify(p.snapshot?.value ?? null), done: p.snapshot?.status === 'done' });
  }
  return {
    hostId: kernel.hostId,
    procs,
    sources: m.sources,
    targets: m.targets,
    home: [...k.home.records.values()].map((r) => ({ pid: r.pid, host: r.host, state: r.state, ...(r.code !== undefined ? { code: r.code } : {}) })),
    residual: [...residual],
    pending: k.pending.size,
  };
}

/**
 * After a structural copy of a kernel (every object copied, functions shared), points the
 * closures that capture kernel state back at the copy: the migration port, each process's
 * action collector, each session driver's collector. Without this the copy would report its
 * actions to the original. Returns the kernel.
 */
export function rebindKernel(kernel: Kernel): Kernel {
  const k = internals(kernel);
  for (const pcb of k.procs.values()) rebindPcb(pcb);
  k.migrator.rebind(k.port() as KernelPort, rebindPcb);
  return kernel;
}

/** True for objects a structural copy of a kernel shares rather than copies (their closures are rebound by {@link rebindKernel}). */
export function isKernelScope(o: object): boolean {
  return typeof (o as { actionExecutor?: unknown }).actionExecutor === 'function';
}

/**
 * Replaces the protocol machines a kernel's migration sessions run (the real ones by default):
 * a checker's tests plant a buggy copy this way to show the checker finds it.
 */
export function plantMachines(kernel: Kernel, machines: { source?: AnyStateMachine; target?: AnyStateMachine }): void {
  const m = migratorOf(kernel);
  m.machines = { source: machines.source ?? m.machines.source, target: machines.target ?? m.machines.target };
}

function rebindPcb(pcb: Pcb): void {
  const actions = pcb.actions;
  const scope: ProcScope = { ...pcb.scope, actionExecutor: (a) => void actions.push(a) };
  (pcb as { scope: ProcScope }).scope = scope;
}

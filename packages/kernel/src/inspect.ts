import type { HomeTable, HomeRecord } from './homeTable.js';
import type { Migrator } from './migration/migrator.js';
import type { Pcb, ProcScope } from './pcb.js';
import { halted } from './pcb.js';

/**
 * A read-only, plain-data view of a kernel for a model checker's invariants and for tests:
 * which processes it holds and runs, its migration sessions, and its home records. Nothing in
 * it aliases the kernel (see `Kernel.view`).
 */
export interface KernelView {
  hostId: string;
  /**
   * Processes in the process table: running here unless `frozen`; `thawing`: frozen only until a
   * flush of its pages that an aborted migration left in flight ends. `fds`: its open fds ≥ 3
   * and their streams.
   */
  procs: Array<{ pid: string; home: string; frozen: boolean; thawing: boolean; faulting: boolean; outstanding: number; runnable: boolean; state: string; done: boolean; fds: Array<[number, string]> }>;
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

/** The parts of a kernel a view and a copy are made from. */
export interface KernelParts {
  readonly hostId: string;
  readonly procs: ReadonlyMap<string, Pcb>;
  readonly home: HomeTable;
  readonly pending: ReadonlyMap<number, unknown>;
  readonly migrator: Migrator;
}

/** A plain-data view of a kernel's parts (see {@link KernelView}). */
export function viewOf(k: KernelParts): KernelView {
  const m = k.migrator.view();
  const thawing = new Set(m.thawing);
  const residual = new Set<string>();
  const procs: KernelView['procs'] = [];
  for (const p of k.procs.values()) {
    if (p.lazyFrom) residual.add(p.lazyFrom);
    const runnable = !halted(p) && (p.urgent.length > 0 || (p.outstanding === 0 && p.mailbox.length > 0));
    procs.push({ pid: p.pid, home: p.home, frozen: p.frozen, thawing: thawing.has(p.pid), faulting: p.faulting, outstanding: p.outstanding, runnable, state: JSON.stringify(p.snapshot?.value ?? null), done: p.snapshot?.status === 'done', fds: [...p.fds] });
  }
  return {
    hostId: k.hostId,
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
 * closures that capture kernel state back at the copy: each process's action collector, each
 * session driver's collector. Without this the copy would report its actions to the original.
 */
export function rebindClosures(k: KernelParts): void {
  for (const pcb of k.procs.values()) rebindPcb(pcb);
  k.migrator.rebind(k.migrator.k, rebindPcb);
}

/** True for objects a structural copy of a kernel shares rather than copies (their closures are rebound by `Kernel.clone`). */
export function isKernelScope(o: object): boolean {
  return typeof (o as { actionExecutor?: unknown }).actionExecutor === 'function';
}

function rebindPcb(pcb: Pcb): void {
  const actions = pcb.actions;
  const scope: ProcScope = { ...pcb.scope, actionExecutor: (a) => void actions.push(a) };
  (pcb as { scope: ProcScope }).scope = scope;
}

import type { Program } from '@wisp/proc';
import type { AnyStateMachine } from 'xstate';
import { walk, type Counterexample } from './counterexample.js';
import { bfs, randomWalks, violated, type ExploreStats } from './explore.js';
import { builtinInvariants, type Invariant, type InvariantContext, type Reference } from './invariants.js';
import { Model, type ClientAction, type FaultScope, type ModelConfig, type SpawnSpec } from './model.js';
import type { Budget, World } from './world.js';

/** A kind of fault the checker may inject. */
export type FaultKind = Exclude<keyof Budget, 'total'>;

/** A fault allowed on a path: its kind, and how many times (default 1). */
export type FaultSpec = FaultKind | { kind: FaultKind; max?: number };

/** What to check: a small cluster, programs, what runs and what the client does, the faults, the invariants and the bounds. */
export interface CheckOptions {
  /** Host ids, or how many (`h1`, `h2`, …). */
  hosts: number | string[];
  /** Programs every host has. */
  programs: Program[];
  /** Processes started before exploring (default: the first program on `h1`). */
  spawn?: SpawnSpec[];
  /** Requests the client makes, in order, at any point (`$0` is the first spawned pid). */
  client?: ClientAction[];
  faults?: FaultSpec[];
  /** At most this many faults of any kind on one path (default: no bound beyond each kind's). */
  maxFaults?: number;
  /** Which messages faults may hit (default: the migration protocol's). */
  faultScope?: FaultScope;
  /** Invariants besides (or, with `builtin: false`, instead of) the built-in ones. */
  invariants?: Invariant[];
  builtin?: boolean;
  /** Breadth-first bounds (default: up to a million states). */
  maxStates?: number;
  maxDepth?: number;
  /** Random walks after the breadth-first search (default none). */
  walks?: number;
  seed?: number;
  /** Longest a migration may take, virtual ms (default 120 s). */
  migrationBoundMs?: number;
  /** Planted copies of the protocol machines. */
  machines?: { source?: AnyStateMachine; target?: AnyStateMachine };
  /** A planted lease rule (see `KernelConfig.leaseRule`; checker tests only). */
  leaseRule?: ModelConfig['leaseRule'];
  /** A planted file server class (checker tests only). */
  fileServer?: ModelConfig['fileServer'];
  callTimeoutMs?: number;
}

/** The outcome of {@link check}. */
export interface CheckReport {
  ok: boolean;
  /** Breadth-first figures. */
  bfs: ExploreStats;
  /** Random-walk figures (when walks were asked for). */
  walks: ExploreStats | null;
  /** Names of the invariants checked. */
  invariants: string[];
  /** The first violation found, if any. */
  violation: Counterexample | null;
}

/** The model of a check, with the reference its transparency invariants compare against. */
export interface Prepared {
  model: Model;
  start: World;
  invariants: Invariant[];
  ctx: InvariantContext;
}

/** Builds the model of `opts` and runs its reference (no client actions, no faults). */
export function prepare(opts: CheckOptions): Prepared {
  const spawn = opts.spawn ?? [{ program: opts.programs[0]!.name, home: typeof opts.hosts === 'number' ? 'h1' : opts.hosts[0]! }];
  const faults: Partial<Budget> & Partial<Record<FaultKind, number>> = opts.maxFaults !== undefined ? { total: opts.maxFaults } : {};
  for (const f of opts.faults ?? []) {
    const kind = typeof f === 'string' ? f : f.kind;
    faults[kind] = (faults[kind] ?? 0) + (typeof f === 'string' ? 1 : (f.max ?? 1));
  }
  const base = { hosts: opts.hosts, programs: opts.programs, spawn, callTimeoutMs: opts.callTimeoutMs };
  const model = new Model({ ...base, client: opts.client ?? [], faults, faultScope: opts.faultScope ?? 'migration', ...(opts.machines ? { machines: opts.machines } : {}), ...(opts.leaseRule ? { leaseRule: opts.leaseRule } : {}), ...(opts.fileServer ? { fileServer: opts.fileServer } : {}) });
  const start = model.initial();
  const invariants = [...(opts.builtin === false ? [] : builtinInvariants), ...(opts.invariants ?? [])];
  return { model, start, invariants, ctx: { model, reference: reference(new Model(base)), migrationBoundMs: opts.migrationBoundMs ?? 120_000 } };
}

/**
 * Model-checks programs in a small simulated cluster: every interleaving of deliveries,
 * process slices, timers, the client's requests and the allowed faults, breadth-first with
 * state hashing (then random walks, if asked), with every invariant checked in every state.
 *
 * ```ts
 * const r = check({ hosts: 2, programs: [worker], spawn: [{ program: 'worker', args: ['2', '2'], home: 'h1' }],
 *   client: [{ host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: 'flush' } }],
 *   faults: ['drop', 'duplicate', 'crash'] });
 * expect(r.violation?.format() ?? null).toBeNull();
 * ```
 */
export function check(opts: CheckOptions): CheckReport {
  const p = prepare(opts);
  const b = bfs(p.model, p.start, p.invariants, p.ctx, { maxStates: opts.maxStates, maxDepth: opts.maxDepth });
  let walks: ExploreStats | null = null;
  if (!b.violation && opts.walks) walks = randomWalks(p.model, p.start, p.invariants, p.ctx, { walks: opts.walks, seed: opts.seed });
  const violation = b.violation ?? walks?.violation ?? null;
  return { ok: violation === null, bfs: b, walks, invariants: p.invariants.map((i) => i.name), violation };
}

/** Replays `steps` (a counterexample's) on the model of `opts`: the first invariant broken on the way, if any. */
export function replay(opts: CheckOptions, steps: Counterexample['steps']): { states: World[]; violation: string | null } {
  const p = prepare(opts);
  const states = walk(p.model, steps);
  for (const w of states) {
    const bad = violated(w, p.model.steps(w).length === 0, p.invariants, p.ctx);
    if (bad) return { states, violation: `${bad.invariant}: ${bad.message}` };
  }
  return { states, violation: null };
}

/** Runs a model without client actions or faults to its end, taking the first step each time: what the programs do when nothing moves. */
export function reference(model: Model): Reference {
  let w = model.initial();
  for (let n = 0; ; n++) {
    if (n > 1_000_000) throw new Error('the reference run does not end');
    const steps = model.steps(w);
    if (steps.length === 0) break;
    w = model.apply(w, steps[0]!);
  }
  const text = new TextDecoder();
  const files = new Map<string, string>();
  for (const [path, data] of w.fs.files) files.set(path, text.decode(data));
  return { obs: w.obs, files };
}

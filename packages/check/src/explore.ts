import { Counterexample } from './counterexample.js';
import type { Invariant, InvariantContext } from './invariants.js';
import type { Model } from './model.js';
import type { Step, World } from './world.js';

/** Figures of one exploration. */
export interface ExploreStats {
  /** Distinct states reached. */
  states: number;
  /** Steps taken (edges explored). */
  transitions: number;
  /** States with nothing left to do. */
  terminal: number;
  /** Longest shortest path (BFS) or longest walk. */
  depth: number;
  seconds: number;
  /** Explored everything within the bounds (BFS), or did every walk (random). */
  complete: boolean;
  /** Kernel and file-server transitions actually computed (the rest were reused). */
  computed: number;
  violation: Counterexample | null;
}

/** Bounds of a breadth-first exploration. */
export interface BfsBounds {
  maxStates?: number;
  maxDepth?: number;
}

/** Checks `invariants` in `w`; the first violated one, or null. */
export function violated(w: World, terminal: boolean, invariants: readonly Invariant[], ctx: InvariantContext): { invariant: string; message: string } | null {
  for (const inv of invariants) {
    if (inv.kind === 'terminal' && !terminal) continue;
    const message = inv.check(w, ctx);
    if (message !== null) return { invariant: inv.name, message };
  }
  return null;
}

/**
 * Breadth-first search of every state reachable from `start`, with state hashing (a state met
 * again is not expanded again), checking every invariant in every state; stops at the first
 * violation, whose counterexample is therefore a shortest one.
 */
export function bfs(model: Model, start: World, invariants: readonly Invariant[], ctx: InvariantContext, bounds: BfsBounds = {}): ExploreStats {
  const t0 = performance.now();
  const maxStates = bounds.maxStates ?? 1_000_000;
  const maxDepth = bounds.maxDepth ?? Infinity;
  const computed0 = model.hosts.computed + model.fs.computed;
  // Parent pointers, for the counterexample: state number → (parent number, step).
  const parent: number[] = [-1];
  const via: (Step | null)[] = [null];
  const seen = new Map<string, number>([[model.key(start), 0]]);
  let frontier: Array<[World, number, Step[]]> = [[start, 0, model.steps(start)]];
  let transitions = 0;
  let terminal = 0;
  let depth = 0;
  let complete = true;
  const stats = (violation: Counterexample | null): ExploreStats => ({
    states: seen.size,
    transitions,
    terminal,
    depth,
    seconds: (performance.now() - t0) / 1000,
    complete,
    computed: model.hosts.computed + model.fs.computed - computed0,
    violation,
  });
  const pathTo = (n: number): Step[] => {
    const out: Step[] = [];
    for (let i = n; i > 0; i = parent[i]!) out.push(via[i]!);
    return out.reverse();
  };
  const first = violated(start, frontier[0]![2].length === 0, invariants, ctx);
  if (first) return stats(new Counterexample(model, [], first.invariant, first.message));
  while (frontier.length > 0) {
    if (depth >= maxDepth) {
      complete = false;
      break;
    }
    depth++;
    const next: Array<[World, number, Step[]]> = [];
    for (const [w, id, steps] of frontier) {
      for (const step of steps) {
        transitions++;
        const after = model.apply(w, step);
        const key = model.key(after);
        if (seen.has(key)) {
          // The notes of a step are about the step: check the state-invariants that read them.
          if (after.notes.length > 0) {
            const bad = violated(after, false, invariants, ctx);
            if (bad) return stats(new Counterexample(model, [...pathTo(id), step], bad.invariant, bad.message));
          }
          continue;
        }
        const n = parent.length;
        seen.set(key, n);
        parent.push(id);
        via.push(step);
        const afterSteps = model.steps(after);
        const isTerminal = afterSteps.length === 0;
        if (isTerminal) terminal++;
        const bad = violated(after, isTerminal, invariants, ctx);
        if (bad) return stats(new Counterexample(model, pathTo(n), bad.invariant, bad.message));
        if (seen.size >= maxStates) {
          complete = false;
          return stats(null);
        }
        if (!isTerminal) next.push([after, n, afterSteps]);
      }
    }
    frontier = next;
  }
  if (frontier.length === 0) depth--;
  return stats(null);
}

/** Options of random walks. */
export interface WalkOptions {
  walks: number;
  seed?: number;
  /** Longest walk, steps. */
  maxDepth?: number;
}

/**
 * `walks` seeded random walks from `start`, each to a terminal state (or `maxDepth`), checking
 * every invariant at every step: depth where breadth-first search cannot reach. The first
 * violation stops them, with the walk as its counterexample.
 */
export function randomWalks(model: Model, start: World, invariants: readonly Invariant[], ctx: InvariantContext, opts: WalkOptions): ExploreStats {
  const t0 = performance.now();
  const computed0 = model.hosts.computed + model.fs.computed;
  const rand = mulberry32(opts.seed ?? 1);
  const maxDepth = opts.maxDepth ?? 10_000;
  const seen = new Set<string>();
  let transitions = 0;
  let terminal = 0;
  let depth = 0;
  let violation: Counterexample | null = null;
  for (let walk = 0; walk < opts.walks && !violation; walk++) {
    let w = start;
    const path: Step[] = [];
    for (;;) {
      const steps = model.steps(w);
      if (steps.length === 0) {
        terminal++;
        break;
      }
      if (path.length >= maxDepth) break;
      const step = steps[Math.floor(rand() * steps.length)]!;
      path.push(step);
      transitions++;
      w = model.apply(w, step);
      seen.add(model.key(w));
      const bad = violated(w, model.steps(w).length === 0, invariants, ctx);
      if (bad) {
        violation = new Counterexample(model, path, bad.invariant, bad.message);
        break;
      }
    }
    depth = Math.max(depth, path.length);
  }
  return {
    states: seen.size,
    transitions,
    terminal,
    depth,
    seconds: (performance.now() - t0) / 1000,
    complete: violation === null,
    computed: model.hosts.computed + model.fs.computed - computed0,
    violation,
  };
}

/** A small, fast, seeded PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import type { Strategy } from '@wisp/protocol';
import type { CheckOptions, FaultKind } from './check.js';
import { checkPrograms } from './programs.js';

/** The migration strategies. */
export const STRATEGIES: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];

/** Every fault the checker can inject. */
export const ALL_FAULTS: FaultKind[] = ['drop', 'duplicate', 'reorder', 'delay', 'crash', 'restart', 'partition', 'pause'];

/**
 * Configuration (a): 2 hosts and the file server; one `worker` (2 pages, `rounds` rounds: memory, a
 * file, the console) migrates once from h1 to h2 under `strategy`, at any point of its run,
 * with one drop, one duplicate (of migration messages) and one host crash allowed on every
 * path. Explored exhaustively.
 */
export function configA(strategy: Strategy, rounds = 2): CheckOptions {
  return {
    hosts: 2,
    programs: checkPrograms,
    spawn: [{ program: 'worker', args: ['2', String(rounds), '100'], home: 'h1' }],
    client: [{ host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy } }],
    faults: ['drop', 'duplicate', 'crash'],
  };
}

/**
 * Configuration (a) with every fault the checker has ({@link ALL_FAULTS}: drop, duplicate,
 * reorder, delay, crash, restart, partition, pause), **at most one fault per path**
 * (`maxFaults: 1`): every kind is tried at every point of the run, never two on one path
 * (two per path is beyond 3 million states with one round of work). Explored exhaustively.
 */
export function configAAllFaults(strategy: Strategy, rounds = 2): CheckOptions {
  return { ...configA(strategy, rounds), faults: [...ALL_FAULTS], maxFaults: 1 };
}

/** How configuration (b)'s migrations and eviction move memory: one strategy for all, or each its own. */
export type ConfigBStrategies = Strategy | { worker: Strategy; listener: Strategy; evict: Strategy };

/**
 * Configuration (b): 3 hosts and the file server; a `worker` at h1, a `listener` at h2 and a
 * `talker` at h3 sending it two messages at once. Two migrations run concurrently (the worker
 * h1 → h2, the listener h2 → h3) and h2 is evicted (its foreign processes go home), in any
 * order and at any point. `strategy` is how they move memory (default: the worker by `flush`,
 * the listener by `precopy`, the eviction by `flush`).
 */
export function configB(faults: CheckOptions['faults'] = ['drop'], strategy: ConfigBStrategies = { worker: 'flush', listener: 'precopy', evict: 'flush' }): CheckOptions {
  const s = typeof strategy === 'string' ? { worker: strategy, listener: strategy, evict: strategy } : strategy;
  return {
    hosts: 3,
    programs: checkPrograms,
    spawn: [
      { program: 'worker', args: ['1', '2', '100'], home: 'h1' },
      { program: 'listener', args: ['2'], home: 'h2' },
      { program: 'talker', args: ['h2-1', '2'], home: 'h3' },
    ],
    client: [
      { host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: s.worker } },
      { host: 'h2', verb: 'migrate', body: { pid: '$1', to: 'h3', strategy: s.listener } },
      { host: 'h2', verb: 'evict', body: { strategy: s.evict } },
    ],
    faults,
  };
}

/**
 * Depth bound of {@link configBAllFaults}: configuration (b) has more than 2 million states
 * without any fault (three processes, three client requests, at any point), so with every fault
 * it is explored breadth-first to this many steps past the spawns; random walks
 * ({@link configBAllFaultsWalks}) go to the end of the run.
 */
export const B_ALL_FAULTS_DEPTH = 10;

/**
 * Configuration (b) with every fault the checker has ({@link ALL_FAULTS}), its migrations and
 * eviction under `strategy`: **at most one fault per path, every path explored to `depth`
 * steps** (default {@link B_ALL_FAULTS_DEPTH}) — every kind tried at every point within that
 * depth. Not exhaustive: the whole space is far beyond memory even without faults.
 */
export function configBAllFaults(strategy: Strategy, depth = B_ALL_FAULTS_DEPTH): CheckOptions {
  return { ...configB([...ALL_FAULTS], strategy), maxFaults: 1, maxDepth: depth, maxStates: 5_000_000 };
}

/**
 * Configuration (b) with every fault for random walks: **each of the 8 kinds at most once per
 * walk** (up to 8 faults on one path, no bound on their sum), every walk to the end of the run.
 * Run it with `walks` (and `maxStates: 1` to skip the breadth-first search).
 */
export function configBAllFaultsWalks(strategy: Strategy): CheckOptions {
  return configB([...ALL_FAULTS], strategy);
}

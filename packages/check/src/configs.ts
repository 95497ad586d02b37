import type { Strategy } from '@wisp/protocol';
import type { CheckOptions } from './check.js';
import { checkPrograms } from './programs.js';

/** The migration strategies. */
export const STRATEGIES: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];

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
 * Configuration (b): 3 hosts and the file server; a `worker` at h1, a `listener` at h2 and a
 * `talker` at h3 sending it two messages at once. Two migrations run concurrently (the worker
 * h1 → h2 by `flush`, the listener h2 → h3 by `precopy`) and h2 is evicted (its foreign
 * processes go home), in any order and at any point.
 */
export function configB(faults: CheckOptions['faults'] = ['drop']): CheckOptions {
  return {
    hosts: 3,
    programs: checkPrograms,
    spawn: [
      { program: 'worker', args: ['1', '2', '100'], home: 'h1' },
      { program: 'listener', args: ['2'], home: 'h2' },
      { program: 'talker', args: ['h2-1', '2'], home: 'h3' },
    ],
    client: [
      { host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: 'flush' } },
      { host: 'h2', verb: 'migrate', body: { pid: '$1', to: 'h3', strategy: 'precopy' } },
      { host: 'h2', verb: 'evict', body: {} },
    ],
    faults,
  };
}

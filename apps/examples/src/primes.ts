import { assign, raise, setup } from 'xstate';
import { defineProgram, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

/** Numbers tested per transition: small enough that other processes get the CPU often. */
export const PRIMES_CHUNK = 500;

interface PrimesContext {
  limit: number;
  /** Next number to test. */
  next: number;
  count: number;
  error: string | null;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * `primes [limit=20000]` — a CPU-bound program: counts the primes below `limit`, testing
 * {@link PRIMES_CHUNK} numbers per transition, then prints `primes below L: COUNT` and exits 0.
 *
 * Between chunks it yields by raising a `chunk` event to itself. The raise carries
 * `{ delay: 0 }`: an undelayed `raise` is consumed by xstate inside the same transition (its
 * internal queue), so it would never give the CPU back; a zero-delay raise is a kernel event
 * that goes to the back of the process's mailbox, so every chunk is one scheduler slice and a
 * safe point.
 */
export const primes = defineProgram({
  name: 'primes',
  version: '1',
  summary: 'primes [limit=20000] — CPU-bound: count primes below limit, yielding every 500 numbers',
  logic: setup({
    types: {
      context: {} as PrimesContext,
      input: {} as ProcInput,
      events: {} as KernelEvents | { type: 'chunk' },
      output: {} as ExitOutput,
    },
    actions: {
      testChunk: assign(({ context }) => {
        const end = Math.min(context.next + PRIMES_CHUNK, context.limit);
        let count = context.count;
        for (let n = context.next; n < end; n++) if (isPrime(n)) count++;
        return { next: Math.max(end, context.next), count };
      }),
      yield: raise({ type: 'chunk' }, { delay: 0 }),
    },
    guards: {
      lastChunk: ({ context }) => context.next + PRIMES_CHUNK >= context.limit,
    },
  }).createMachine({
    id: 'primes',
    context: ({ input }) => {
      const p = parseArgs('primes', input.args, [{ name: 'limit', kind: 'int', default: 20000 }]);
      return { ...p.values, next: 2, count: 0, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'computing' }],
      },
      computing: {
        entry: 'yield',
        on: {
          chunk: [
            { guard: 'lastChunk', target: 'report', actions: 'testChunk' },
            { actions: ['testChunk', 'yield'] },
          ],
        },
      },
      report: {
        type: 'final',
        entry: sys.write(1, ({ context }) => `primes below ${context.limit}: ${context.count}\n`),
        output: { code: 0 },
      },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

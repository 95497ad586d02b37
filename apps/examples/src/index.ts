import { ProgramRegistry, type Program } from '@wisp/proc';
import { cc } from './cc.js';
import { life } from './life.js';
import { clock } from './clock.js';
import { counter } from './counter.js';
import { crasher } from './crasher.js';
import { exiter } from './exiter.js';
import { link } from './link.js';
import { parent } from './parent.js';
import { pingpong } from './pingpong.js';
import { pong } from './pong.js';
import { primes } from './primes.js';
import { sleeper } from './sleeper.js';
import { tee } from './tee.js';
import { wc } from './wc.js';

export { clock, counter, crasher, exiter, parent, pingpong, pong, primes, sleeper, tee, wc };
export { cc, link, life };
export { LIFE_CHUNK_CELLS } from './life.js';
export { CC_SLICE_WORK, CC_DEFAULT_ROUNDS, mixRounds, initialLanes, objectText, parseCcArgs } from './cc.js';
export { parseLinkArgs } from './link.js';
export { WC_CHUNK } from './wc.js';
export { PRIMES_CHUNK } from './primes.js';
export { CRASH_MESSAGE } from './crasher.js';
export { USAGE_EXIT_CODE } from './args.js';

/** Every example program, as hosts load them. */
export const examplePrograms: Program[] = [counter, primes, pingpong, pong, clock, sleeper, parent, exiter, crasher, wc, tee, cc, link, life];

/** A fresh registry holding {@link examplePrograms}. */
export function exampleRegistry(): ProgramRegistry {
  return new ProgramRegistry(examplePrograms);
}

export { Kernel, CRASH_EXIT_CODE, type KernelConfig } from './kernel.js';
export type { Effect, KernelEvent } from './effects.js';
export { HomeTable, type HomeRecord, type Reaped } from './homeTable.js';
export { Fifo } from './fifo.js';

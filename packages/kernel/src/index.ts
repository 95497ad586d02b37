export { Kernel, CRASH_EXIT_CODE, type KernelConfig } from './kernel.js';
export type { Effect, FsOp, KernelEvent } from './effects.js';
export type { Continuation, Caller, Answer } from './caller.js';
export { HomeTable, type HomeRecord, type Reaped } from './homeTable.js';
export { Fifo } from './fifo.js';
export { inspectKernel, rebindKernel, isKernelScope, type KernelView } from './inspect.js';
export { sourceMachine, COMMIT_TRIES, type SourceContext, type SourceEvent, type SourceStep } from './migration/sourceMachine.js';
export { targetMachine, offerRefusal, lateCommitRefusal, type TargetEvent } from './migration/targetMachine.js';
export { statePath } from './migration/machineDriver.js';

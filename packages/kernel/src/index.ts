export { Kernel, CRASH_EXIT_CODE, type KernelConfig } from './kernel.js';
export type { Effect, FsOp, KernelEvent } from './effects.js';
export type { Continuation, Caller, Answer } from './caller.js';
export { HomeTable, type HomeRecord, type Reaped } from './homeTable.js';
export { Fifo } from './fifo.js';
export { isKernelScope, type KernelView } from './inspect.js';
export { sourceMachine, type SourceContext, type SourceEvent } from './migration/sourceMachine.js';
export { targetMachine, type TargetEvent } from './migration/targetMachine.js';
export { hostLifecycle, startHostLifecycle, type HostLifecycle, type HostLifecycleEvent } from './hostLifecycle.js';

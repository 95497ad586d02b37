/**
 * migd, Wisp's load-sharing daemon: knows which hosts are idle (from the hosts' reports), grants
 * them longest-idle first, keeps requesters fair, and reclaims a host when its owner returns.
 * A pure machine, its NATS binding, and the client requesters use.
 * @module
 */
export { DEFAULT_MIGD_CONFIG, emptyState, applyReport, grantHosts, releaseHosts, renewHosts, expire, hostViews, heldBy, ownerIdle, available, idleMs } from './migdState.js';
export type { MigdConfig, MigdState, HostEntry, Grant, Notice, Step } from './migdState.js';
export { migdMachine, type MigdEvent, type MigdContext, type MigdInput, type ReplyParams, type NotifyParams, type LogParams } from './migdMachine.js';
export { startMigd, stepMigd, type MigdSnapshot, type MigdEffect } from './migdStep.js';
export { MigdProcess, type MigdProcessOptions } from './migdProcess.js';
export { MigdClient, reclaimEvents, MIGD_TIMEOUT_MS, type Reclaim } from './migdClient.js';

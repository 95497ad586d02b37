/**
 * `@wisp/kernel/sim`: the simulated network the kernel tests and the model checker share (not
 * part of the kernel's main entry point; the runtime uses NATS).
 */
export { route, noResponders, timedOut, toWire, checkReply, requestEvent, responseEvent, wire, concat, type Answer, type NetOutput, type Route, type Reachable } from './network.js';
export { applyDirectory, type DirectoryRegister } from './directory.js';

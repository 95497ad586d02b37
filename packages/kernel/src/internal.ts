/**
 * `@wisp/kernel/internal`: hooks for the model checker's tests, kept off the public entry point.
 * A test plants a buggy copy of a protocol machine this way to show the checker finds the bug.
 */
export { plantMachines } from './inspect.js';

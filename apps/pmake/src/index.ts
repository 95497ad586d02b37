/**
 * pmake: a parallel make for Wisp. Reads a makefile whose commands are Wisp programs, and runs
 * the ready jobs on idle hosts granted by migd, with output on the home console.
 * @module
 */
export { parseMakefile, MakefileError, type Makefile, type Rule } from './makefile.js';
export { JobGraph, type JobState } from './jobGraph.js';
export { HostPool, type HostPoolOptions } from './hostPool.js';
export { runPmake, type PmakeOptions, type PmakeResult, type JobEvent } from './pmake.js';
export { upload, download } from './upload.js';

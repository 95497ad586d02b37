/**
 * The Wisp model checker: the real kernels, migration machines and file server composed over a
 * simulated network, explored breadth-first with state hashing and by seeded random walks,
 * with faults as explorable steps and DESIGN.md's invariants checked in every state; plus
 * per-machine exploration of the protocol machines with `xstate/graph`.
 * @module
 */
export { check, prepare, replay, reference, type CheckOptions, type CheckReport, type FaultKind, type FaultSpec, type Prepared } from './check.js';
export { Model, type ModelConfig, type ClientAction, type SpawnSpec, type FaultScope } from './model.js';
export { bfs, randomWalks, violated, mulberry32, type ExploreStats, type BfsBounds, type WalkOptions } from './explore.js';
export { Counterexample, walk } from './counterexample.js';
export * from './invariants.js';
export type { World, Step, Budget, Channel, Inflight, Link, Observations, Note } from './world.js';
export { describeMessage, MIGRATION_VERBS, type Message, type Answer } from './message.js';
export { HostSpace, type HostNode, type HostStep, type HostInput, type HostOutput, type HostSetup, type ArmedTimer } from './hostSpace.js';
export { FsSpace, type FsNode, type FsStep, type StaleAccept, type FileServerClass } from './fsSpace.js';
export { HostFsClient } from './hostFsClient.js';
export { graphCopy } from './graphCopy.js';
export { Fingerprinter } from './fingerprint.js';
export { isShared, isIgnored, nonState, specialForm, freshCopy } from './sharedObjects.js';
export { worker, talker, listener, checkPrograms } from './programs.js';
export { exploreMachine, everyStateCanEnd, finalsAbsorb, type MachineSpec, type MachineReport, type MachineGraph, type MachineEdge, type LocalInvariant } from './machineGraph.js';
export { sourceSpec, targetSpec, migdSpec, fileSpec, exploreProtocolMachines } from './protocolMachines.js';
export { configA, configB, configAAllFaults, configBAllFaults, configBAllFaultsWalks, ALL_FAULTS, B_ALL_FAULTS_DEPTH, STRATEGIES, type ConfigBStrategies } from './configs.js';

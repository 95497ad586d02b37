import { writeFileSync } from 'node:fs';
import { check, type CheckOptions } from './check.js';
import type { Strategy } from '@wisp/protocol';
import { B_ALL_FAULTS_DEPTH, STRATEGIES, configA, configAAllFaults, configB, configBAllFaults, configBAllFaultsWalks } from './configs.js';
import { hostLifecycle, type HostLifecycleEvent } from '@wisp/kernel';
import { everyStateCanEnd, exploreMachine, finalsAbsorb, type MachineReport } from './machineGraph.js';
import { exploreProtocolMachines } from './protocolMachines.js';

/**
 * `pnpm check [--json FILE] [--walks N] [--max-states N] [--machines] [--config a,b,a-all,b-all]
 * [--faults all] [--strategy S] [--depth N]`: explores every protocol machine with
 * `xstate/graph` (source per strategy, target, migd, a file's consistency, the host lifecycle)
 * and prints its states and edges; then model-checks the configurations asked for (default
 * `a,b`) and prints per run the states, transitions, seconds, states per second and whether
 * every invariant held:
 * - `a`: configuration (a) under every strategy, exhaustively (a drop, a duplicate, a crash);
 * - `b`: configuration (b), bounded breadth-first with a drop, then random walks with drops,
 *   duplicates, delays and a crash;
 * - `a-all`: (a) with all 8 faults, at most one per path, under every strategy, exhaustively;
 * - `b-all`: (b) with all 8 faults under every strategy: breadth-first with at most one fault per
 *   path to `--depth` steps (default {@link B_ALL_FAULTS_DEPTH}), then `--walks` random walks with
 *   each kind at most once per walk.
 *
 * `--faults all` is `--config a-all,b-all`; `--strategy` keeps one strategy; `--machines`: the
 * machines only. Exits 1 if an invariant fails.
 */
const args = process.argv.slice(2);

/** Every event a host's lifecycle can get: an owner input with and without foreign processes here. */
const HOST_EVENTS: HostLifecycleEvent[] = [
  { type: 'subscribed' },
  { type: 'evict', foreign: 0 },
  { type: 'evict', foreign: 1 },
  { type: 'evicted' },
  { type: 'disconnected' },
  { type: 'reconnected' },
  { type: 'stop' },
  { type: 'stopped' },
];

/** The host lifecycle (kernel/src/hostLifecycle.ts) under every event, with its local rules. */
function exploreHostLifecycle(): MachineReport {
  const state = (s: { value: unknown }) => JSON.stringify(s.value);
  return exploreMachine({
    name: 'host lifecycle',
    machine: hostLifecycle,
    events: HOST_EVENTS,
    invariants: [
      everyStateCanEnd(),
      finalsAbsorb(),
      {
        name: 'evicts only with foreign processes here, while serving',
        edge: (e) => {
          const event = e.event as HostLifecycleEvent;
          return e.actions.includes('evict') && !(event.type === 'evict' && event.foreign > 0 && ['"serving"', '"evicting"'].includes(state(e.from))) ? `evicted from ${state(e.from)} on ${JSON.stringify(event)}` : null;
        },
      },
      { name: 'stop always stops', edge: (e) => (e.event.type === 'stop' && e.from.status !== 'done' && state(e.to) !== '"stopping"' ? `stop in ${state(e.from)} went to ${state(e.to)}` : null) },
    ],
  });
}

const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const jsonFile = opt('--json');
const walks = Number(opt('--walks') ?? 10_000);
const maxStatesB = Number(opt('--max-states') ?? 200_000);

let failed = false;
const machines = [...exploreProtocolMachines(), exploreHostLifecycle()];
for (const m of machines) {
  console.log(`machine ${m.name.padEnd(38)} states ${String(m.states).padStart(6)}  edges ${String(m.edges).padStart(7)}  ${m.violations.length === 0 ? 'ok' : 'VIOLATION'}`);
  for (const v of m.violations.slice(0, 5)) console.log(`  ${v}`);
  if (m.violations.length > 0) failed = true;
}
if (args.includes('--machines')) process.exit(failed ? 1 : 0);

const configNames = (args.includes('--faults') && opt('--faults') === 'all' ? 'a-all,b-all' : (opt('--config') ?? 'a,b')).split(',');
const strategies = opt('--strategy') ? [opt('--strategy') as Strategy] : STRATEGIES;
const depthB = Number(opt('--depth') ?? B_ALL_FAULTS_DEPTH);

/** One run of the checker: its options, random walks (if any), and the bound it explores within, in words. */
interface Run {
  name: string;
  opts: CheckOptions;
  walks?: number;
  bound: string;
}
const RUNS: Record<string, () => Run[]> = {
  a: () => strategies.map((s) => ({ name: `a-${s}`, opts: configA(s), bound: 'drop+duplicate+crash, exhaustive' })),
  b: () => [
    { name: 'b-bfs', opts: { ...configB(['drop']), maxStates: maxStatesB }, bound: `drop, first ${maxStatesB} states` },
    { name: 'b-walks', opts: { ...configB(['drop', 'duplicate', 'delay', 'crash']), maxStates: 1 }, walks, bound: 'drop+duplicate+delay+crash, 1 each' },
  ],
  'a-all': () => strategies.map((s) => ({ name: `a-all-${s}`, opts: configAAllFaults(s), bound: 'all 8 faults, ≤1 per path, exhaustive' })),
  'b-all': () =>
    strategies.flatMap((s) => [
      { name: `b-all-${s}`, opts: configBAllFaults(s, depthB), bound: `all 8 faults, ≤1 per path, depth ≤ ${depthB}` },
      { name: `b-all-${s}-walks`, opts: { ...configBAllFaultsWalks(s), maxStates: 1 }, walks, bound: 'all 8 faults, each ≤1 per walk' },
    ]),
};
const runs: Run[] = configNames.flatMap((c) => {
  const make = RUNS[c];
  if (!make) throw new Error(`unknown configuration ${c} (known: ${Object.keys(RUNS).join(', ')})`);
  return make();
});

const configs: unknown[] = [];
for (const r of runs) {
  const report = check({ ...r.opts, ...(r.walks ? { walks: r.walks, seed: 42 } : {}) });
  const s = r.walks ? report.walks! : report.bfs;
  const row = {
    name: r.name,
    mode: r.walks ? `${r.walks} random walks` : report.bfs.complete ? 'exhaustive' : `bounded (${report.bfs.states} states)`,
    bound: r.bound,
    states: s.states,
    transitions: s.transitions,
    seconds: Number(s.seconds.toFixed(3)),
    statesPerSecond: Math.round(s.states / s.seconds),
    depth: s.depth,
    terminal: s.terminal,
    kernelTransitionsComputed: s.computed,
    invariants: report.invariants,
    ok: report.ok,
  };
  configs.push(row);
  console.log(`${row.name.padEnd(18)} ${row.bound.padEnd(40)} states ${String(row.states).padStart(8)}  transitions ${String(row.transitions).padStart(8)}  ${row.seconds.toFixed(2).padStart(7)} s  ${String(row.statesPerSecond).padStart(7)} states/s  depth ${row.depth}  ${row.ok ? 'every invariant held' : 'VIOLATION'}`);
  if (report.violation) {
    failed = true;
    console.log(report.violation.format());
  }
}
console.log(`invariants: ${(configs[0] as { invariants: string[] }).invariants.join('; ')}`);
console.log(failed ? 'an invariant was broken (counterexample above)' : `every invariant held in every run (${runs.length})`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ machines: machines.map(({ name, states, edges }) => ({ name, states, edges })), configs }, null, 2) + '\n');
process.exit(failed ? 1 : 0);

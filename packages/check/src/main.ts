import { writeFileSync } from 'node:fs';
import { check, type CheckOptions } from './check.js';
import { STRATEGIES, configA, configB } from './configs.js';
import { hostLifecycle, type HostLifecycleEvent } from '@wisp/kernel';
import { everyStateCanEnd, exploreMachine, finalsAbsorb, type MachineReport } from './machineGraph.js';
import { exploreProtocolMachines } from './protocolMachines.js';

/**
 * `pnpm check [--json FILE] [--walks N] [--max-states N] [--machines]`: explores every protocol
 * machine with `xstate/graph` (source per strategy, target, migd, a file's consistency, the host
 * lifecycle) and prints its states and
 * edges; then model-checks configuration (a) under every strategy (exhaustively) and
 * configuration (b) (bounded breadth-first, then random walks with every fault), and prints per
 * configuration the states, transitions, seconds, states per second and the invariants
 * checked. `--machines`: the machines only. Exits 1 if an invariant fails.
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

const runs: Array<{ name: string; opts: CheckOptions; walks?: number }> = [
  ...STRATEGIES.map((s) => ({ name: `a-${s}`, opts: configA(s) })),
  { name: 'b-bfs', opts: { ...configB(['drop']), maxStates: maxStatesB } },
  { name: 'b-walks', opts: { ...configB(['drop', 'duplicate', 'delay', 'crash']), maxStates: 1 }, walks },
];

const configs: unknown[] = [];
for (const r of runs) {
  const report = check({ ...r.opts, ...(r.walks ? { walks: r.walks, seed: 42 } : {}) });
  const s = r.walks ? report.walks! : report.bfs;
  const row = {
    name: r.name,
    mode: r.walks ? `${r.walks} random walks` : report.bfs.complete ? 'exhaustive' : `bounded (${report.bfs.states} states)`,
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
  console.log(`${row.name.padEnd(10)} ${row.mode.padEnd(26)} states ${String(row.states).padStart(8)}  transitions ${String(row.transitions).padStart(8)}  ${row.seconds.toFixed(2).padStart(6)} s  ${String(row.statesPerSecond).padStart(7)} states/s  depth ${row.depth}  ${row.ok ? 'ok' : 'VIOLATION'}`);
  if (report.violation) {
    failed = true;
    console.log(report.violation.format());
  }
}
console.log(`invariants: ${(configs[0] as { invariants: string[] }).invariants.join('; ')}`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ machines: machines.map(({ name, states, edges }) => ({ name, states, edges })), configs }, null, 2) + '\n');
process.exit(failed ? 1 : 0);

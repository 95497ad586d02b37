import { createActor, createMachine, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';

/** One edge of a machine's reachable graph: a state, an event, the next state and the actions taken. */
export interface MachineEdge {
  from: AnyMachineSnapshot;
  event: EventObject;
  to: AnyMachineSnapshot;
  actions: string[];
  /** The same actions with their params. */
  performed: Array<{ type: string; params: unknown }>;
}

/** A local invariant of one protocol machine: over every reachable state, or every edge, or the whole graph. */
export type LocalInvariant =
  | { name: string; state: (s: AnyMachineSnapshot) => string | null }
  | { name: string; edge: (e: MachineEdge) => string | null }
  | { name: string; graph: (g: MachineGraph) => string | null };

/** A protocol machine to explore: its input, the events the world may send it, and its local invariants. */
export interface MachineSpec {
  name: string;
  machine: AnyStateMachine;
  input?: unknown;
  /** The events to send in every state, or a function of the state that lists them. */
  events: readonly EventObject[] | ((s: AnyMachineSnapshot) => readonly EventObject[]);
  invariants: LocalInvariant[];
  /** Abstracts a snapshot to a key (default: value and context), to keep infinite contexts finite. */
  serialize?: (s: AnyMachineSnapshot) => string;
  /** Most states to explore. */
  limit?: number;
}

/** A machine's reachable states and edges, by key. */
export interface MachineGraph {
  states: Map<string, AnyMachineSnapshot>;
  edges: MachineEdge[];
  key: (s: AnyMachineSnapshot) => string;
}

/** The result of exploring one machine. */
export interface MachineReport {
  name: string;
  states: number;
  edges: number;
  /** `invariant: what is wrong`, for each violation found. */
  violations: string[];
}

/**
 * Explores every reachable state of a pure protocol machine with `xstate/graph`
 * (`getAdjacencyMap`), sending every listed event in every state, and checks its local
 * invariants on every state, every edge (with the actions the transition asked for), and the
 * graph as a whole (e.g. every state can reach a final one).
 */
export function exploreMachine(spec: MachineSpec): MachineReport {
  const key = spec.serialize ?? ((s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context]));
  const adj = getAdjacencyMap(spec.machine, {
    input: spec.input,
    events: typeof spec.events === 'function' ? spec.events : [...spec.events],
    serializeState: (s: unknown) => key(s as AnyMachineSnapshot),
    ...(spec.limit ? { limit: spec.limit } : {}),
  } as never) as Record<string, { state: AnyMachineSnapshot; transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> }>;
  const graph: MachineGraph = { states: new Map(), edges: [], key };
  const step = stepper(spec.machine);
  for (const node of Object.values(adj)) {
    graph.states.set(key(node.state), node.state);
    for (const t of Object.values(node.transitions)) {
      // The adjacency map keeps the next state; the actions come from the same pure transition.
      const [to, actions] = step(node.state, t.event);
      graph.edges.push({ from: node.state, event: t.event, to: to as AnyMachineSnapshot, actions: actions.map((a) => a.type), performed: actions.map((a) => ({ type: a.type, params: a.params })) });
    }
  }
  const violations: string[] = [];
  for (const inv of spec.invariants) {
    if ('state' in inv) {
      for (const s of graph.states.values()) {
        const bad = inv.state(s);
        if (bad) violations.push(`${inv.name}: ${bad}`);
      }
    } else if ('edge' in inv) {
      for (const e of graph.edges) {
        const bad = inv.edge(e);
        if (bad) violations.push(`${inv.name}: ${bad}`);
      }
    } else {
      const bad = inv.graph(graph);
      if (bad) violations.push(`${inv.name}: ${bad}`);
    }
  }
  return { name: spec.name, states: graph.states.size, edges: graph.edges.length, violations };
}

/**
 * A pure transition of `machine` that also returns the actions it asked for, with params. One
 * actor scope, whose executor collects the actions, serves every step: XState's `transition()`
 * builds an actor per call, which costs more than the step.
 */
function stepper(machine: AnyStateMachine): (s: AnyMachineSnapshot, e: EventObject) => [AnyMachineSnapshot, Array<{ type: string; params?: unknown }>] {
  const collected: Array<{ type: string; params?: unknown }> = [];
  const self = createActor(createMachine({}));
  const scope = {
    self,
    system: self.system,
    id: 'graph',
    sessionId: 'graph',
    defer: () => undefined,
    logger: () => undefined,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: (a: { type: string; params?: unknown }) => void collected.push({ type: a.type, params: a.params }),
  };
  const m = machine as unknown as { transition(s: AnyMachineSnapshot, e: EventObject, scope: unknown): AnyMachineSnapshot };
  return (s, e) => {
    collected.length = 0;
    const next = m.transition(s, e, scope);
    return [next, collected.splice(0)];
  };
}

/** Graph invariant: from every reachable state some final state is reachable (no dead end, no trap). */
export function everyStateCanEnd(name = 'every state can reach a final state'): LocalInvariant {
  return {
    name,
    graph: (g) => {
      const ends = new Set<string>();
      for (const [k, s] of g.states) if (s.status === 'done') ends.add(k);
      // Backwards reachability from the final states.
      let grew = true;
      while (grew) {
        grew = false;
        for (const e of g.edges) {
          const from = g.key(e.from);
          if (!ends.has(from) && ends.has(g.key(e.to))) {
            ends.add(from);
            grew = true;
          }
        }
      }
      const stuck = [...g.states.keys()].filter((k) => !ends.has(k));
      return stuck.length > 0 ? `no way to a final state from ${stuck.slice(0, 3).join(', ')}` : null;
    },
  };
}

/** Edge invariant: a final state takes no more transitions (nothing happens after done or aborted). */
export function finalsAbsorb(name = 'final states are absorbing'): LocalInvariant {
  return {
    name,
    edge: (e) => (e.from.status === 'done' && (JSON.stringify(e.from.value) !== JSON.stringify(e.to.value) || e.actions.length > 0) ? `${JSON.stringify(e.from.value)} moved on ${e.event.type}` : null),
  };
}

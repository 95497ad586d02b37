import type { AnyStateMachine } from 'xstate';

/** One state node of a machine, by dotted path from the root (`''`); as `MachineOutline` in `@wisp/protocol`. */
export interface StateOutline {
  path: string;
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial: boolean;
}

/** A machine's state tree and transitions as plain data (what the dashboard draws). */
export interface MachineOutline {
  id: string;
  states: StateOutline[];
  transitions: Array<{ from: string; event: string; to: string | null }>;
}

/** The parts of an xstate v5 state node read here (its public, documented fields). */
interface NodeLike {
  path: string[];
  type: StateOutline['type'];
  states: Record<string, NodeLike>;
  initial?: { target?: readonly NodeLike[] };
  transitions: Map<string, ReadonlyArray<{ target?: readonly NodeLike[] }>>;
  always?: ReadonlyArray<{ target?: readonly NodeLike[] }>;
}

/** Lists a machine's state nodes (parents first) and the transitions each declares. */
export function machineOutline(logic: AnyStateMachine): MachineOutline {
  const states: StateOutline[] = [];
  const transitions: MachineOutline['transitions'] = [];
  const visit = (node: NodeLike, parent: string | null, initial: boolean) => {
    const path = node.path.join('.');
    states.push({ path, parent, type: node.type, initial });
    const first = new Set((node.initial?.target ?? []).map((t) => t.path.join('.')));
    const eventless: Array<[string, ReadonlyArray<{ target?: readonly NodeLike[] }>]> = node.always ? [['always', node.always]] : [];
    for (const [event, defs] of [...node.transitions, ...eventless]) {
      for (const d of defs) {
        const targets = d.target ?? [];
        if (targets.length === 0) transitions.push({ from: path, event, to: null });
        for (const t of targets) transitions.push({ from: path, event, to: t.path.join('.') });
      }
    }
    for (const child of Object.values(node.states)) visit(child, path, first.has(child.path.join('.')));
  };
  visit(logic.root as unknown as NodeLike, null, false);
  return { id: logic.id, states, transitions };
}

/** Paths of every active state node (each level; the root `''` left out) of a snapshot's `value`. */
export function activePaths(value: unknown, prefix = ''): string[] {
  const at = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (typeof value === 'string') return [at(value)];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [at(k), ...activePaths(v, at(k))]);
}

import { createActor, createMachine, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

/** A named action a protocol machine asked for, with the context it saw. */
export interface MachineAction {
  type: string;
  context: unknown;
  event: unknown;
  params?: unknown;
}

const inert = createMachine({});
// One actor lends its `self` and `system` to every driver: the pure machines never reach
// either, and creating an actor per migration session cost ~0.1 ms of a ~2 ms move.
let shared: { system: unknown } | undefined;
function sharedSelf(): { system: unknown } {
  shared ??= createActor(inert) as unknown as { system: unknown };
  return shared;
}

/** An action executor that collects the actions (with their params) instead of running them. */
function collector(into: MachineAction[]) {
  return (a: { type: string; info: { context: unknown; event: unknown }; params?: unknown }) => {
    into.push({ type: a.type, context: a.info.context, event: a.info.event, params: a.params });
  };
}

/** A machine's initial snapshot and entry actions for one shape of input, reused with a fresh context. */
interface Template {
  snapshot: AnyMachineSnapshot;
  actions: MachineAction[];
}

const templates = new WeakMap<AnyStateMachine, Map<string, Template | null>>();

/** The context the machine's `context` factory makes of `input` (no assign has run yet). */
function contextOf(machine: AnyStateMachine, input: unknown): unknown {
  const make = machine.config.context as unknown;
  return typeof make === 'function' ? (make as (a: unknown) => unknown)({ input, self: sharedSelf(), spawn: () => undefined }) : make;
}

/**
 * Drives a pure protocol machine the way the kernel drives programs: its own `transition`
 * with one reused scope whose executor collects actions instead of running them. The caller
 * performs the actions (as effects), so the machine itself never does I/O.
 */
export class MachineDriver {
  snapshot: AnyMachineSnapshot;
  private readonly collected: MachineAction[] = [];
  private scope: Record<string, unknown>;

  /**
   * `shape` names what of `input` decides the initial state (e.g. the strategy): sessions of one
   * shape reuse the first one's initial snapshot with their own context, since computing it cost
   * about a tenth of a null process's move. Only when the initial steps assign nothing.
   */
  constructor(
    private readonly machine: AnyStateMachine,
    id: string,
    input: unknown,
    shape?: string,
  ) {
    const self = sharedSelf();
    this.scope = {
      self,
      system: self.system,
      id,
      sessionId: id,
      defer: () => undefined,
      logger: () => undefined,
      stopChild: () => undefined,
      emit: () => undefined,
      actionExecutor: collector(this.collected),
    };
    const known = shape === undefined ? undefined : templates.get(machine)?.get(shape);
    if (known) {
      const context = contextOf(machine, input);
      const event = { type: 'xstate.init', input };
      this.snapshot = { ...known.snapshot, context } as AnyMachineSnapshot;
      for (const a of known.actions) this.collected.push({ ...a, context, event });
      return;
    }
    const m = machine as unknown as { getInitialSnapshot(s: unknown, i: unknown): AnyMachineSnapshot };
    this.snapshot = m.getInitialSnapshot(this.scope, input);
    if (shape !== undefined && known === undefined) this.keep(shape, input);
  }

  /** Keeps this initial snapshot as the template of `shape`, unless the initial steps changed the context. */
  private keep(shape: string, input: unknown): void {
    let byShape = templates.get(this.machine);
    if (!byShape) templates.set(this.machine, (byShape = new Map()));
    const context = this.snapshot.context;
    const untouched = this.collected.every((a) => a.context === context) && JSON.stringify(context) === JSON.stringify(contextOf(this.machine, input));
    byShape.set(shape, untouched ? { snapshot: this.snapshot, actions: this.collected.map((a) => ({ ...a })) } : null);
  }

  /** After a structural copy of this driver: its scope collects into the copy's list, not the original's. */
  rebind(): void {
    this.scope = { ...this.scope, actionExecutor: collector(this.collected) };
  }

  /** Actions of the initial state (entry), taken once. */
  start(): MachineAction[] {
    return this.collected.splice(0);
  }

  /** Feeds one event; returns the actions to perform, in order. */
  send(event: { type: string; [k: string]: unknown }): MachineAction[] {
    const m = this.machine as unknown as { transition(s: AnyMachineSnapshot, e: unknown, scope: unknown): AnyMachineSnapshot };
    this.snapshot = m.transition(this.snapshot, event, this.scope);
    return this.collected.splice(0);
  }

  /** The current state's path, dotted (`flushing.writing.waiting`). */
  get state(): string {
    return statePath(this.snapshot.value);
  }

  /** Whether the current state carries `tag`. */
  hasTag(tag: string): boolean {
    return this.snapshot.hasTag(tag);
  }

  /** True once the machine reached a final state. */
  get done(): boolean {
    return this.snapshot.status === 'done';
  }
}

/** A state value as a dotted path (the machines here have no parallel states). */
export function statePath(value: unknown): string {
  let out = '';
  let v = value;
  while (v && typeof v === 'object') {
    const [k, next] = Object.entries(v)[0]!;
    out += (out ? '.' : '') + k;
    v = next;
  }
  return typeof v === 'string' ? out + (out ? '.' : '') + v : out;
}

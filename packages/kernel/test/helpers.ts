import { ProgramRegistry } from '@wisp/proc';
import { Kernel, type Effect } from '../src/index.js';
import { examplePrograms } from '../../../apps/examples/src/index.js';
import { testPrograms } from './programs.js';
import { SimCluster, type SimHostConfig } from './simCluster.js';

/** A registry with the example programs and the test programs. */
export function allPrograms(): ProgramRegistry {
  return new ProgramRegistry([...examplePrograms, ...testPrograms]);
}

/** A sim cluster of the given hosts, every host with {@link allPrograms}. */
export function cluster(...hosts: (string | SimHostConfig)[]): SimCluster {
  return new SimCluster({ hosts, registry: allPrograms() });
}

/** What a process emitted (`emit` actions), in order. */
export function emitted(sim: SimCluster, pid: string, type?: string): Record<string, unknown>[] {
  return sim
    .eventsOf('proc.emit')
    .filter((e) => e.data.pid === pid)
    .map((e) => e.data.event as Record<string, unknown>)
    .filter((e) => type === undefined || e.type === type);
}

/** The results a `script` process emitted, in order. */
export function scriptResults(sim: SimCluster, pid: string): { i: number; call: string; ok: boolean; value?: unknown; error?: { code: string; message: string } }[] {
  return emitted(sim, pid, 'result') as never;
}

/** A kernel driven by hand, with the test and example programs. */
export function bareKernel(hostId = 'h1'): Kernel {
  return new Kernel({ hostId, registry: allPrograms() });
}

/** Spawns on a bare kernel through its `spawn` verb; returns the pid. */
export function spawnOn(k: Kernel, program: string, args: string[] = [], now = 0): string {
  const replyTo = `r.${program}.${Math.random()}`;
  k.handle({ type: 'request', verb: 'spawn', body: { program, args }, replyTo, now });
  const reply = k.takeEffects().find((e): e is Extract<Effect, { type: 'reply' }> => e.type === 'reply' && e.to === replyTo);
  if (!reply?.ok) throw new Error(`spawn ${program} failed: ${JSON.stringify(reply)}`);
  return (reply.value as { pid: string }).pid;
}

/** The replies among effects. */
export function replies(effects: Effect[]): Extract<Effect, { type: 'reply' }>[] {
  return effects.filter((e): e is Extract<Effect, { type: 'reply' }> => e.type === 'reply');
}

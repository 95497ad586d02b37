import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exampleRegistry } from '@wisp/examples';
import type { Program, ProgramRegistry } from '@wisp/proc';
import { UsageError } from './usage.js';

/**
 * The registry a host loads: the example programs plus the programs exported by each module
 * given with `--programs` (a named export `programs: Program[]`, or a default export of one).
 * Every host of a cluster must load the same modules, as Sprite hosts shared binaries.
 */
export async function hostRegistry(modules: readonly string[]): Promise<ProgramRegistry> {
  const registry = exampleRegistry();
  for (const m of modules) for (const p of await loadPrograms(m)) registry.register(p);
  return registry;
}

async function loadPrograms(module: string): Promise<Program[]> {
  const path = isAbsolute(module) ? module : resolve(module);
  let mod: { programs?: unknown; default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as typeof mod;
  } catch (err) {
    throw new UsageError(`--programs ${module}: cannot load it: ${(err as Error).message}`);
  }
  const list = mod.programs ?? mod.default;
  if (!Array.isArray(list) || !list.every(isProgram)) {
    throw new UsageError(`--programs ${module}: export 'programs' (or default) must be an array of defineProgram(...) results`);
  }
  return list;
}

function isProgram(p: unknown): p is Program {
  const q = p as Partial<Program> | null;
  return typeof q?.name === 'string' && typeof q.version === 'string' && typeof q.logic === 'object' && q.logic !== null;
}

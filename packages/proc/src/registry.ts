import type { Program } from './program.js';

/** The programs a host can run, by name and version. */
export class ProgramRegistry {
  private readonly byKey = new Map<string, Program>();
  private readonly latest = new Map<string, Program>();

  constructor(programs: Iterable<Program> = []) {
    for (const p of programs) this.register(p);
  }

  /** Adds a program; the last registered version of a name is its default. */
  register(p: Program): this {
    this.byKey.set(`${p.name}@${p.version}`, p);
    this.latest.set(p.name, p);
    return this;
  }

  /** The program `name` at `version` (the default version when omitted), or undefined. */
  get(name: string, version?: string): Program | undefined {
    return version === undefined ? this.latest.get(name) : this.byKey.get(`${name}@${version}`);
  }

  /** Every registered `name@version`. */
  list(): string[] {
    return [...this.byKey.keys()].sort();
  }
}

import type { Makefile } from './makefile.js';

/** A target's progress. */
export type JobState = 'waiting' | 'running' | 'done' | 'failed';

/**
 * The job graph of a build: the targets reachable from the goals, each waiting for the
 * prerequisites that have rules. Prerequisites without a rule are source files. Pure: the
 * runner asks for {@link ready} jobs and reports {@link start} and {@link finish}.
 */
export class JobGraph {
  /** Targets in a valid build order (prerequisites first). */
  readonly order: string[];
  private readonly deps = new Map<string, string[]>();
  private readonly state = new Map<string, JobState>();

  constructor(
    private readonly makefile: Makefile,
    goals: readonly string[],
  ) {
    const order: string[] = [];
    const mark = new Map<string, 'visiting' | 'visited'>();
    const visit = (t: string, path: string[]): void => {
      const m = mark.get(t);
      if (m === 'visited') return;
      if (m === 'visiting') throw new Error(`pmake: circular dependency ${[...path, t].join(' <- ')}`);
      const rule = makefile.rules.get(t);
      if (!rule) throw new Error(`pmake: no rule to make target '${t}'`);
      mark.set(t, 'visiting');
      const withRules = rule.prereqs.filter((p) => makefile.rules.has(p));
      for (const p of withRules) visit(p, [...path, t]);
      mark.set(t, 'visited');
      this.deps.set(t, withRules);
      this.state.set(t, 'waiting');
      order.push(t);
    };
    if (goals.length === 0) throw new Error('pmake: no targets');
    for (const g of goals) visit(g, []);
    this.order = order;
  }

  /** Waiting targets whose prerequisites are all done, in build order. */
  ready(): string[] {
    return this.order.filter((t) => this.state.get(t) === 'waiting' && this.deps.get(t)!.every((d) => this.state.get(d) === 'done'));
  }

  /** The commands of a target (none for a target that only groups others). */
  commands(target: string): string[][] {
    return this.makefile.rules.get(target)?.commands ?? [];
  }

  /** Marks a target running. */
  start(target: string): void {
    this.expect(target, 'waiting');
    this.state.set(target, 'running');
  }

  /** Marks a running target done or failed. */
  finish(target: string, ok: boolean): void {
    this.expect(target, 'running');
    this.state.set(target, ok ? 'done' : 'failed');
  }

  /** A target's state. */
  stateOf(target: string): JobState | undefined {
    return this.state.get(target);
  }

  /** True when every target is done. */
  get complete(): boolean {
    return this.order.every((t) => this.state.get(t) === 'done');
  }

  /** Targets running now. */
  get running(): string[] {
    return this.order.filter((t) => this.state.get(t) === 'running');
  }

  private expect(target: string, s: JobState): void {
    const cur = this.state.get(target);
    if (cur !== s) throw new Error(`pmake: target '${target}' is ${cur ?? 'unknown'}, not ${s}`);
  }
}

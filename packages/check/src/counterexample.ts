import type { Model } from './model.js';
import type { Step, World } from './world.js';

/**
 * A path from the initial state to a state that breaks an invariant. It prints as a numbered
 * list of readable steps — who sent what to whom, which fault, the cluster after each — and its
 * `steps` (plain JSON) replay it with {@link replay}, e.g. as a unit test.
 */
export class Counterexample {
  constructor(
    private readonly model: Model,
    /** The steps from the initial state, in order (JSON-serializable). */
    readonly steps: Step[],
    /** The invariant broken. */
    readonly invariant: string,
    /** What is wrong in the last state. */
    readonly message: string,
  ) {}

  /** Number of steps. */
  get length(): number {
    return this.steps.length;
  }

  /** The numbered, readable list of steps and the states after them. */
  format(): string {
    const lines = [`invariant broken: ${this.invariant}: ${this.message}`, `0. start: ${this.model.summary(this.model.initial())}`];
    let w = this.model.initial();
    this.steps.forEach((s, i) => {
      const what = this.model.describe(w, s);
      w = this.model.apply(w, s);
      lines.push(`${i + 1}. ${what}`, `   → ${this.model.summary(w)}`);
    });
    return lines.join('\n');
  }

  /** A vitest test that replays this counterexample (paste it, with the config, into a test file). */
  toTest(configName = 'config'): string {
    return [
      `test('counterexample: ${this.invariant}', () => {`,
      `  const r = replay(${configName}, ${JSON.stringify(this.steps)});`,
      `  expect(r.violation).toBeNull(); // fails while the bug is there`,
      `});`,
    ].join('\n');
  }
}

/** The states along `steps` from `model`'s initial state (the first is the initial state). */
export function walk(model: Model, steps: readonly Step[]): World[] {
  let w = model.initial();
  const out = [w];
  for (const s of steps) out.push((w = model.apply(w, s)));
  return out;
}

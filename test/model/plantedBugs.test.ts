import { describe, expect, test } from 'vitest';
import { check, replay, sourceSpec, targetSpec, exploreMachine, checkPrograms, type CheckOptions } from '@wisp/check';
import { sourceResumesAfterCommit, sourceResumesWithoutReadingDirectory, sourceSkipsFreeze, targetDropsOnCommit, targetRunsWithoutClaim } from './plantedMachines.js';

/** One small worker migrating h1 → h2 by `flush`, with the given machines and faults. */
function planted(machines: CheckOptions['machines'], faults: CheckOptions['faults'] = []): CheckOptions {
  return {
    hosts: 2,
    programs: checkPrograms,
    spawn: [{ program: 'worker', args: ['1', '1', '100'], home: 'h1' }],
    client: [{ host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: 'flush' } }],
    faults,
    machines,
  };
}

describe('the checker finds planted bugs', () => {
  test.each([
    ['the source resumes after commit', { source: sourceResumesAfterCommit }, [], 'one host runs each pid'],
    ['the source never freezes', { source: sourceSkipsFreeze }, [], ''],
    ['the target drops the process at commit', { target: targetDropsOnCommit }, [], ''],
    ['the source resumes after a failed commit without reading the directory', { source: sourceResumesWithoutReadingDirectory }, ['delay'], 'one host runs each pid'],
    ['the target runs without claiming the directory record', { target: targetRunsWithoutClaim }, ['delay'], 'one host runs each pid'],
  ] as const)('%s', (_name, machines, faults, invariant) => {
    const opts = planted(machines, [...faults]);
    const r = check(opts);
    expect(r.ok).toBe(false);
    const cx = r.violation!;
    // Breadth-first: a shortest counterexample.
    expect(cx.length).toBeLessThanOrEqual(30);
    expect(cx.invariant).toContain(invariant);
    const text = cx.format();
    expect(text).toMatch(/^invariant broken: /);
    expect(text).toContain(`${cx.length}. `);
    console.log(`${_name}: ${cx.length} steps\n${text}`);
    // The counterexample replays as a test: the same violation at its end.
    const again = replay(opts, JSON.parse(JSON.stringify(cx.steps)));
    expect(again.violation).toContain(cx.invariant);
    expect(cx.toTest()).toContain('replay(config, [');
  });

  test('with the real machines the same configurations hold', () => {
    expect(check(planted(undefined, ['drop'])).violation?.format() ?? null).toBeNull();
  });

  test('per-machine exploration finds the planted source and target bugs', () => {
    expect(exploreMachine(sourceSpec('flush', sourceResumesAfterCommit)).violations.join('\n')).toContain('committed never resumes here');
    expect(exploreMachine(sourceSpec('flush', sourceSkipsFreeze)).violations.join('\n')).toContain('frozen before flushing');
    expect(exploreMachine(sourceSpec('flush', sourceResumesWithoutReadingDirectory)).violations.join('\n')).toContain('resumed here only once fenced');
    expect(exploreMachine(targetSpec(targetDropsOnCommit)).violations.join('\n')).toContain('a commit of an installed image claims it');
    expect(exploreMachine(targetSpec(targetRunsWithoutClaim)).violations.join('\n')).toContain('resume only once the directory gives it here');
  });
});

import { describe, expect, test } from 'vitest';
import { FileLanes } from '../src/index.js';

/** A promise settled by hand. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void; fail: (e: Error) => void } {
  let open!: (v: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((open = res), (fail = rej)));
  return { promise, open, fail };
}

describe('FileLanes: one lane per backing file', () => {
  test('a later operation on a file starts only once the earlier one has settled; other files go on', async () => {
    const lanes = new FileLanes();
    const started: string[] = [];
    const first = gate();
    const a1 = lanes.run('/a', () => (started.push('a1'), first.promise));
    const a2 = lanes.run('/a', async () => void started.push('a2'));
    const b1 = lanes.run('/b', async () => void started.push('b1'));
    await b1;
    expect(started).toEqual(['a1', 'b1']);
    first.open();
    await Promise.all([a1, a2]);
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  test('a failure is its own caller\'s: the next operation on the file still runs', async () => {
    const lanes = new FileLanes();
    const first = gate();
    const a1 = lanes.run('/a', () => first.promise);
    const a2 = lanes.run('/a', async () => 'second');
    first.fail(new Error('EIO'));
    await expect(a1).rejects.toThrow('EIO');
    await expect(a2).resolves.toBe('second');
  });
});

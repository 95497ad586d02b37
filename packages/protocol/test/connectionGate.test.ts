import { describe, expect, it } from 'vitest';
import { ConnectionGate, type GateConnection } from '../src/connectionGate.js';

/** A connection whose status events the test pushes (queued until the gate reads them). */
function fakeConnection() {
  const queue: Array<{ type: string }> = [];
  let wake: (() => void) | null = null;
  const nc: GateConnection = {
    isClosed: () => false,
    status: () => ({
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          await new Promise<void>((r) => (wake = r));
        }
      },
    }),
  };
  const status = (type: string) => {
    queue.push({ type });
    wake?.();
  };
  return { nc, status };
}

/** Resolves with the gate's next change. */
const change = (g: ConnectionGate) =>
  new Promise<boolean>((resolve) => {
    const stop = g.onChange((up) => {
      stop();
      resolve(up);
    });
  });

describe('ConnectionGate', () => {
  it('is down from a disconnect to the reconnect; up() waits for it, listeners hear both', async () => {
    const { nc, status } = fakeConnection();
    const g = new ConnectionGate(nc);
    let c = change(g);
    status('disconnect');
    expect(await c).toBe(false);
    expect(g.isDown).toBe(true);
    let back = false;
    const up = g.up().then(() => (back = true));
    expect(await g.upWithin(1)).toBe(false);
    expect(back).toBe(false);
    c = change(g);
    status('reconnect');
    expect(await c).toBe(true);
    await up;
    expect(g.isDown).toBe(false);
  });

  it('unlessDropped fails work in flight at a disconnect at once, and passes on what ends first', async () => {
    const { nc, status } = fakeConnection();
    const g = new ConnectionGate(nc);
    expect(await g.unlessDropped(Promise.resolve(7), () => new Error('lost'))).toBe(7);
    const never = new Promise<number>(() => undefined);
    const dropped = g.unlessDropped(never, () => new Error('lost'));
    status('disconnect');
    await expect(dropped).rejects.toThrow('lost');
  });
});

import { describe, expect, it } from 'vitest';
import { NatsEdge, type EdgeConnection } from '../src/natsEdge.js';

/** A connection whose status events the test pushes, recording what is published. */
function fakeConnection() {
  const sent: Array<{ subject: string; text: string }> = [];
  let push: ((s: { type: string }) => void) | null = null;
  const pending: Array<{ type: string }> = [];
  const nc: EdgeConnection = {
    publish(subject, payload) {
      // nats.js throws on an empty subject, synchronously.
      if (!subject) throw new Error("illegal subject: ''");
      sent.push({ subject, text: new TextDecoder().decode(payload) });
    },
    isClosed: () => false,
    status: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise((resolve) => {
            const s = pending.shift();
            if (s) return resolve({ value: s, done: false });
            push = (v) => resolve({ value: v, done: false });
          }),
      }),
    }),
  };
  const status = async (type: string) => {
    const p = push;
    push = null;
    if (p) p({ type });
    else pending.push({ type });
    await new Promise((r) => setImmediate(r));
  };
  return { nc, sent, status };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const bytes = (s: string) => new TextEncoder().encode(s);

describe('NatsEdge', () => {
  it('a throwing handler, an error from NATS and a bad subject are counted, never thrown', () => {
    const { nc } = fakeConnection();
    const edge = new NatsEdge(nc, quiet);
    const cb = edge.callback('test', () => {
      throw new Error('boom');
    });
    expect(() => cb(null, { subject: 'a', reply: '', data: bytes('') })).not.toThrow();
    expect(() => cb(new Error('permission'), { subject: 'a', data: bytes('') })).not.toThrow();
    expect(edge.stats.callbackErrors).toBe(2);
    expect(() => edge.publish('', bytes('x'))).not.toThrow();
    expect(() => edge.answer('', bytes('x'))).not.toThrow();
    expect(edge.stats.publishErrors).toBe(2);
  });

  it("a request whose reply subject is '' is counted and has no reply subject", () => {
    const { nc, sent } = fakeConnection();
    const edge = new NatsEdge(nc, quiet);
    expect(edge.replyOf({ subject: 'a', reply: '', data: bytes('') })).toBeNull();
    expect(edge.replyOf({ subject: 'a', reply: '_INBOX.1', data: bytes('') })).toBe('_INBOX.1');
    edge.respond({ subject: 'a', reply: '', data: bytes('') }, bytes('nope'));
    expect(edge.stats.noReply).toBe(1);
    expect(sent).toEqual([]);
  });

  it('holds what is published while NATS is down and sends it in order once peers had time to come back', async () => {
    const { nc, sent, status } = fakeConnection();
    const edge = new NatsEdge(nc, quiet, { settleMs: 20 });
    edge.publish('out', bytes('1'));
    await status('disconnect');
    edge.publish('out', bytes('2'));
    edge.answer('inbox', bytes('a'));
    edge.publish('out', bytes('3'));
    expect(sent.map((m) => m.text)).toEqual(['1']);
    await status('reconnect');
    // Answers go out at once after the reconnect (their requester is subscribed); output waits to settle.
    edge.answer('inbox', bytes('b'));
    edge.publish('out', bytes('4'));
    expect(sent.map((m) => m.text)).toEqual(['1', 'b']);
    await expect.poll(() => sent.map((m) => m.text)).toEqual(['1', 'b', '2', 'a', '3', '4']);
    edge.publish('out', bytes('5'));
    expect(sent.at(-1)!.text).toBe('5');
    expect(edge.stats.held).toBe(4);
  });

  it('bounds what it holds: the oldest go first, counted', async () => {
    const { nc, sent, status } = fakeConnection();
    const edge = new NatsEdge(nc, quiet, { settleMs: 1, holdBytes: 3 });
    await status('disconnect');
    for (const t of ['1', '2', '3', '4', '5']) edge.publish('out', bytes(t));
    await status('reconnect');
    await expect.poll(() => sent.map((m) => m.text)).toEqual(['3', '4', '5']);
    expect(edge.stats.dropped).toBe(2);
  });
});

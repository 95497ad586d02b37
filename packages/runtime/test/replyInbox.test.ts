import type { Msg } from '@nats-io/nats-core';
import { gateOf, NatsEdge } from '@wisp/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReplyInbox, type InboxConnection, type InboxResult } from '../src/replyInbox.js';

/**
 * A connection whose status events the test pushes (to every watcher: the gate and the edge
 * each watch), recording what is published; `reply` answers a published request.
 */
function fakeConnection() {
  const sent: Array<{ subject: string; text: string; reply: string }> = [];
  const watchers: Array<(s: { type: string }) => void> = [];
  let inbox: ((err: Error | null, msg: Msg) => void) | null = null;
  const nc: InboxConnection = {
    subscribe(_subject, opts) {
      inbox = opts.callback;
      return { unsubscribe: () => undefined };
    },
    publish(subject, data, opts) {
      sent.push({ subject, text: new TextDecoder().decode(data), reply: opts.reply });
    },
    isClosed: () => false,
    status() {
      const queue: Array<{ type: string }> = [];
      let wake: (() => void) | null = null;
      watchers.push((s) => {
        queue.push(s);
        wake?.();
      });
      return {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            while (queue.length > 0) yield queue.shift()!;
            await new Promise<void>((r) => (wake = r));
            wake = null;
          }
        },
      };
    },
  };
  /** Pushes a status event and resolves once the gate has told its listeners (the inbox first). */
  const status = (type: 'disconnect' | 'reconnect') => {
    const told = new Promise<void>((resolve) => {
      const stop = gateOf(nc).onChange(() => {
        stop();
        resolve();
      });
    });
    for (const w of watchers) w({ type });
    return told;
  };
  const reply = (i: number, text: string, code?: number) =>
    inbox!(null, { subject: sent[i]!.reply, data: new TextEncoder().encode(text), headers: code ? { code } : undefined } as unknown as Msg);
  return { nc, sent, status, reply };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const bytes = (s: string) => new TextEncoder().encode(s);
const SETTLE_MS = 300;

/** A request whose outcome is awaited; `again` is asked from its callback (as a retrying caller does). */
function ask(inbox: ReplyInbox, text: string, timeoutMs = 1000, again?: (r: InboxResult) => void): Promise<InboxResult> {
  return new Promise((resolve) =>
    inbox.request('svc.x', bytes(text), timeoutMs, (r) => {
      again?.(r);
      resolve(r);
    }),
  );
}

describe('ReplyInbox across a NATS outage', () => {
  let c: ReturnType<typeof fakeConnection>;
  let inbox: ReplyInbox;
  beforeEach(async () => {
    // Time is the test's: the sweeper, the settle wait and Date.now, never the status stream's awaits.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    c = fakeConnection();
    inbox = new ReplyInbox(c.nc, new NatsEdge(c.nc, quiet), { settleMs: SETTLE_MS, resendMs: 50 });
  });
  afterEach(() => {
    inbox.close();
    vi.useRealTimers();
  });

  it('holds a request made while down, however long, and sends it once back and settled; its timeout counts from then', async () => {
    await c.status('disconnect');
    const r = ask(inbox, 'a', 1000);
    expect(c.sent).toEqual([]);
    expect(inbox.heldCount).toBe(1);
    // An outage far longer than the request's timeout costs it nothing.
    vi.advanceTimersByTime(10_000);
    await c.status('reconnect');
    expect(c.sent).toEqual([]);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(c.sent.map((s) => s.text)).toEqual(['a']);
    vi.advanceTimersByTime(900);
    c.reply(0, 'A');
    const res = await r;
    expect(res.ok && new TextDecoder().decode(res.msg.data)).toBe('A');
  });

  it('a sent request left unanswered still times out, counted from its send', async () => {
    const r = ask(inbox, 'a', 1000);
    vi.advanceTimersByTime(1100);
    expect(await r).toMatchObject({ ok: false, error: { code: 'ETIMEDOUT', message: 'no answer on svc.x in time' } });
  });

  it('fails a request in flight at a disconnect at once with ETIMEDOUT; asked again then, it goes after the reconnect', async () => {
    let retry: Promise<InboxResult> | null = null;
    const first = ask(inbox, 'call 7', 5000, () => {
      retry = ask(inbox, 'call 7');
    });
    expect(c.sent).toHaveLength(1);
    await c.status('disconnect');
    expect(await first).toMatchObject({ ok: false, error: { code: 'ETIMEDOUT' } });
    expect(retry).not.toBeNull();
    expect(c.sent).toHaveLength(1);
    // The first try's answer, held by the peer and sent after its own reconnect, is not taken for the retry's.
    c.reply(0, 'late');
    await c.status('reconnect');
    vi.advanceTimersByTime(SETTLE_MS);
    expect(c.sent.map((s) => s.text)).toEqual(['call 7', 'call 7']);
    c.reply(1, 'done');
    const res = await retry!;
    expect(res.ok && new TextDecoder().decode(res.msg.data)).toBe('done');
  });

  it('sends held requests and those asked while settling in the order they were asked', async () => {
    await c.status('disconnect');
    for (const t of ['1', '2']) void ask(inbox, t);
    await c.status('reconnect');
    void ask(inbox, '3');
    vi.advanceTimersByTime(SETTLE_MS);
    void ask(inbox, '4');
    expect(c.sent.map((s) => s.text)).toEqual(['1', '2', '3', '4']);
  });

  it('sends again, in order, what nobody listened to just after a reconnect; long after, that is EHOSTUNREACH', async () => {
    await c.status('disconnect');
    await c.status('reconnect');
    vi.advanceTimersByTime(SETTLE_MS);
    const r1 = ask(inbox, '1');
    const r2 = ask(inbox, '2');
    // The peer has not subscribed again yet: both are refused, the first one's refusal first.
    c.reply(0, '', 503);
    const r3 = ask(inbox, '3');
    c.reply(1, '', 503);
    expect(inbox.heldCount).toBe(3);
    vi.advanceTimersByTime(50);
    expect(c.sent.map((s) => s.text)).toEqual(['1', '2', '1', '2', '3']);
    for (const i of [2, 3, 4]) c.reply(i, 'ok');
    for (const r of [r1, r2, r3]) expect((await r).ok).toBe(true);

    vi.advanceTimersByTime(10_000);
    const gone = ask(inbox, 'x');
    c.reply(5, '', 503);
    expect(await gone).toMatchObject({ ok: false, error: { code: 'EHOSTUNREACH' } });
  });

  it('close fails what is held and what is out with EIO', async () => {
    const out = ask(inbox, 'out');
    await c.status('disconnect');
    const held = ask(inbox, 'held');
    expect((await out).ok).toBe(false);
    inbox.close();
    expect(await held).toMatchObject({ ok: false, error: { code: 'EIO' } });
  });
});

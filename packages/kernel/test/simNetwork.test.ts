import { subjects } from '@wisp/protocol';
import { describe, expect, test } from 'vitest';
import { checkReply, route, toWire, type Reachable } from '../src/sim/index.js';

const s = subjects('c1');
/** h1 and h2 are up, h3 is down; h1 and h3 subscribe to h1-1 (a process mid-move), nobody to h2-5. */
const net: Reachable = {
  isUp: (h) => h === 'h1' || h === 'h2',
  subscribers: (pid) => (pid === 'h1-1' ? ['h1', 'h3'] : []),
};

describe('the simulated network (@wisp/kernel/sim)', () => {
  test('a host subject reaches that host, if it is up and in this cluster', () => {
    expect(route(s, s.host('h2', 'info'), { a: 1 }, net)).toEqual([{ host: 'h2', verb: 'info', body: { a: 1 } }]);
    expect(route(s, s.host('h3', 'info'), {}, net)).toEqual([]);
    expect(route(s, subjects('other').host('h2', 'info'), {}, net)).toEqual([]);
  });

  test('a pid subject reaches every subscriber that is up, as deliver with the pid in the body', () => {
    expect(route(s, s.proc('h1-1'), { from: 'x', event: { type: 'go' } }, net)).toEqual([{ host: 'h1', verb: 'deliver', body: { from: 'x', event: { type: 'go' }, pid: 'h1-1' } }]);
    expect(route(s, s.proc('h2-5'), {}, net)).toEqual([]);
    expect(route(s, s.proc('not a pid'), {}, net)).toEqual([]);
  });

  test('a reply is checked against the reply its verb declares', () => {
    expect(() => checkReply('h1', 'spawn', { ok: true, value: { pid: 'h1-1', host: 'h1' } })).not.toThrow();
    expect(() => checkReply('h1', 'spawn', { ok: true, value: { nothing: true } })).toThrow(/spawn reply does not match/);
    expect(() => checkReply('h1', 'spawn', { ok: false, error: { code: 'EINVAL', message: 'no' } })).not.toThrow();
  });

  test('effects go on the wire as JSON with one buffer of bytes; what the runtime could not send throws', () => {
    const reply = toWire('h1', { type: 'reply', to: 'in.1', ok: true, value: undefined, bytes: [new Uint8Array([1]), new Uint8Array([2, 3])] });
    expect(reply).toEqual({ type: 'reply', to: 'in.1', answer: { ok: true, value: {}, bytes: new Uint8Array([1, 2, 3]) } });
    expect(toWire('h1', { type: 'publish', subject: 't', body: { at: new Date(0) } })).toEqual({ type: 'publish', subject: 't', body: { at: '1970-01-01T00:00:00.000Z' } });
    expect(() => toWire('h1', { type: 'request', token: 1, subject: s.host('h2', 'info'), body: {}, timeoutMs: 0 })).toThrow(/bad timeout/);
    expect(() => toWire('h1', { type: 'setTimer', id: 't', delayMs: -1 })).toThrow(/bad delay/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../src/commands.js';
import { acceptsDeliverRequest, acceptsSyscallRequest } from '../src/quickAccept.js';
import { DeliverRequest, PidSchema, SyscallRequest } from '../src/schemas.js';

const DeliverWithPid = DeliverRequest.extend({ pid: PidSchema });

/** Values near every edge the schemas draw: lengths, integers, pids, types. */
const tricky = fc.oneof(
  fc.constantFrom<unknown>(
    undefined, null, true, 0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Infinity, '', 'x', 'h1-7', 'h1-', '-7', 'h1-7x', 'h 1-7',
    `${'a'.repeat(64)}-${'9'.repeat(15)}`, `${'a'.repeat(65)}-1`, `h1-${'9'.repeat(16)}`, 'time', 'spawn', 'getpid', 'sys.result',
    'a'.repeat(128), 'a'.repeat(129), 'a'.repeat(256), 'a'.repeat(257), [], [1, 2], new Array(9).fill(0), {}, { type: 'ping' }, { type: '' },
    { type: 7 }, new Date(0), Object.create(null), JSON.parse('{"__proto__":{"type":"x"},"type":"y"}'),
  ),
  fc.anything(),
);

/** Maybe a key: present with a tricky value, present with `good`, or absent. */
const field = (good: fc.Arbitrary<unknown>) => fc.option(fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: tricky }), { nil: Symbol.for('absent') as unknown });
/** Counts near the bound (0, 1) as often as anywhere else. */
const count = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -2, max: 2 ** 31 }), fc.double());

function build(fields: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== Symbol.for('absent')) o[k] = v;
  return Object.assign(o, extra);
}

const pid = fc.tuple(fc.stringMatching(/^[A-Za-z0-9_]{1,64}$/), fc.integer({ min: 0, max: 1e6 })).map(([h, n]) => `${h}-${n}`);
const extra = fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.string(), tricky, { maxKeys: 2 }) });

const syscallBody = fc.oneof(
  fc.record({ pid: field(pid), call: field(fc.constantFrom('time', 'spawn', 'exit', 'wait', 'kill', 'write', 'read')), args: field(fc.array(fc.anything(), { maxLength: 10 })), callId: field(count) }).chain((f) => extra.map((e) => build(f, e))),
  tricky,
);

const event = fc.oneof(
  fc.record({ type: field(fc.oneof(fc.string({ minLength: 0, maxLength: 3 }), fc.string({ minLength: 250, maxLength: 260 }))) }).chain((f) => fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }).map((e) => build(f, e))),
  tricky,
);
const deliverBody = (addressed: boolean) =>
  fc.oneof(
    fc
      .record({ ...(addressed ? { pid: field(pid) } : {}), from: field(fc.oneof(fc.string({ minLength: 0, maxLength: 3 }), fc.string({ minLength: 125, maxLength: 130 }))), event: field(event), seq: field(count) })
      .chain((f) => extra.map((e) => build(f, e))),
    tricky,
  );

describe('quick accept of hot request bodies', () => {
  it('never accepts a syscall body the schema rejects, and what it accepts parses to itself', () => {
    fc.assert(
      fc.property(syscallBody, (body) => {
        if (!acceptsSyscallRequest(body)) return;
        const res = SyscallRequest.safeParse(body);
        expect(res.success).toBe(true);
        expect(res.data).toStrictEqual(body);
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts a deliver body the schema rejects (wire form and addressed form), and what it accepts parses to itself', () => {
    for (const addressed of [false, true]) {
      const schema = addressed ? DeliverWithPid : DeliverRequest;
      fc.assert(
        fc.property(deliverBody(addressed), (body) => {
          if (!acceptsDeliverRequest(body, addressed)) return;
          const res = schema.safeParse(body);
          expect(res.success).toBe(true);
          expect(res.data).toStrictEqual(body);
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('accepts the common shapes, as they arrive decoded from JSON', () => {
    const wire = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    expect(acceptsSyscallRequest(wire({ pid: 'h1-7', call: 'time', args: [] }))).toBe(true);
    expect(acceptsSyscallRequest(wire({ pid: 'h1-7', call: 'write', args: [1, 'hi\n'], callId: 3 }))).toBe(true);
    expect(acceptsDeliverRequest(wire({ from: 'h2-1', event: { type: 'ping', n: 1 }, seq: 4 }))).toBe(true);
    expect(acceptsDeliverRequest(wire({ from: 'client', event: { type: 'ping' } }))).toBe(true);
    expect(acceptsDeliverRequest(wire({ from: 'h2-1', event: { type: 'ping' }, pid: 'h1-3' }), true)).toBe(true);
    // A pid is not part of the wire form.
    expect(acceptsDeliverRequest(wire({ from: 'h2-1', event: { type: 'ping' }, pid: 'h1-3' }))).toBe(false);
  });

  it('leaves a bad body to the schema, whose message the requester gets', () => {
    expect(() => parseRequest('syscall', { pid: 'nope', call: 'time', args: [] })).toThrow(/bad syscall request: pid: a pid looks like h1-7/);
    expect(() => parseRequest('syscall', { pid: 'h1-1', call: 'time', args: [], callId: 0 })).toThrow(/bad syscall request: callId/);
    expect(() => parseRequest('deliver', { from: 'x', event: { type: '' } })).toThrow(/bad deliver request: event.type/);
    // The quick path hands back the body itself.
    const body = { pid: 'h1-1', call: 'time' as const, args: [] };
    expect(parseRequest('syscall', body)).toBe(body);
  });
});

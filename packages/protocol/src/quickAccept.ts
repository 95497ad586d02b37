/**
 * Hand-written structural checks of the two request bodies on the hot path — a forwarded home
 * call (`syscall`) and a message (`deliver`) — that accept the common, well-formed shapes in a
 * fraction of the time a zod parse takes. They may answer `false` for a body the schema would
 * accept (anything unusual: a class instance, an explicit `undefined`, an own `__proto__` key…):
 * the caller then parses with the schema, so a rejected body gets the schema's error message.
 * They never answer `true` for a body the schema rejects (a property test holds them to that),
 * and a body they accept is what the schema's parse would give back, field for field.
 * @module
 */

/** The pid pattern of `schemas.ts`, kept in step with it (the property test compares them). */
const pidPattern = /^[A-Za-z0-9_]{1,64}-[0-9]{1,15}$/;
/** `HomeCall` of `schemas.ts`. */
const homeCalls = new Set(['time', 'spawn', 'exit', 'wait', 'kill', 'write', 'read']);

/** A plain object as JSON.parse makes it (not an array, not a class instance). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** An optional sequence or call number: absent, or a safe integer ≥ 1 (zod's `int().min(1)`). */
function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function isPid(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 80 && pidPattern.test(v);
}

/**
 * Whether `body` is surely a valid `syscall` request (`SyscallRequest`): `{ pid, call, args,
 * callId? }` with nothing else. `false` means "parse it with the schema", not "invalid".
 */
export function acceptsSyscallRequest(body: unknown): boolean {
  if (!isPlainObject(body)) return false;
  let keys = 0;
  for (const k in body) {
    if (k !== 'pid' && k !== 'call' && k !== 'args' && k !== 'callId') return false;
    keys++;
  }
  const { pid, call, args, callId } = body;
  if (!isPid(pid) || typeof call !== 'string' || !homeCalls.has(call)) return false;
  if (!Array.isArray(args) || args.length > 8) return false;
  if (keys === 4) return isCount(callId);
  return keys === 3;
}

/**
 * Whether `body` is surely a valid `deliver` request (`DeliverRequest`): `{ from, event, seq? }`,
 * with `pid` as well when `addressed` (the kernel's form, the pid taken from the subject).
 * The event is any plain object with a `type` of 1 to 256 characters. `false` means "parse it
 * with the schema", not "invalid".
 */
export function acceptsDeliverRequest(body: unknown, addressed = false): boolean {
  if (!isPlainObject(body)) return false;
  let keys = 0;
  let hasSeq = false;
  for (const k in body) {
    if (k === 'seq') hasSeq = true;
    else if (k !== 'from' && k !== 'event' && (k !== 'pid' || !addressed)) return false;
    keys++;
  }
  if (keys !== (addressed ? 3 : 2) + (hasSeq ? 1 : 0)) return false;
  if (addressed && !isPid(body.pid)) return false;
  if (hasSeq && !isCount(body.seq)) return false;
  const { from, event } = body;
  if (typeof from !== 'string' || from.length < 1 || from.length > 128) return false;
  if (!isPlainObject(event) || Object.hasOwn(event, '__proto__')) return false;
  const type = event.type;
  return typeof type === 'string' && type.length >= 1 && type.length <= 256;
}

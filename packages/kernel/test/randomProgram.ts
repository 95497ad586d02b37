import { assign, cancel, enqueueActions, setup } from 'xstate';
import fc from 'fast-check';
import { defineProgram, memory, sys, type ProcInput, type SysResult, type SysSignal } from '@wisp/proc';
import type { Strategy } from '@wisp/protocol';

/**
 * Random programs for the transparency property (DESIGN §5, invariant 5): one interpreter
 * program, `interp`, runs a list of {@link Op}s given as JSON in its first argument, and a
 * `listener` prints every message it gets. fast-check arbitraries build op lists, where the
 * processes start, and a migration schedule.
 */

/** Files a program may use (one namespace, on the file server). */
export const FILES = ['/f/a', '/f/b'] as const;
/** Hosts of the scenario's cluster. */
export const HOSTS = ['h1', 'h2', 'h3'] as const;
export type HostId = (typeof HOSTS)[number];
/** Byte offsets in a page that pokes use: word-aligned, the last word, and one straddling the next page. */
const OFFSETS = [0, 4, 2048, 4092, 4094] as const;
const PAGE = 4096;

/** One instruction of the interpreter. */
export type Op =
  /** Write a u32 at `page * 4096 + off` (wrapped into the address space; skipped when it is empty). */
  | { k: 'poke'; page: number; off: number; val: number }
  /** Print a hash of the whole address space. */
  | { k: 'peek' }
  | { k: 'grow'; pages: number }
  /** Open a file; the fd becomes the current one. */
  | { k: 'open'; file: number; mode: 'r' | 'w' | 'a' | 'r+' | 'a+' }
  /** Write to the current fd (skipped without one). */
  | { k: 'fwrite'; text: string }
  /** Read from the current fd and print what came. */
  | { k: 'fread'; max: number }
  | { k: 'seek'; off: number }
  | { k: 'close' }
  | { k: 'sleep'; ms: number }
  /** Print the time (the home clock). */
  | { k: 'time' }
  | { k: 'print'; fd: 1 | 2; text: string }
  /** Spawn an interpreter running `ops` (inheriting the fds; told the current one), and wait for it. */
  | { k: 'spawn'; ops: Op[]; on: HostId | null }
  /** Send `text` to the listener. */
  | { k: 'send'; text: string }
  /** Send `n` numbered messages to the listener in one transition (that many sends in flight at once). */
  | { k: 'burst'; n: number }
  /** Wait `ms` for a delayed raise (a kernel timer of the program's own, not a call). */
  | { k: 'alarm'; ms: number }
  /**
   * Arm a delayed raise of `boom` (`ms`, odd) and sleep `sleep` ms (even), then cancel it: a boom
   * comes only if it was due first (counted, printed at the end). Program timers move with it.
   */
  | { k: 'race'; ms: number; sleep: number }
  /** Signal the listener (routed by its home to wherever it runs); it lists the signals it got when stopped. */
  | { k: 'signal'; sig: 'HUP' | 'USR1' | 'USR2' }
  /** Yield `n` times (CPU-bound: safe points with no call outstanding). */
  | { k: 'yield'; n: number }
  | { k: 'exit'; code: number };

interface InterpContext {
  ops: Op[];
  pc: number;
  /** Step within a multi-call op (spawn: 0 spawn, 1 wait; yield: ticks done). */
  phase: number;
  fd: number | null;
  peer: string;
  child: string | null;
  /** What the last result showed, to print (null: nothing). */
  line: string | null;
  /** Failed sends of the current burst. */
  failed: number;
  /** `boom` events taken (races the delayed raise won). */
  booms: number;
}

type Tick = { type: 'tick' } | { type: 'boom' };

/** FNV-1a over the address space: one number that changes with any byte. */
function hashMemory(): string {
  const m = memory();
  const bytes = m.bytes(0, m.size);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return `${m.size}:${(h >>> 0).toString(16)}`;
}

/** Text of a result for the trace: the value, or the error code. */
function shown(e: SysResult): string {
  return e.ok ? JSON.stringify(e.value ?? null) : (e.error?.code ?? 'ERR');
}

/** What `op` prints when its result comes back (null: nothing). */
function report(op: Op, phase: number, e: SysResult): string | null {
  switch (op.k) {
    case 'grow':
      return `grow ${shown(e)}`;
    case 'open':
      return `open ${FILES[op.file]} ${op.mode} ${shown(e)}`;
    case 'fwrite':
    case 'seek':
    case 'close':
    case 'fread':
      return `${op.k} ${shown(e)}`;
    case 'time':
      return `time ${shown(e)}`;
    case 'spawn':
      return phase === 0 ? `spawn ${shown(e)}` : `wait ${shown(e)}`;
    case 'send':
      return e.ok ? null : `send ${shown(e)}`;
    case 'print':
      return e.ok ? null : `print ${shown(e)}`;
    default:
      return e.ok ? null : `${op.k} ${shown(e)}`;
  }
}

/** True while answers of the current burst are still to come after this one. */
function inBurst(c: InterpContext): boolean {
  const op = c.ops[c.pc]!;
  return op.k === 'burst' && c.phase + 1 < op.n;
}

/** The context after the current op's (last) result: what to print, and the next op or phase. */
function took(c: InterpContext, e: SysResult): Partial<InterpContext> {
  const op = c.ops[c.pc]!;
  const line = report(op, c.phase, e);
  // After the spawn comes the wait (a failed spawn has nothing to wait for).
  if (op.k === 'spawn' && c.phase === 0 && e.ok) return { line, phase: 1, child: (e.value as { pid: string }).pid };
  const next = { line, pc: c.pc + 1, phase: 0 };
  if (op.k === 'open' && e.ok) return { ...next, fd: e.value as number };
  if (op.k === 'close') return { ...next, fd: null };
  if (op.k === 'burst') return { ...next, line: `burst ${op.n} failed ${c.failed + (e.ok ? 0 : 1)}`, failed: 0 };
  return next;
}

/**
 * `interp <ops json> <listener pid> [fd]` — runs {@link Op}s one at a time, printing what each
 * observes (results, file data, times, memory hashes) to stdout. Every op ends with a safe
 * point; spawn waits for its child. Exits 0 after the last op unless an `exit` op came first.
 */
export const interp = defineProgram({
  name: 'interp',
  summary: 'interp <ops json> <peer> [fd] — run a random op list',
  logic: setup({
    types: { context: {} as InterpContext, input: {} as ProcInput, events: {} as SysResult | Tick },
  }).createMachine({
    context: ({ input }) => ({
      ops: JSON.parse(input.args[0] ?? '[]') as Op[],
      pc: 0,
      phase: 0,
      fd: input.args[2] !== undefined ? Number(input.args[2]) : null,
      peer: input.args[1] ?? '',
      child: null,
      line: null,
      failed: 0,
      booms: 0,
    }),
    initial: 'check',
    on: { boom: { actions: assign({ booms: ({ context }) => context.booms + 1 }) } },
    states: {
      check: { always: [{ guard: ({ context }) => context.pc >= context.ops.length, target: 'finishing' }, { target: 'exec' }] },
      exec: {
        entry: enqueueActions(({ context: c, enqueue }) => {
          const op = c.ops[c.pc]!;
          const fd = c.fd;
          switch (op.k) {
            case 'grow':
              return enqueue(sys.grow(op.pages * PAGE));
            case 'peek':
              return enqueue(sys.write(1, `peek ${hashMemory()}\n`));
            case 'open':
              return enqueue(sys.open(FILES[op.file]!, op.mode));
            case 'fwrite':
              return fd === null ? enqueue.raise({ type: 'tick' }, { delay: 0 }) : enqueue(sys.write(fd, op.text));
            case 'fread':
              return fd === null ? enqueue.raise({ type: 'tick' }, { delay: 0 }) : enqueue(sys.read(fd, op.max));
            case 'seek':
              return fd === null ? enqueue.raise({ type: 'tick' }, { delay: 0 }) : enqueue(sys.seek(fd, op.off, 'set'));
            case 'close':
              return fd === null ? enqueue.raise({ type: 'tick' }, { delay: 0 }) : enqueue(sys.close(fd));
            case 'sleep':
              return enqueue(sys.sleep(op.ms));
            case 'time':
              return enqueue(sys.time());
            case 'print':
              return enqueue(sys.write(op.fd, `${op.text}\n`));
            case 'spawn': {
              if (c.phase === 1) return enqueue(sys.wait(c.child));
              const args = [JSON.stringify(op.ops), c.peer, ...(fd !== null ? [String(fd)] : [])];
              return enqueue(sys.spawn('interp', args, op.on ? { on: op.on } : {}));
            }
            case 'send':
              return enqueue(sys.send(c.peer, { type: 'msg', text: op.text }));
            case 'burst':
              for (let i = 0; i < op.n; i++) enqueue(sys.send(c.peer, { type: 'msg', text: `${c.pc}.${i}` }));
              return;
            case 'alarm':
              return enqueue.raise({ type: 'tick' }, { delay: op.ms });
            case 'signal':
              return enqueue(sys.kill(c.peer, op.sig));
            case 'race':
              enqueue.raise({ type: 'boom' }, { delay: op.ms, id: 'boom' });
              return enqueue(sys.sleep(op.sleep));
            case 'exit':
              return enqueue(sys.exit(op.code));
            case 'poke':
            case 'yield':
              return enqueue.raise({ type: 'tick' }, { delay: 0 });
          }
        }),
        on: {
          tick: {
            target: 'check',
            actions: assign(({ context: c }) => {
              const op = c.ops[c.pc]!;
              if (op.k === 'poke') {
                const m = memory();
                // Wrapped into the space so every poke lands (a straddling one may cross pages).
                if (m.size >= 4) m.setU32((op.page * PAGE + op.off) % (m.size - 3), op.val);
              }
              if (op.k === 'yield' && c.phase + 1 < op.n) return { phase: c.phase + 1 };
              return { pc: c.pc + 1, phase: 0 };
            }),
          },
          'sys.result': [
            // A burst's answers but the last: counted, no new call.
            { guard: ({ context: c }) => inBurst(c), actions: assign(({ context: c, event }) => ({ phase: c.phase + 1, failed: c.failed + (event.ok ? 0 : 1) })) },
            { guard: ({ context: c }) => c.ops[c.pc]!.k === 'race', target: 'printing', actions: [cancel('boom'), assign(({ context: c, event }) => took(c, event))] },
            { target: 'printing', actions: assign(({ context: c, event }) => took(c, event)) },
          ],
        },
      },
      // Prints what the op just observed (a call of its own), then on to the next op.
      printing: {
        entry: enqueueActions(({ context: c, enqueue }) => {
          if (c.line === null) enqueue.raise({ type: 'tick' }, { delay: 0 });
          else enqueue(sys.write(1, `${c.line}\n`));
        }),
        on: { tick: 'check', 'sys.result': 'check' },
      },
      finishing: {
        entry: enqueueActions(({ context: c, enqueue }) => {
          if (c.booms === 0) enqueue.raise({ type: 'tick' }, { delay: 0 });
          else enqueue(sys.write(1, `booms ${c.booms}\n`));
        }),
        on: { tick: 'finished', 'sys.result': 'finished' },
      },
      finished: { type: 'final' },
    },
  }),
});

/**
 * `listener` — prints `got <n> <from> <text>` for every `msg` it gets, in order, counting them
 * in its address space (so its memory moves with it). Signals it takes in any state, and on
 * `stop` prints them (`signals HUP USR1 …`, in the order they came) and exits 0.
 */
export const listener = defineProgram({
  name: 'listener',
  summary: 'listener — print every message it gets',
  logic: setup({
    types: {
      context: {} as { line: string; signals: string[] },
      input: {} as ProcInput,
      events: {} as SysResult | SysSignal | { type: 'msg'; from: string; text: string } | { type: 'stop' },
    },
  }).createMachine({
    context: { line: '', signals: [] },
    initial: 'growing',
    on: { 'sys.signal': { actions: assign({ signals: ({ context, event }) => [...context.signals, event.signal] }) } },
    states: {
      growing: { entry: sys.grow(2 * PAGE), on: { 'sys.result': 'idle' } },
      idle: {
        on: {
          msg: {
            target: 'printing',
            actions: assign(({ event }) => {
              const m = memory();
              // The count lives in the second page: a page that must move with the process.
              const n = m.u32(PAGE + 8) + 1;
              m.setU32(PAGE + 8, n);
              return { line: `got ${n} ${event.from} ${event.text}\n` };
            }),
          },
          stop: 'stopping',
        },
      },
      printing: { entry: sys.write(1, ({ context }) => context.line), on: { 'sys.result': 'idle' } },
      stopping: { entry: sys.write(1, ({ context }) => `signals ${context.signals.join(' ')}\n`), on: { 'sys.result': 'done' } },
      done: { type: 'final' },
    },
  }),
});

// ── scenarios ──────────────────────────────────────────────────────────────

/**
 * Which process a migration moves: the interpreter, the listener, or the newest live child;
 * or `evict`: every foreign process on host h2 (hop 1) or h3 (hop 2) goes home.
 */
export type Who = 'main' | 'peer' | 'child' | 'evict';

/** One migration of a schedule. */
export interface PlannedMove {
  /** Simulation steps (messages, timers, slices) to run before asking. */
  gap: number;
  who: Who;
  /** The target is this many hosts further round the ring (1 or 2), so h1→h2→h3→h1 chains come up. */
  hop: 1 | 2;
  strategy: Strategy;
  /** Go on without waiting for the answer, so the next move may overlap this one. */
  overlap: boolean;
}

/** A program, where its processes start, and the migrations to try while it runs. */
export interface Scenario {
  ops: Op[];
  mainOn: HostId;
  peerOn: HostId;
  moves: PlannedMove[];
  /**
   * Seed of the interleaving: with 0 the cluster runs messages first (FIFO), process slices
   * only when no message is in flight; otherwise a seeded coin also runs slices while messages
   * are in flight, as hosts do in parallel.
   */
  sched: number;
  /** Stream moves at the file server that fail (1-based, counted over the run): aborts after the freeze. */
  failMoves: number[];
}

export const STRATEGIES: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];

const text = fc.stringMatching(/^[a-z]{1,6}$/);

const openArb = fc.record({ k: fc.constant('open' as const), file: fc.nat(FILES.length - 1), mode: fc.constantFrom('r' as const, 'w' as const, 'a' as const, 'r+' as const, 'a+' as const) });

/** An op; `depth` bounds how deep spawns nest. */
function opArb(depth: number): fc.Arbitrary<Op> {
  const leaf: fc.WeightedArbitrary<Op>[] = [
    { weight: 5, arbitrary: fc.record({ k: fc.constant('poke' as const), page: fc.nat(7), off: fc.constantFrom(...OFFSETS), val: fc.nat(0xffffffff) }) },
    { weight: 3, arbitrary: fc.constant({ k: 'peek' as const }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('grow' as const), pages: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 2, arbitrary: openArb },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('fwrite' as const), text }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('fread' as const), max: fc.integer({ min: 1, max: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('seek' as const), off: fc.nat(12) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'close' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('sleep' as const), ms: fc.integer({ min: 1, max: 80 }) }) },
    { weight: 2, arbitrary: fc.constant({ k: 'time' as const }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('print' as const), fd: fc.constantFrom(1 as const, 1 as const, 2 as const), text }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('send' as const), text }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('burst' as const), n: fc.integer({ min: 2, max: 5 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('alarm' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('race' as const),
        ms: fc.integer({ min: 0, max: 30 }).map((n) => 2 * n + 1),
        sleep: fc.integer({ min: 1, max: 30 }).map((n) => 2 * n),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('signal' as const), sig: fc.constantFrom('HUP' as const, 'USR1' as const, 'USR2' as const) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('yield' as const), n: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('exit' as const), code: fc.nat(9) }) },
  ];
  if (depth > 0) {
    leaf.push({
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('spawn' as const),
        ops: fc.array(opArb(depth - 1), { minLength: 1, maxLength: 6 }),
        on: fc.constantFrom<HostId | null>(null, ...HOSTS),
      }),
    });
  }
  return fc.oneof(...leaf);
}

/**
 * Ops of the main program: it starts by growing, so memory ops have pages to work on, and
 * often by opening a file, so file ops (and the children that inherit the fd) have one.
 */
export const opsArb: fc.Arbitrary<Op[]> = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.option(openArb, { freq: 2 }), fc.array(opArb(2), { minLength: 3, maxLength: 20 }))
  .map(([pages, open, ops]) => [{ k: 'grow', pages } as Op, ...(open ? [open] : []), ...ops]);

/** A migration schedule; `strategy` fixes the strategy of every move (random per move when absent). */
export function movesArb(strategy?: Strategy): fc.Arbitrary<PlannedMove[]> {
  return fc.array(
    fc.record({
      gap: fc.oneof(fc.nat(4), fc.nat(24)),
      who: fc.constantFrom<Who>('main', 'main', 'main', 'peer', 'peer', 'child', 'child', 'evict'),
      hop: fc.constantFrom<1 | 2>(1, 2),
      strategy: strategy ? fc.constant(strategy) : fc.constantFrom(...STRATEGIES),
      overlap: fc.constantFrom(false, false, true),
    }),
    { minLength: 1, maxLength: 8 },
  );
}

/** Scenarios, printed as readable listings when fast-check reports one. */
export function scenarioArb(strategy?: Strategy): fc.Arbitrary<Scenario> {
  return fc
    .record({ ops: opsArb, mainOn: fc.constantFrom(...HOSTS), peerOn: fc.constantFrom<HostId>('h1', 'h2'), moves: movesArb(strategy), sched: fc.nat(1_000_000), failMoves: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }) })
    .map((s) => Object.assign(s, { [fc.toStringMethod]: () => formatScenario(s) }));
}

/** A scenario as a short listing: placements, the program (nested spawns indented), the moves. */
export function formatScenario(s: Scenario): string {
  const lines = [`main on ${s.mainOn}, listener on ${s.peerOn}, interleaving ${s.sched}${s.failMoves.length > 0 ? `, stream moves failing: ${s.failMoves.join(' ')}` : ''}`, ...formatOps(s.ops, '  '), 'moves:'];
  for (const m of s.moves) {
    const what = m.who === 'evict' ? `evict h${1 + m.hop}` : `${m.who} +${m.hop}`;
    lines.push(`  after ${m.gap} steps: ${what} (${m.strategy})${m.overlap ? ', not waiting' : ''}`);
  }
  return `\n${lines.join('\n')}\n`;
}

function formatOps(ops: Op[], indent: string): string[] {
  return ops.flatMap((op) => {
    if (op.k !== 'spawn') {
      const { k, ...rest } = op;
      return [`${indent}${k} ${Object.values(rest).map((v) => JSON.stringify(v)).join(' ')}`.trimEnd()];
    }
    return [`${indent}spawn${op.on ? ` on ${op.on}` : ''}:`, ...formatOps(op.ops, `${indent}  `)];
  });
}

import { assign, raise, setup } from 'xstate';
import { defineProgram, memory, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

/** Cells computed per transition: each chunk is one scheduler slice and a safe point for migration. */
export const LIFE_CHUNK_CELLS = 1 << 16;

interface LifeContext {
  /** Side of the square grid, cells. */
  side: number;
  generations: number;
  ms: number;
  /** Generation being computed (0: seeding). */
  gen: number;
  /** Next row to compute in this generation. */
  row: number;
  /** Checksum of the generation being written. */
  sum: number;
  error: string | null;
}

/** Bytes of the two grids (current and next, one byte per cell). */
const gridBytes = (side: number) => 2 * side * side;
/** Where generation `gen`'s grid starts (grids alternate). */
const base = (side: number, gen: number) => (gen % 2) * side * side;

/** The typed accessors of an address space that the grid code uses. */
type Grid = Pick<ReturnType<typeof memory>, 'u8' | 'setU8'>;

/** Bytes of life's two grids for a `side`×`side` torus (what it grows its address space by). */
export const lifeGridBytes = gridBytes;

/** Seeds rows `[from, to)` of generation 0's grid from a fixed hash: about one cell in four is alive. */
export function lifeSeedRows(m: Grid, side: number, from: number, to: number): void {
  for (let r = from; r < to; r++) {
    for (let c = 0; c < side; c++) {
      // A fixed hash of the cell: about one cell in four is alive.
      let h = Math.imul(r * 73856093 ^ c * 19349663, 0x9e3779b1) >>> 0;
      h ^= h >>> 15;
      if ((h & 3) === 0) m.setU8(r * side + c, 1);
    }
  }
}

/**
 * Computes rows `[from, to)` of generation `gen` from generation `gen - 1` and returns `sum`
 * with these rows' part of the generation's checksum added (the checksum does not depend on
 * how a generation is split into chunks).
 */
export function lifeStepRows(m: Grid, side: number, gen: number, from: number, to: number, sum: number): number {
  const src = base(side, gen - 1);
  const dst = base(side, gen);
  for (let r = from; r < to; r++) {
    const up = ((r + side - 1) % side) * side;
    const mid = r * side;
    const down = ((r + 1) % side) * side;
    for (let c = 0; c < side; c++) {
      const l = (c + side - 1) % side;
      const rr = (c + 1) % side;
      const n =
        m.u8(src + up + l) + m.u8(src + up + c) + m.u8(src + up + rr) +
        m.u8(src + mid + l) + m.u8(src + mid + rr) +
        m.u8(src + down + l) + m.u8(src + down + c) + m.u8(src + down + rr);
      const alive = n === 3 || (n === 2 && m.u8(src + mid + c) === 1) ? 1 : 0;
      m.setU8(dst + mid + c, alive);
      if (alive) sum = (sum + mid + c + 1) >>> 0;
    }
  }
  return sum;
}

/**
 * `life [side=256] [generations=10] [ms=0]` — Conway's Life on a `side`×`side` torus held in
 * the process's address space (two grids of one byte per cell: 2·side² bytes; `side` 8192 is
 * 128 MiB, 11585 is 256 MiB). It seeds the grid from a fixed generator, then prints
 * `gen N checksum C` after each generation and sleeps `ms` between generations. The work is
 * done {@link LIFE_CHUNK_CELLS} cells per transition, so it yields often and can migrate at
 * any generation and mid-generation; the checksums show that memory moved intact.
 */
export const life = defineProgram({
  name: 'life',
  version: '1',
  summary: 'life [side=256] [generations=10] [ms=0] — Game of Life in the address space, a checksum per generation',
  logic: setup({
    types: { context: {} as LifeContext, input: {} as ProcInput, events: {} as KernelEvents | { type: 'chunk' }, output: {} as ExitOutput },
    actions: {
      yield: raise({ type: 'chunk' }, { delay: 0 }),
      seedChunk: assign(({ context }) => {
        const rows = Math.max(1, Math.floor(LIFE_CHUNK_CELLS / context.side));
        const end = Math.min(context.side, context.row + rows);
        lifeSeedRows(memory(), context.side, context.row, end);
        return { row: end };
      }),
      stepChunk: assign(({ context }) => {
        const rows = Math.max(1, Math.floor(LIFE_CHUNK_CELLS / context.side));
        const end = Math.min(context.side, context.row + rows);
        return { row: end, sum: lifeStepRows(memory(), context.side, context.gen, context.row, end, context.sum) };
      }),
      nextGeneration: assign(({ context }) => ({ gen: context.gen + 1, row: 0, sum: 0 })),
    },
    guards: {
      rowsLeft: ({ context }) => context.row < context.side,
      more: ({ context }) => context.gen < context.generations,
    },
  }).createMachine({
    id: 'life',
    context: ({ input }) => {
      const p = parseArgs('life', input.args, [
        { name: 'side', kind: 'int', default: 256, min: 3, max: 11585 },
        { name: 'generations', kind: 'int', default: 10 },
        { name: 'ms', kind: 'int', default: 0 },
      ]);
      return { ...p.values, gen: 0, row: 0, sum: 0, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: { always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'growing' }] },
      growing: {
        entry: sys.grow(({ context }) => gridBytes(context.side)),
        on: { 'sys.result': [{ guard: ({ event }) => (event as { ok: boolean }).ok, target: 'seeding' }, { target: 'usage' }] },
      },
      seeding: {
        entry: 'yield',
        on: { chunk: [{ guard: 'rowsLeft', actions: ['seedChunk', 'yield'] }, { target: 'stepping', actions: 'nextGeneration' }] },
      },
      stepping: {
        entry: 'yield',
        on: { chunk: [{ guard: 'rowsLeft', actions: ['stepChunk', 'yield'] }, { target: 'printing' }] },
      },
      printing: {
        entry: sys.write(1, ({ context }) => `gen ${context.gen} checksum ${context.sum}\n`),
        on: { 'sys.result': [{ guard: 'more', target: 'resting', actions: 'nextGeneration' }, { target: 'done' }] },
      },
      resting: { entry: sys.sleep(({ context }) => context.ms), on: { 'sys.result': 'stepping' } },
      usage: {
        entry: sys.write(2, ({ context }) => `life: ${context.error ?? 'cannot grow the address space'}\nusage: life [side=256] [generations=10] [ms=0]\n`),
        on: { 'sys.result': 'failed' },
      },
      failed: { type: 'final', output: { code: USAGE_EXIT_CODE } },
      done: { type: 'final', output: { code: 0 } },
    },
  }),
});

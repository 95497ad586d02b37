import { expect, test } from 'vitest';
import { runNemesis } from './nemesis.js';

// The short form of `pnpm nemesis`: a few rounds of moves under faults on real OS processes.
test('nemesis (short): under pauses, kills and a NATS restart, every line and message at most once and in order, and every process on exactly one host or lost only with a host that died holding it', async () => {
  const seed = Number(process.env.WISP_NEMESIS_SEED ?? 7);
  const r = await runNemesis({ durationMs: 20_000, minRounds: 4, seed });
  console.log(`nemesis seed ${seed}: ${JSON.stringify(r)}`);
  expect(r.problems).toEqual([]);
  expect(r.rounds).toBeGreaterThanOrEqual(4);
  expect(r.rounds - r.faults.none).toBeGreaterThan(0);
  expect(r.lines.console).toBeGreaterThan(0);
  expect(r.moves.committed + r.moves.aborted + r.moves.failed).toBe(r.rounds);
}, 180_000);

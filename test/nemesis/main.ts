import { parseArgs } from 'node:util';
import { runNemesis } from './nemesis.js';

/**
 * `pnpm nemesis [--minutes N] [--seed S]`: the long nemesis run (see `nemesis.ts`); prints its
 * counts and exits 1 if any guarantee broke.
 */
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string' }, verbose: { type: 'boolean', default: false } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  process.stderr.write('nemesis: --minutes wants a positive number\n');
  process.exit(2);
}
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
process.stdout.write(`nemesis: ${minutes} min, seed ${seed}\n`);
const r = await runNemesis({ durationMs: minutes * 60_000, seed, ...(values.verbose ? { log: (l: string) => process.stdout.write(`${l}\n`) } : {}) });
process.stdout.write(
  `rounds ${r.rounds}; moves committed ${r.moves.committed}, aborted ${r.moves.aborted}, failed ${r.moves.failed}\n` +
    `faults ${Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
    `lines: console ${r.lines.console}, file ${r.lines.file}, messages ${r.lines.messages} (gaps ${r.lines.gaps}); processes lost with a killed host: ${r.lost}\n` +
    (r.problems.length ? `PROBLEMS:\n${r.problems.join('\n')}\n` : 'every guarantee held\n'),
);
process.exit(r.problems.length ? 1 : 0);

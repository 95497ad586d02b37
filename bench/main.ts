import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { directoryBench } from './directory.js';
import { forwardBench } from './forward.js';
import { migrateBench } from './migrate.js';
import { fsBench } from './fs.js';
import { idleBench } from './idle.js';
import { evictBench } from './evict.js';
import { uiBench } from './ui.js';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  directory: directoryBench,
  forward: forwardBench,
  fs: fsBench,
  migrate: migrateBench,
  idle: idleBench,
  evict: evictBench,
  ui: uiBench,
};

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'string' } } });
const name = positionals[0];
const bench = name ? benches[name] : undefined;
if (!bench) {
  process.stderr.write(`usage: pnpm bench <${Object.keys(benches).join('|')}> [--json FILE]\n`);
  process.exit(2);
}
const result = await bench();
if (values.json) {
  writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`wrote ${values.json}\n`);
}
process.exit(0);

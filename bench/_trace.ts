import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '@wisp/cli';
import { MigrateRunner } from './migrateRuns.js';
const programs = fileURLToPath(new URL('./dirtier.ts', import.meta.url));
const c = await startLocalCluster({ hosts: 2, cluster: 'trace', programs: [programs], logLevel: 'warn' });
const r = new MigrateRunner(c);
const s = await r.start('opener', ['0', 'f0']);
let at = 'h1';
const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const timelines: string[][] = [];
for (let i = 0; i < 600; i++) {
  const to = at === 'h1' ? 'h2' : 'h1';
  for (const h of c.hosts) h.log.length = 0;
  const t0 = now();
  await r.migrate(s.pid, at, to, 'flush');
  const t1 = now();
  if (i >= 400) {
    const ev: Array<[number, string]> = [[t0, 'client-send'], [t1, 'client-got']];
    for (const h of c.hosts) for (const l of h.log) { const m = /^T (\S+) (\S+) (\d+)$/.exec(l); if (m) ev.push([Number(m[3]), `${m[1] === at ? 'src' : 'tgt'}:${m[2]}`]); }
    ev.sort((a, b) => a[0] - b[0]);
    timelines.push(ev.map(([t, n]) => `${n}@${t - t0}`));
  }
  at = to;
}
// median offset per label (by order index)
const byLabel = new Map<string, number[]>();
for (const tl of timelines) { const seen = new Map<string, number>(); for (const x of tl) { const [n, t] = x.split('@'); const k = `${n}#${(seen.get(n!) ?? 0)}`; seen.set(n!, (seen.get(n!) ?? 0) + 1); (byLabel.get(k) ?? byLabel.set(k, []).get(k)!).push(Number(t)); } }
const rows = [...byLabel].map(([k, v]) => { v.sort((a, b) => a - b); return [k, v[v.length >> 1]!, v.length] as const; }).sort((a, b) => a[1] - b[1]);
for (const [k, t, n] of rows) console.log(`${String(t).padStart(6)} µs  ${k} (${n})`);
await r.kill(s); await c.stop();
process.exit(0);

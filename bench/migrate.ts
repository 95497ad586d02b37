import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '@wisp/cli';
import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { round } from './stats.js';

const STRATEGIES: Strategy[] = ['flush', 'copy', 'precopy', 'lazy'];
const SIZES_MIB = [1, 16, 64];
const DIRTY = [0.1, 1.0];

interface Row {
  strategy: Strategy;
  sizeMiB: number;
  dirty: number;
  freezeMs: number;
  totalMs: number;
  mbMoved: number;
  pages: number;
  outcome: string;
}

/**
 * `pnpm bench migrate`: a synthetic process (`dirtier`) of each size, rewriting a fraction of
 * its pages continuously, migrated h1 → h2 under each strategy, hosts and file server as OS
 * processes over a loopback nats-server. Also the cost of moving a null process.
 */
export async function migrateBench(): Promise<Record<string, unknown>> {
  const programs = fileURLToPath(new URL('./dirtier.ts', import.meta.url));
  const c = await startLocalCluster({ hosts: 2, cluster: 'benchmigrate', programs: [programs] });
  const rows: Row[] = [];
  try {
    const once = async (args: string[], strategy: Strategy): Promise<MigrationRecord> => {
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const run = await c.client.run(args[0]!, args.slice(1), { home: 'h1', onOutput: (m) => m.data.includes('ready') && ready() });
      if (args[0] === 'dirtier') await isReady;
      const rec = await c.client.migrate(run.pid, 'h2', strategy);
      await c.client.kill(run.pid, 'KILL');
      await run.exit;
      return rec;
    };
    for (const sizeMiB of SIZES_MIB) {
      for (const dirty of DIRTY) {
        for (const strategy of STRATEGIES) {
          const r = await once(['dirtier', String(sizeMiB), String(dirty)], strategy);
          rows.push({ strategy, sizeMiB, dirty, freezeMs: r.freezeMs, totalMs: r.totalMs, mbMoved: round(r.bytes / (1 << 20), 2), pages: r.pages, outcome: r.outcome });
        }
      }
    }
    const nulls: number[] = [];
    for (let i = 0; i < 5; i++) nulls.push((await once(['sleeper', '60000'], 'flush')).totalMs);
    nulls.sort((a, b) => a - b);
    const nullMs = nulls[2]!;
    const lines = [
      'migrate bench (h1 → h2, hosts and file server as OS processes, loopback nats-server)',
      '  strategy  size MiB  dirty   freeze ms  total ms  MB moved  outcome',
      ...rows.map((r) => `  ${r.strategy.padEnd(8)}  ${String(r.sizeMiB).padStart(8)}  ${String(r.dirty).padStart(5)}  ${String(r.freezeMs).padStart(10)}  ${String(r.totalMs).padStart(8)}  ${String(r.mbMoved).padStart(8)}  ${r.outcome}`),
      `  null process (sleeper), flush: total ${nullMs} ms (median of 5)`,
      '  not measured yet: faults in the first second after resume, cost per extra open file, the linear fit',
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return { rows, nullProcessMs: nullMs };
  } finally {
    await c.stop();
  }
}

import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { StrategySchema } from '@wisp/protocol';
import { clusterEvents, type WispClient } from '@wisp/runtime';
import { formatBytes } from '../format.js';
import { bytesOf, progressLine } from '../progress.js';
import { UsageError } from '../usage.js';

/** `wisp migrate <pid> <host> [--strategy S]`: prints the migration record (and, on a terminal, pages and MB moved while it runs); exit 1 if it aborted. */
export async function migrateCommand(client: WispClient, pid: string, to: string, strategy: string | undefined): Promise<{ text: string; record: MigrationRecord }> {
  let s: Strategy | undefined;
  if (strategy !== undefined) {
    const parsed = StrategySchema.safeParse(strategy);
    if (!parsed.success) throw new UsageError(`unknown strategy '${strategy}' (flush, copy, precopy, lazy)`);
    s = parsed.data;
  }
  const r = await withMoveProgress(client, pid, () => client.migrate(pid, to, s));
  const lines = [
    `${r.pid} ${r.from} → ${r.to} (${r.strategy}): ${r.outcome}${r.error ? ` — ${r.error.message} (${r.error.code})` : ''}`,
    `  freeze ${r.freezeMs} ms, total ${r.totalMs} ms, ${formatBytes(r.bytes)} in ${r.pages} pages` +
      (r.precopyRounds > 0 ? `, ${r.precopyRounds} precopy rounds` : '') +
      `, ${r.streams} open stream${r.streams === 1 ? '' : 's'} moved`,
    `  residual dependencies: ${r.residual.length > 0 ? r.residual.join(', ') : 'none'}`,
  ];
  return { text: `${lines.join('\n')}\n`, record: r };
}

/** Runs `move` while showing the source's `proc.moving` events for `pid` on the progress line. */
async function withMoveProgress<T>(client: WispClient, pid: string, move: () => Promise<T>): Promise<T> {
  const line = progressLine();
  const sub = clusterEvents(client.nc, client.subjects.cluster, ['proc.moving']).subscribe((e) => {
    const d = e.data as { pid: string; to: string; strategy: string; step: string; round: number; pages: number; totalPages: number; bytes: number; totalBytes: number };
    if (d.pid !== pid) return;
    const what = d.step === 'flush' ? 'dirty pages to the backing file' : d.strategy === 'precopy' ? `pages after ${d.round} round${d.round === 1 ? '' : 's'}` : 'pages';
    line.update(`${pid} ${e.host} → ${d.to} (${d.strategy}) ${what}: ${d.pages}/${d.totalPages} pages, ${bytesOf(d.bytes, d.totalBytes)}`);
  });
  try {
    // Subscribed before the move starts, so its first events are seen.
    await client.nc.flush();
    return await move();
  } finally {
    sub.unsubscribe();
    line.done();
  }
}

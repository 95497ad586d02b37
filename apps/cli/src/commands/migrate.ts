import type { MigrationRecord, Strategy } from '@wisp/protocol';
import { StrategySchema } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';
import { formatBytes } from '../format.js';
import { UsageError } from '../usage.js';

/** `wisp migrate <pid> <host> [--strategy S]`: prints the migration record; exit 1 if it aborted. */
export async function migrateCommand(client: WispClient, pid: string, to: string, strategy: string | undefined): Promise<{ text: string; record: MigrationRecord }> {
  let s: Strategy | undefined;
  if (strategy !== undefined) {
    const parsed = StrategySchema.safeParse(strategy);
    if (!parsed.success) throw new UsageError(`unknown strategy '${strategy}' (flush, copy, precopy, lazy)`);
    s = parsed.data;
  }
  const r = await client.migrate(pid, to, s);
  const lines = [
    `${r.pid} ${r.from} → ${r.to} (${r.strategy}): ${r.outcome}${r.error ? ` — ${r.error.message} (${r.error.code})` : ''}`,
    `  freeze ${r.freezeMs} ms, total ${r.totalMs} ms, ${formatBytes(r.bytes)} in ${r.pages} pages` +
      (r.precopyRounds > 0 ? `, ${r.precopyRounds} precopy rounds` : '') +
      `, ${r.streams} open stream${r.streams === 1 ? '' : 's'} moved`,
    `  residual dependencies: ${r.residual.length > 0 ? r.residual.join(', ') : 'none'}`,
  ];
  return { text: `${lines.join('\n')}\n`, record: r };
}

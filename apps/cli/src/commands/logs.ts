import { formatLogRecord, type WispClient } from '@wisp/runtime';
import { escapesFor } from '../style.js';

/** What `wisp logs` shows. */
export interface LogsOptions {
  /** Only this source: a host id (also matches its processes' lines), a file server id, or `migd`. */
  host?: string;
  /** Only lines about this Wisp pid. */
  pid?: string;
  /** Keep following new lines until Ctrl-C. */
  follow: boolean;
  /** `json`: the records as the components wrote them; `pretty` (default): one readable line each. */
  format: 'json' | 'pretty';
}

/**
 * `wisp logs [--host H] [--pid P] [-f]`: the cluster's recent log lines (each component keeps its
 * last 200 at info and above, and answers `logtail`), oldest first; with `-f`, then every new one
 * as it is published on `wisp.<cluster>.log.<source>` (only `log.<H>` is subscribed with `--host`).
 */
export async function logsCommand(client: WispClient, o: LogsOptions, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const s = client.subjects;
  const bold = escapesFor(out);
  const wanted = (rec: Record<string, unknown>) =>
    (o.host === undefined || rec.host === o.host || rec.fs === o.host || (o.host === 'migd' && rec.machine === 'migd')) && (o.pid === undefined || rec.pid === o.pid);
  const print = (line: string) => {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (wanted(rec)) out.write(o.format === 'json' ? `${line}\n` : formatLogRecord(rec, bold));
  };
  // Following: subscribed before asking for the tail, so no line falls between the two; lines in both are shown once.
  const live: string[] = [];
  let tailShown: Set<string> | null = null;
  const sub = o.follow
    ? client.nc.subscribe(s.log(o.host ?? '*'), {
        callback: (err, msg) => {
          if (err) return;
          const line = msg.string();
          if (tailShown === null) live.push(line);
          else if (!tailShown.has(line)) print(line);
        },
      })
    : null;
  await client.nc.flush();
  const tail: string[] = [];
  const replies = await client.nc.requestMany(s.logTail(), '', { strategy: 'stall', stall: 300, maxWait: 1500 });
  for await (const m of replies) {
    const text = m.string();
    if (text !== '') tail.push(...text.split('\n'));
  }
  const time = (line: string) => Number(/"time":(\d+)/.exec(line)?.[1] ?? 0);
  tail.sort((a, b) => time(a) - time(b));
  for (const line of tail) print(line);
  if (!sub) return 0;
  tailShown = new Set(tail);
  for (const line of live) if (!tailShown.has(line)) print(line);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    void client.nc.closed().then(() => resolve());
  });
  sub.unsubscribe();
  return 0;
}

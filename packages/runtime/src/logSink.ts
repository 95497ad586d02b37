import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { subjects } from '@wisp/protocol';

/**
 * Where log lines go besides stderr: the cluster, so `wisp logs` can follow every host, file
 * server and migd from one terminal. Each component's {@link LogPublisher} keeps its recent
 * lines (answering `logtail` with them) and publishes each line as it is written on
 * `wisp.<cluster>.log.<source>` — the raw JSON text pino made, nothing re-encoded. Only lines at
 * the publish level (`WISP_LOG_PUBLISH_LEVEL`, default `info`) reach it, so what it costs is
 * one NATS publish per info line (a few per migration), however verbose stderr is.
 */
export class LogPublisher {
  private nc: NatsConnection | null = null;
  private subject = '';
  private tail: Subscription | null = null;
  private readonly recent: string[] = [];

  /** @param keep how many recent lines to keep for `logtail`. */
  constructor(private readonly keep = 200) {}

  /** pino's destination interface: one JSON line (with its newline). */
  write(line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.recent.push(text);
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
    if (!this.nc) return;
    try {
      this.nc.publish(this.subject, text);
    } catch {
      // A closed or draining connection: the line is still on stderr and in the tail.
    }
  }

  /** Starts publishing as `source` of `cluster` and answering `logtail` requests. */
  connect(nc: NatsConnection, cluster: string, source: string): void {
    const s = subjects(cluster);
    this.nc = nc;
    this.subject = s.log(source);
    this.tail = nc.subscribe(s.logTail(), {
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        try {
          msg.respond(this.recent.join('\n'));
        } catch {
          // The asker went away.
        }
      },
    });
  }

  /** Stops publishing (lines are still kept). */
  stop(): void {
    this.tail?.unsubscribe();
    this.tail = null;
    this.nc = null;
  }
}

/** pino's numeric levels by name. */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Keys {@link formatLogRecord} shows in the line's head, or leaves out as noise. */
const HEAD_KEYS = new Set(['level', 'time', 'msg', 'name', 'hostname', 'osPid', 'host', 'fs', 'machine', 'pid']);

/**
 * One log record for people: `15:07:03.286 INFO  h1 h1-1 [kernel] message key=value …`
 * (source — host, file server or the logger's name —, the Wisp pid, the machine, then the
 * other fields). Bold level names when `bold`.
 */
export function formatLogRecord(rec: Record<string, unknown>, bold = false): string {
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '--:--:--.---';
  const level = (LEVEL_NAMES[rec.level as number] ?? String(rec.level)).padEnd(5);
  const source = String(rec.host ?? rec.fs ?? rec.name ?? '-');
  const head = [time, bold ? `\x1b[1m${level}\x1b[22m` : level, source];
  if (rec.pid !== undefined) head.push(String(rec.pid));
  if (rec.machine !== undefined) head.push(`[${String(rec.machine)}]`);
  const rest = Object.entries(rec)
    .filter(([k]) => !HEAD_KEYS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${[...head, String(rec.msg ?? ''), ...rest].join(' ')}\n`;
}

/** A pino destination writing each JSON line as {@link formatLogRecord} shows it, to `out`. */
export function prettyDestination(out: { write(s: string): unknown }, bold = false): { write(line: string): void } {
  return {
    write: (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(formatLogRecord(rec, bold));
    },
  };
}

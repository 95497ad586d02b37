/**
 * Every NATS connection Wisp opens — hosts, file servers, migd, clients, `wisp up` — is made
 * here, with one reconnect policy: retry forever, never exit on a disconnect, log both ends of
 * an outage.
 * @module
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

/** Ms between reconnect attempts: `$WISP_NATS_RECONNECT_MS`, else nats.js's default of 2000. */
export function reconnectWaitMs(): number {
  const v = Number(process.env.WISP_NATS_RECONNECT_MS);
  return Number.isInteger(v) && v > 0 ? v : 2000;
}

/** Where {@link connectNats} reports the connection's ups and downs. */
export interface ConnectionLog {
  warn(obj: object, msg?: string): void;
}

/** Options of {@link connectNats}. */
export interface ConnectNatsOptions {
  /** Connection name the server shows (`wisp-host-h1`, …). */
  name: string;
  /** Logs disconnects and reconnects (default: nothing). */
  log?: ConnectionLog;
  /** Ms between reconnect attempts (default {@link reconnectWaitMs}). */
  reconnectWaitMs?: number;
}

/**
 * Connects to NATS at `url`. The connection reconnects forever (nats.js would give up after 10
 * tries, about 20 s, and close — every component then exited); subscriptions come back by
 * themselves. What is published while it is down is lost by nats.js at its next dial: publish
 * through a `NatsEdge` (from `@wisp/protocol`), which holds it.
 */
export async function connectNats(url: string, o: ConnectNatsOptions): Promise<NatsConnection> {
  const wait = o.reconnectWaitMs ?? reconnectWaitMs();
  const nc = await connect({ servers: url, name: o.name, noAsyncTraces: true, maxReconnectAttempts: -1, reconnectTimeWait: wait });
  if (o.log) void logStatus(nc, o.log, wait);
  return nc;
}

async function logStatus(nc: NatsConnection, log: ConnectionLog, wait: number): Promise<void> {
  let downSince: number | null = null;
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' && downSince === null) {
      downSince = Date.now();
      log.warn({ server: s.server }, `NATS connection lost; reconnecting every ${wait} ms for as long as it takes`);
    } else if (s.type === 'reconnect' && downSince !== null) {
      log.warn({ server: s.server, downMs: Date.now() - downSince }, `NATS reconnected after ${((Date.now() - downSince) / 1000).toFixed(1)} s`);
      downSince = null;
    }
  }
}

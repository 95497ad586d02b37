import type { ConnectionGate } from '@wisp/protocol';

/** How long a JetStream storage operation is tried again while NATS is up, ms, before its error stands. */
export const JETSTREAM_RETRY_MS = 60_000;

/**
 * Whether `err` (or an error it was caused by) says the operation may not have reached
 * JetStream, or JetStream was not ready: a timeout, nobody answering the API (just after a
 * restart), a dropped connection, or a 503. Anything else (a bad name, a closed connection)
 * is final.
 */
export function transientJetStreamError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'ClosedConnectionError' || e.name === 'DrainingConnectionError') return false;
    if (e.name === 'TimeoutError' || e.name === 'NoRespondersError') return true;
    if ((e as { status?: unknown }).status === 503 || (e as { code?: unknown }).code === 503) return true;
    if (/timeout|no responders|disconnect|503/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs a JetStream storage operation, sent only while the connection is up (see
 * {@link ConnectionGate}), and again after a transient error ({@link transientJetStreamError})
 * until it succeeds or {@link JETSTREAM_RETRY_MS} have passed. Every operation of the storage is
 * idempotent (whole-file puts, key puts, purges, deletes, gets), so a try whose answer was lost
 * is harmless to repeat. Waiting for a reconnect does not count against the bound: an outage
 * of any length is waited out.
 */
export async function retryJetStream<T>(gate: ConnectionGate, op: () => Promise<T>, retryMs = JETSTREAM_RETRY_MS): Promise<T> {
  let spent = 0;
  for (let tries = 1; ; tries++) {
    await gate.up();
    const t0 = Date.now();
    try {
      return await op();
    } catch (err) {
      const wasDown = gate.isDown;
      spent += wasDown ? 0 : Date.now() - t0;
      if (!transientJetStreamError(err) || spent >= retryMs) throw err;
      if (!wasDown) {
        const pause = Math.min(50 * 2 ** tries, 1000);
        await new Promise((resolve) => setTimeout(resolve, pause));
        spent += pause;
      }
    }
  }
}

import type { NatsConnection } from '@nats-io/nats-core';

/**
 * Whether a NATS connection is up, and a way to wait until it is. nats.js empties its outbound
 * buffer at each dial, so whatever is published (a request too) between a disconnect and the
 * reconnect is dropped without an error, and a request then waits its whole timeout; a sender
 * that waits here first sends only into a live connection.
 */
export class ConnectionGate {
  private down = false;
  private readonly waiting: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly nc: NatsConnection) {
    void this.watch();
  }

  /** True from a disconnect until the reconnect (false once the connection is closed). */
  get isDown(): boolean {
    return this.down && !this.nc.isClosed() && !this.stopped;
  }

  /** Resolves at once while the connection is up, else once it is back (or closed for good, or the gate stopped). */
  up(): Promise<void> {
    if (!this.isDown) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops waiting for anything: whoever waits goes on. */
  stop(): void {
    this.stopped = true;
    this.open();
  }

  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (this.stopped) break;
        if (s.type === 'disconnect') this.down = true;
        else if (s.type === 'reconnect') {
          this.down = false;
          this.open();
        }
      }
    } catch {
      // The connection closed.
    }
    this.down = false;
    this.open();
  }

  private open(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

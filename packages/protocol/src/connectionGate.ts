/**
 * Whether a NATS connection is up, for whoever must not publish into a dead one. Structural
 * types, so this package needs no NATS dependency (a nats.js `NatsConnection` fits).
 * @module
 */

/** What the gate needs of a NATS connection. */
export interface GateConnection {
  isClosed(): boolean;
  status(): AsyncIterable<{ type: string }>;
}

/** Told `false` at a disconnect and `true` at the reconnect (also `true` once the connection closes for good). */
export type GateListener = (up: boolean) => void;

/**
 * Whether a NATS connection is up, and a way to wait until it is. nats.js empties its outbound
 * buffer at each dial, so whatever is published (a request too) between a disconnect and the
 * reconnect is dropped without an error, and a request then waits its whole timeout; a sender
 * that waits here first sends only into a live connection.
 */
export class ConnectionGate {
  private down = false;
  private readonly waiting: Array<() => void> = [];
  private readonly listeners = new Set<GateListener>();
  private stopped = false;

  constructor(private readonly nc: GateConnection) {
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

  /** Whether the connection is up now or comes back within `ms`. */
  async upWithin(ms: number): Promise<boolean> {
    if (!this.isDown) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.up(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    return !this.isDown;
  }

  /**
   * `work`'s outcome, unless the connection drops first: then `lost()` at once. nats.js does not
   * fail a request whose answer the drop lost; it waits its whole timeout.
   */
  unlessDropped<T>(work: Promise<T>, lost: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = this.onChange((up) => {
        if (up) return;
        stop();
        reject(lost());
      });
      work.then(
        (v) => {
          stop();
          resolve(v);
        },
        (err: unknown) => {
          stop();
          reject(err);
        },
      );
    });
  }

  /**
   * Calls `fn` at each change, after {@link isDown} has changed: so a sender that `fn` calls
   * back at a disconnect already sees the connection down. Returns how to stop.
   */
  onChange(fn: GateListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops waiting for anything: whoever waits goes on. */
  stop(): void {
    this.stopped = true;
    this.listeners.clear();
    this.open();
  }

  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (this.stopped) break;
        if (s.type === 'disconnect' && !this.down) {
          this.down = true;
          this.tell(false);
        } else if (s.type === 'reconnect' && this.down) {
          this.down = false;
          this.open();
          this.tell(true);
        }
      }
    } catch {
      // The connection closed.
    }
    if (this.stopped) return;
    const was = this.down;
    this.down = false;
    this.open();
    if (was) this.tell(true);
  }

  private tell(up: boolean): void {
    for (const fn of [...this.listeners]) fn(up);
  }

  private open(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

const gates = new WeakMap<GateConnection, ConnectionGate>();

/**
 * The one gate of `nc`, made at first use and kept as long as the connection: for clients made
 * and dropped often (one per command), which must not each leave a status watch behind.
 */
export function gateOf(nc: GateConnection): ConnectionGate {
  let g = gates.get(nc);
  if (!g) gates.set(nc, (g = new ConnectionGate(nc)));
  return g;
}

/**
 * A home's durable pid counter: pid numbers are reserved in blocks from a JetStream KV key
 * (`wisp_<cluster>_pids`, key = host id, value = the first number not yet reserved), by
 * compare-and-set, so a host restarted after a crash never hands out a pid its earlier run did.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { openBucket } from './hostLease.js';
import type { Logger } from './logger.js';

/** Pid numbers reserved at a time. */
export const PID_BLOCK = 1024;

/** The pid bucket of a cluster (no TTL: it outlives every host). */
export const pidBucket = (cluster: string) => `wisp_${cluster}_pids`;

/**
 * Hands out pid numbers synchronously (the kernel is pure) from a reserved block, reserving the
 * next block in the background when half of the current one is used.
 */
export class PidBlocks {
  private next: number;
  private end: number;
  private spare: { from: number; to: number } | null = null;
  private reserving: Promise<void> | null = null;
  private overdrawn = false;

  private constructor(
    private readonly kv: KV,
    private readonly host: string,
    private readonly log: Logger,
    private readonly block: number,
    first: { from: number; to: number },
  ) {
    this.next = first.from;
    this.end = first.to;
  }

  /** Reserves the first block for `host`. */
  static async open(o: { nc: NatsConnection; cluster: string; host: string; log: Logger; block?: number }): Promise<PidBlocks> {
    const kv = await openBucket(o.nc, pidBucket(o.cluster), { history: 1 }, 'the durable pid counter');
    const block = o.block ?? PID_BLOCK;
    return new PidBlocks(kv, o.host, o.log, block, await reserve(kv, o.host, 1, block));
  }

  /** The next pid number. */
  allocate(): number {
    if (this.next >= this.end && this.spare) {
      this.next = Math.max(this.next, this.spare.from);
      this.end = this.spare.to;
      this.spare = null;
    }
    if (this.next >= this.end && !this.overdrawn) {
      // Spawned faster than a KV round trip: go on past the block; the next reservation starts beyond.
      this.overdrawn = true;
      this.log.warn({ next: this.next }, 'pid block used up before the next one was reserved');
    }
    const n = this.next++;
    if (!this.spare && !this.reserving && this.end - this.next < this.block / 2) this.reserving = this.reserveSpare();
    return n;
  }

  /** Resolves once no reservation is in flight (every number handed out so far is then reserved). */
  async settled(): Promise<void> {
    while (this.reserving) await this.reserving;
  }

  private async reserveSpare(): Promise<void> {
    try {
      // Numbers handed out past the block while this was in flight must be covered too: again if not.
      do this.spare = await reserve(this.kv, this.host, Math.max(this.end, this.next), this.block);
      while (this.spare.to <= this.next);
      this.overdrawn = false;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'pid block reservation failed; retrying at the next spawn');
    } finally {
      this.reserving = null;
    }
  }
}

/** Reserves `block` numbers from at least `min`, by compare-and-set on the host's key. */
async function reserve(kv: KV, host: string, min: number, block: number): Promise<{ from: number; to: number }> {
  for (;;) {
    const e = await kv.get(host);
    const stored = e?.operation === 'PUT' ? Number(e.string()) : 1;
    const from = Math.max(min, Number.isSafeInteger(stored) ? stored : 1);
    const value = new TextEncoder().encode(String(from + block));
    try {
      if (e) await kv.update(host, value, e.revision);
      else await kv.create(host, value);
      return { from, to: from + block };
    } catch (err) {
      // Another run of this host reserved in between (only during a hand-over): read again.
      if (!/wrong last sequence|10071/i.test(String((err as Error)?.message))) throw err;
    }
  }
}

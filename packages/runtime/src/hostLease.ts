/**
 * Host leases: one live host per id in a cluster. A JetStream KV bucket per cluster
 * (`wisp_<cluster>_hosts`) keeps one key per host id, `{ boot, osPid, startedAt }`; its entries
 * expire after the bucket's TTL (max_age), and the holder renews its own by compare-and-set.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { ErrorCode, WispError } from '@wisp/protocol';
import type { Logger } from './logger.js';

/** Default lease length, ms: a host killed hard is replaceable this long after its last renewal. */
export const DEFAULT_HOST_LEASE_MS = 5000;

/**
 * The part of its length after which a lease not renewed counts as lapsed for its holder: it
 * suspends its processes before any other host can see the lease expire.
 */
export const LAPSE_FRACTION = 0.7;

/** What a lease says about its holder. */
export interface LeaseHolder {
  /** Random id of this run of the host (a new one at every start). */
  boot: string;
  osPid: number;
  startedAt: number;
}

/**
 * A new boot id: 12 hex digits (48 random bits). Short, because every answer a host sends
 * carries it; long enough that two runs of one host id never share one.
 */
export function newBootId(): string {
  return randomBytes(6).toString('hex');
}

/** The lease bucket of a cluster. */
export const hostLeaseBucket = (cluster: string) => `wisp_${cluster}_hosts`;

/**
 * Opens (creating it if needed) a KV bucket, turning "this server has no JetStream" into a
 * clear error. A bucket that exists with another configuration is opened as it is.
 */
export async function openBucket(nc: NatsConnection, name: string, opts: Partial<KvOptions>, why: string): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(name, opts);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (/jetstream (is )?not enabled|no responders|503/i.test(msg) || (err as { name?: string }).name === 'JetStreamNotEnabled') {
      throw new WispError(ErrorCode.ENOSYS, `NATS server has no JetStream, which ${why} needs: start nats-server with -js`);
    }
    // Created by another host with other settings (e.g. another TTL): use it as it is.
    if (/already in use|different configuration/i.test(msg)) return kvm.open(name);
    throw err;
  }
}

/** How to take a {@link HostLease}. */
export interface HostLeaseOptions {
  nc: NatsConnection;
  cluster: string;
  host: string;
  log: Logger;
  /** Lease length, ms (the bucket's TTL when this host creates it; default {@link DEFAULT_HOST_LEASE_MS}). */
  ttlMs?: number;
  /** Told when renewal finds the lease taken by another boot (this host was cut off past its lease). */
  onLost?: (holder: LeaseHolder) => void;
}

const encodeHolder = (h: LeaseHolder) => new TextEncoder().encode(JSON.stringify(h));
const isWrongSequence = (err: unknown) => /wrong last sequence|10071/i.test(String((err as Error)?.message ?? err)) || (err as { code?: number })?.code === 10071;

/**
 * A host's lease on its id. {@link HostLease.acquire} waits up to one lease length for a lease
 * held by an earlier boot (a host killed hard leaves one behind until it expires) and fails with
 * `EEXIST` if it is still held then — by a live host, which renews it every third of its length.
 */
export class HostLease {
  readonly holder: LeaseHolder;
  /** Lease length in force (the bucket's TTL), ms. */
  readonly ttlMs: number;
  private readonly kv: KV;
  private readonly o: HostLeaseOptions;
  private revision: number;
  /** When the lease was last written (taken or renewed), ms since the epoch. */
  private renewedAt = Date.now();
  /** Whether the holder may run processes: false from the moment renewal is overdue until it succeeds again. */
  private held = true;
  private onChange: ((held: boolean) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;
  private stopped = false;

  private constructor(o: HostLeaseOptions, kv: KV, holder: LeaseHolder, revision: number, ttlMs: number) {
    this.o = o;
    this.kv = kv;
    this.holder = holder;
    this.revision = revision;
    this.ttlMs = ttlMs;
  }

  /** Takes the lease on `host`, or fails with `EEXIST` naming the boot that holds it. */
  static async acquire(o: HostLeaseOptions): Promise<HostLease> {
    const ttl = o.ttlMs ?? DEFAULT_HOST_LEASE_MS;
    const kv = await openBucket(o.nc, hostLeaseBucket(o.cluster), { ttl, history: 1 }, 'host leases');
    const ttlMs = ((await kv.status()).ttl || ttl) as number;
    const holder: LeaseHolder = { boot: newBootId(), osPid: process.pid, startedAt: Date.now() };
    const deadline = Date.now() + ttlMs + 500;
    for (let logged = false; ; ) {
      try {
        const lease = new HostLease(o, kv, holder, await kv.create(o.host, encodeHolder(holder)), ttlMs);
        lease.timer = setInterval(() => void lease.renew(), Math.max(50, Math.floor(ttlMs / 4)));
        lease.timer.unref();
        return lease;
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
      const other = await kv.get(o.host).then((e) => (e?.operation === 'PUT' ? (e.json() as LeaseHolder) : null));
      if (other && Date.now() > deadline) {
        throw new WispError(ErrorCode.EEXIST, `host ${o.host} is already running (boot ${other.boot}, os pid ${other.osPid}, since ${new Date(other.startedAt).toISOString()})`);
      }
      if (other && !logged) {
        logged = true;
        o.log.warn({ holder: other }, `host ${o.host} is leased by another boot; waiting up to ${ttlMs} ms for its lease to lapse`);
      }
      await new Promise((r) => setTimeout(r, Math.max(20, Math.floor(ttlMs / 20))));
    }
  }

  /**
   * Tells `onChange` when the lease lapses (renewal overdue: {@link LAPSE_FRACTION} of its length
   * passed since it was last written — before other hosts can see it expire) and when it is
   * held again. Only one watcher.
   */
  watch(onChange: (held: boolean) => void): void {
    this.onChange = onChange;
  }

  /**
   * Checks the clock against the last renewal, and reports a lapse at once. A host calls it
   * before it acts on anything, so one that wakes from a pause past its lease stops its
   * processes before they take a step. Cheap: one clock read.
   */
  check(): void {
    if (this.held && !this.stopped && Date.now() - this.renewedAt > this.ttlMs * LAPSE_FRACTION) this.setHeld(false);
  }

  private setHeld(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    if (held) this.o.log.warn({}, 'host lease held again');
    else this.o.log.error({ sinceRenewalMs: Date.now() - this.renewedAt }, 'host lease lapsed: processes suspended until the directory confirms them');
    this.onChange?.(held);
  }

  private renewed(revision: number): void {
    this.revision = revision;
    this.renewedAt = Date.now();
    this.setHeld(true);
  }

  /** Stops renewing and gives the lease up, so the id is free at once. */
  async release(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.kv.delete(this.o.host, { previousSeq: this.revision }).catch(() => undefined);
  }

  /** Renews by compare-and-set at the revision last written; a lapsed lease is taken again if free. */
  private async renew(): Promise<void> {
    if (this.stopped) return;
    this.check();
    if (this.renewing) return;
    this.renewing = true;
    try {
      this.renewed(await this.kv.update(this.o.host, encodeHolder(this.holder), this.revision));
    } catch (err) {
      if (!isWrongSequence(err)) {
        // NATS unreachable or slow: try again at the next tick (the connection reconnects by itself).
        this.o.log.debug({ err: (err as Error).message }, 'host lease renewal failed; retrying');
      } else {
        await this.retake();
      }
    } finally {
      this.renewing = false;
    }
  }

  /** The lease lapsed (this host was cut off or paused past it): take it again unless another boot has. */
  private async retake(): Promise<void> {
    try {
      this.renewed(await this.kv.create(this.o.host, encodeHolder(this.holder)));
      this.o.log.warn({}, `host lease had lapsed; taken again`);
    } catch (err) {
      const e = await this.kv.get(this.o.host).catch(() => null);
      const other = e?.operation === 'PUT' ? (e.json() as LeaseHolder) : null;
      if (other && other.boot !== this.holder.boot) {
        this.o.log.error({ holder: other }, `host ${this.o.host} was taken by another boot while this one was cut off`);
        this.o.onLost?.(other);
      } else if (e && other?.boot === this.holder.boot) {
        this.renewed(e.revision);
      } else {
        this.o.log.debug({ err: (err as Error).message }, 'host lease retake failed; retrying');
      }
    }
  }
}

/**
 * Ids of the hosts of `cluster` holding a live lease (none when the bucket does not exist yet).
 * Read from the stream's subjects and one direct get each, not `kv.keys()`: that makes a
 * consumer per call, which nats.js leaves behind when the bucket is empty — `wisp ps` in a loop
 * left thousands, and a restarted nats-server then took longer than any client waits to recover them.
 */
export async function leasedHosts(nc: NatsConnection, cluster: string): Promise<string[]> {
  const bucket = hostLeaseBucket(cluster);
  let kv: KV;
  let subjects: string[];
  try {
    kv = await new Kvm(nc).open(bucket);
    const info = await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`, { subjects_filter: '>' });
    subjects = Object.keys(info.state.subjects ?? {});
  } catch {
    return [];
  }
  const prefix = `$KV.${bucket}.`;
  const entries = await Promise.all(subjects.map((s) => kv.get(s.slice(prefix.length)).catch(() => null)));
  // Released (deleted) leases are left out; lapsed ones are gone from the bucket.
  return entries.filter((e) => e?.operation === 'PUT').map((e) => e!.key);
}

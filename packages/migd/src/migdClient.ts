import { type Observable, filter, map } from 'rxjs';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  ErrorCode,
  MigdGrantReply,
  MigdReleaseReply,
  MigdRenewReply,
  MigdStatusReply,
  ReclaimEventData,
  WispError,
  decode,
  encode,
  gateOf,
  subjects,
  unwrapReply,
  type MigdStatusReply as Status,
  type ReclaimReason,
  type Subjects,
} from '@wisp/protocol';
import { clusterEvents, requestFailure } from '@wisp/runtime';
import type { z } from 'zod';

/** A grant that ended without a release: the host is no longer the holder's to use. */
export interface Reclaim {
  host: string;
  holder: string;
  reason: ReclaimReason;
  /** With `fairness`: who got the host. */
  to?: string;
}

/** Default time to wait for migd, ms: short, so a dead migd means a quick fall back to local. */
export const MIGD_TIMEOUT_MS = 1000;

/**
 * A requester's handle on migd. Every call fails fast with a {@link WispError}: `EHOSTUNREACH`
 * when no migd runs (NATS says so at once), `ETIMEDOUT` when it does not answer within
 * `timeoutMs` — callers then run work locally. Nothing is sent while the connection to NATS is
 * down: a call waits up to `timeoutMs` for it to come back, then fails with `ETIMEDOUT`; one
 * whose answer the connection's drop lost fails at once with `ETIMEDOUT` too.
 */
export class MigdClient {
  readonly requester: string;
  readonly subjects: Subjects;
  private readonly nc: NatsConnection;
  private readonly timeoutMs: number;

  constructor(nc: NatsConnection, requester: string, opts: { cluster?: string; timeoutMs?: number } = {}) {
    this.nc = nc;
    this.requester = requester;
    this.subjects = subjects(opts.cluster);
    this.timeoutMs = opts.timeoutMs ?? MIGD_TIMEOUT_MS;
  }

  /** Asks for up to `n` more idle hosts (longest-idle first); resolves with those granted now. */
  async request(n: number, exclude: string[] = []): Promise<z.infer<typeof MigdGrantReply>> {
    return MigdGrantReply.parse(await this.call('request', { requester: this.requester, n, ...(exclude.length ? { exclude } : {}) }));
  }

  /** Gives hosts back. */
  async release(hosts: string[]): Promise<string[]> {
    if (hosts.length === 0) return [];
    return MigdReleaseReply.parse(await this.call('release', { requester: this.requester, hosts })).released;
  }

  /** Renews the lease on `held` (a restarted migd re-adopts them); resolves with what is still held and what was lost. */
  async renew(held: string[]): Promise<z.infer<typeof MigdRenewReply>> {
    return MigdRenewReply.parse(await this.call('renew', { requester: this.requester, held }));
  }

  /** migd's view of the hosts. */
  async status(): Promise<Status> {
    return MigdStatusReply.parse(await this.call('status', {}));
  }

  /** Reclaims of this requester's hosts, as they are announced. */
  reclaims$(): Observable<Reclaim> {
    return reclaimEvents(this.nc, this.subjects.cluster).pipe(filter((r) => r.holder === this.requester));
  }

  private async call(verb: string, body: unknown): Promise<unknown> {
    const subject = this.subjects.migd(verb);
    const gate = gateOf(this.nc);
    // Not published into a dead connection (nats.js drops it at its next dial, silently, and the
    // call waits its whole timeout): the connection may come back within that time, else it fails now.
    if (!(await gate.upWithin(this.timeoutMs))) throw new WispError(ErrorCode.ETIMEDOUT, `NATS is down: migd not asked (${subject})`);
    let data: Uint8Array;
    try {
      const sent = this.nc.request(subject, encode(body), { timeout: this.timeoutMs });
      data = (await gate.unlessDropped(sent, () => new WispError(ErrorCode.ETIMEDOUT, `the connection to NATS dropped before migd answered on ${subject}`))).data;
    } catch (err) {
      if (err instanceof WispError) throw err;
      const e = requestFailure(err, subject);
      if (e.code === ErrorCode.EHOSTUNREACH) throw new WispError(e.code, `migd is not running (nobody answers on ${subject})`);
      if (e.code === ErrorCode.ETIMEDOUT) throw new WispError(e.code, `migd did not answer within ${this.timeoutMs} ms`);
      throw new WispError(e.code, e.message);
    }
    return unwrapReply(decode(data));
  }
}

/** Every `migd.reclaim` cluster event: the hook eviction listens to (reason `owner`: send its foreign processes home). */
export function reclaimEvents(nc: NatsConnection, cluster = 'default'): Observable<Reclaim> {
  return clusterEvents(nc, cluster, ['migd.reclaim']).pipe(
    map((e) => {
      const d = ReclaimEventData.safeParse(e.data);
      return d.success ? { host: e.host, ...d.data } : null;
    }),
    filter((r): r is Reclaim => r !== null),
  );
}

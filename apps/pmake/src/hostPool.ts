import type { Subscription } from 'rxjs';
import type { MigdClient } from '@wisp/migd';

/** How a {@link HostPool} gets and keeps hosts. */
export interface HostPoolOptions {
  /** migd's client, or null to run everything at home. */
  migd: MigdClient | null;
  /** The home host: where jobs run when no granted host is free. */
  home: string;
  /** How many hosts to hold at most (pmake's `-j`). */
  want: number;
  /** Ms between lease renewals and top-up requests (default 2000). */
  renewMs?: number;
  /** pmake's own messages. */
  log: (line: string) => void;
}

/**
 * The hosts a build runs on: those migd grants (up to `want`), and the home host when none of
 * them is free. It renews the leases and asks for more while it holds fewer than `want`; a host
 * migd reclaims is dropped (its running job finishes there). When migd is unreachable it says
 * so once and the rest of the build runs at home.
 */
export class HostPool {
  private granted: string[] = [];
  private readonly busy = new Map<string, number>();
  private readonly o: HostPoolOptions;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private local: boolean;
  private closed = false;

  private constructor(o: HostPoolOptions) {
    this.o = o;
    this.local = o.migd === null;
  }

  /** Asks migd for hosts (quickly falling back to home when it cannot). */
  static async start(o: HostPoolOptions): Promise<HostPool> {
    const p = new HostPool(o);
    if (o.migd) {
      p.sub = o.migd.reclaims$().subscribe((r) => {
        if (!p.granted.includes(r.host)) return;
        p.granted = p.granted.filter((h) => h !== r.host);
        o.log(`pmake: host ${r.host} reclaimed by migd (${r.reason})`);
      });
      await p.topUp();
      p.timer = setInterval(() => void p.renew(), o.renewMs ?? 2000);
    }
    o.log(`pmake: running on ${p.granted.length > 0 ? `granted hosts ${p.granted.join(' ')}` : 'the home host only'} (home ${o.home})`);
    return p;
  }

  /** Hosts held now. */
  get hosts(): readonly string[] {
    return this.granted;
  }

  /** A host for the next job: a granted host with nothing of ours running, else home. */
  acquire(): string {
    const host = this.granted.find((h) => (this.busy.get(h) ?? 0) === 0) ?? this.o.home;
    this.busy.set(host, (this.busy.get(host) ?? 0) + 1);
    return host;
  }

  /** Counts a job on a host chosen by the caller. */
  take(host: string): void {
    this.busy.set(host, (this.busy.get(host) ?? 0) + 1);
  }

  /** A job on `host` ended. */
  done(host: string): void {
    this.busy.set(host, Math.max(0, (this.busy.get(host) ?? 0) - 1));
  }

  /** Stops using `host` (it refused work): later jobs go elsewhere. */
  drop(host: string): void {
    if (!this.granted.includes(host)) return;
    this.granted = this.granted.filter((h) => h !== host);
    void this.o.migd?.release([host]).catch(() => undefined);
  }

  /** Releases every host and stops renewing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.sub?.unsubscribe();
    const held = this.granted;
    this.granted = [];
    if (!this.local && held.length > 0) await this.o.migd!.release(held).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.local || this.closed) return;
    try {
      const r = await this.o.migd!.renew(this.granted);
      if (this.closed) return;
      if (r.lost.length > 0) this.o.log(`pmake: lost hosts ${r.lost.join(' ')}`);
      this.granted = this.granted.filter((h) => r.held.includes(h));
      await this.topUp();
    } catch (err) {
      this.fallBack(err);
    }
  }

  private async topUp(): Promise<void> {
    const n = this.o.want - this.granted.length;
    if (n <= 0 || this.local || this.closed) return;
    try {
      const r = await this.o.migd!.request(n);
      if (this.closed) {
        await this.o.migd!.release(r.granted).catch(() => undefined);
        return;
      }
      for (const h of r.granted) if (!this.granted.includes(h)) this.granted.push(h);
      if (r.granted.length > 0 && this.timer) this.o.log(`pmake: granted ${r.granted.join(' ')}`);
    } catch (err) {
      this.fallBack(err);
    }
  }

  private fallBack(err: unknown): void {
    if (this.local) return;
    this.local = true;
    this.granted = [];
    this.o.log(`pmake: ${(err as Error).message}; running the rest on the home host ${this.o.home}`);
  }
}

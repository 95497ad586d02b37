import type { Subscription } from 'rxjs';
import type { MigrationRecord, ProcInfo } from '@wisp/protocol';
import { clusterEvents, type ClusterEvent, type WispClient } from '@wisp/runtime';

/** The cluster event kinds the dashboard follows (one subscription each: nothing else reaches it). */
export const UI_EVENT_KINDS = ['proc.start', 'proc.exit', 'proc.migrating', 'proc.migrated', 'proc.residual', 'host.up', 'host.down', 'host.evicted'] as const;

/** A host column of the page; `absent` when it holds a lease but did not answer the last survey. */
export interface UiHost {
  id: string;
  clockSkewMs: number;
  absent?: 'slow' | 'unreachable';
}

/** A migration row: the record, when it arrived, and the process's address-space size (bytes) if known. */
export interface UiMigration extends MigrationRecord {
  at: number;
  size: number | null;
}

/** What the page is sent: the whole view (hosts and processes), or one more migration record. */
export type UiMessage =
  | { type: 'hello'; hosts: UiHost[]; procs: ProcInfo[]; migrations: UiMigration[] }
  | { type: 'state'; hosts: UiHost[]; procs: ProcInfo[] }
  | { type: 'migration'; record: UiMigration };

/** How the bridge keeps its view fresh. */
export interface BridgeOptions {
  /** Ms between surveys of every host (`info` and `ps`): states and anything an event cannot tell. */
  resyncMs?: number;
  /** Most ms between an event and the view sent to the pages (changes within it go as one). */
  pushMs?: number;
  /** Migration records kept (the page's table and chart). */
  keep?: number;
}

/** Sizes looked up again after this long, ms (a process may `sys.grow`). */
const SIZE_TTL_MS = 5000;

/**
 * The dashboard's view of a cluster, kept from cluster events as they happen and a periodic survey
 * of the hosts, pushed to every open page. Counts the events it receives (what the page costs).
 */
export class UiBridge {
  private hosts: UiHost[] = [];
  private readonly procs = new Map<string, ProcInfo>();
  /** When an event last placed a process: a survey begun earlier must not undo it. */
  private readonly placedAt = new Map<string, number>();
  private readonly migrations: UiMigration[] = [];
  private readonly sizes = new Map<string, { at: number; size: Promise<number | null> }>();
  private readonly listeners = new Set<(m: UiMessage) => void>();
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pushTimer: NodeJS.Timeout | null = null;
  private surveying = false;
  /** The view last sent, so a survey that changed nothing sends nothing. */
  private lastPushed = '';
  private readonly resyncMs: number;
  private readonly pushMs: number;
  private readonly keep: number;
  /** Cluster events received since start. */
  events = 0;

  constructor(
    private readonly client: WispClient,
    o: BridgeOptions = {},
  ) {
    this.resyncMs = o.resyncMs ?? 2000;
    this.pushMs = o.pushMs ?? 50;
    this.keep = o.keep ?? 500;
  }

  /** Subscribes to the cluster's events and takes a first survey. */
  async start(): Promise<void> {
    this.sub = clusterEvents(this.client.nc, this.client.subjects.cluster, [...UI_EVENT_KINDS]).subscribe((e) => this.onEvent(e));
    await this.client.nc.flush();
    await this.survey();
    this.timer = setInterval(() => void this.survey(), this.resyncMs);
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.listeners.clear();
  }

  /** Calls `fn` with the whole view now and every change after; returns how to stop. */
  listen(fn: (m: UiMessage) => void): () => void {
    fn({ type: 'hello', hosts: this.hosts, procs: this.procList(), migrations: this.migrations });
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Where a process runs, as the bridge last knew. */
  hostOf(pid: string): string | undefined {
    return this.procs.get(pid)?.host;
  }

  private procList(): ProcInfo[] {
    return [...this.procs.values()].filter((p) => p.state !== 'exited');
  }

  private async survey(): Promise<void> {
    if (this.surveying) return;
    this.surveying = true;
    const began = Date.now();
    try {
      const o = { waitMs: 500, leasedWaitMs: 1500 };
      const [h, p] = await Promise.all([this.client.hostsReport(o), this.client.psReport(o)]);
      this.hosts = [
        ...h.hosts.map((x) => ({ id: x.id, clockSkewMs: x.clockSkewMs })),
        ...h.absent.map((a) => ({ id: a.id, clockSkewMs: 0, absent: a.why })),
      ].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
      const seen = new Set<string>();
      for (const row of p.procs) {
        seen.add(row.pid);
        // An event newer than this survey knows better where the process is.
        if ((this.placedAt.get(row.pid) ?? 0) >= began) continue;
        this.procs.set(row.pid, row);
      }
      for (const pid of this.procs.keys()) if (!seen.has(pid) && (this.placedAt.get(pid) ?? 0) < began) this.procs.delete(pid);
      this.schedulePush();
    } catch {
      // The next survey tries again; events keep the view moving meanwhile.
    } finally {
      this.surveying = false;
    }
  }

  private onEvent(e: ClusterEvent): void {
    this.events++;
    const d = e.data;
    const pid = typeof d.pid === 'string' ? d.pid : null;
    const p = pid ? this.procs.get(pid) : undefined;
    switch (e.kind) {
      case 'proc.start':
        if (pid) this.place(pid, { pid, program: String(d.program), home: String(d.home), host: String(d.host ?? e.host), parent: (d.parent as string | null) ?? null, state: 'runnable' });
        break;
      case 'proc.exit':
        if (p) this.place(p.pid, { ...p, state: 'exited', exitCode: Number(d.code) });
        if (pid) this.sizes.delete(pid);
        break;
      case 'proc.migrating':
        if (p) this.place(p.pid, { ...p, state: 'migrating' });
        if (pid) this.sizeOf(pid, e.host);
        break;
      case 'proc.migrated':
        void this.migrated(d as unknown as MigrationRecord, e.at);
        break;
      case 'proc.residual':
        if (p) this.place(p.pid, { ...p, residual: (d.residual as string[] | undefined) ?? [] });
        break;
      default:
        // A host came, went or was evicted: ask every host again now.
        void this.survey();
    }
  }

  private place(pid: string, row: ProcInfo): void {
    this.procs.set(pid, row);
    this.placedAt.set(pid, Date.now());
    this.schedulePush();
  }

  private async migrated(r: MigrationRecord, at: number): Promise<void> {
    const p = this.procs.get(r.pid);
    if (p) {
      const moved = r.outcome === 'committed';
      this.place(r.pid, { ...p, host: moved ? r.to : r.from, state: 'runnable', ...(moved ? { residual: r.residual } : {}) });
    }
    const size = await (this.sizes.get(r.pid)?.size ?? Promise.resolve(null));
    const row: UiMigration = { ...r, at, size };
    this.migrations.push(row);
    if (this.migrations.length > this.keep) this.migrations.splice(0, this.migrations.length - this.keep);
    for (const fn of this.listeners) fn({ type: 'migration', record: row });
  }

  /** The process's address-space size for its migration row, asked of the host it leaves (once per {@link SIZE_TTL_MS}). */
  private sizeOf(pid: string, host: string): void {
    const known = this.sizes.get(pid);
    if (known && Date.now() - known.at < SIZE_TTL_MS) return;
    const size = this.client.detail(pid, host).then(
      (d) => d.memory.bytes,
      () => null,
    );
    this.sizes.set(pid, { at: Date.now(), size });
  }

  private schedulePush(): void {
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      const m: UiMessage = { type: 'state', hosts: this.hosts, procs: this.procList() };
      const text = JSON.stringify(m);
      if (text === this.lastPushed) return;
      this.lastPushed = text;
      for (const fn of this.listeners) fn(m);
    }, this.pushMs);
  }
}

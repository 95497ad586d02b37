import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalCluster } from '@wisp/cli';
import { ErrorCode, MigrationRecord, WispError, type Strategy } from '@wisp/protocol';
import { clusterEvents, type RunHandle } from '@wisp/runtime';

/** A process the bench started and will kill. */
export interface Started {
  run: RunHandle;
  pid: string;
}

/** One migration as the bench saw it. */
export interface Measured {
  rec: MigrationRecord;
  /** From sending `migrate` to its answer, at the client (includes the request's own round trip). */
  clientMs: number;
  /** When the answer came (performance.now()). */
  at: number;
}

/** What came from a lazy source after commit, from its `proc.residual` event. */
export interface Pulled {
  pages: number;
  bytes: number;
  faultPages: number;
  pulledPages: number;
  /** From arrival to the last owed page, ms. */
  ms: number;
}

/**
 * The bench's hands on a local cluster: start a bench program and wait for its `ready`,
 * migrate it (asking the host it is on directly: no `ps` first), read its fault count, wait
 * for a lazy move's pull to end, kill it.
 */
export class MigrateRunner {
  private readonly released = new Map<string, (p: Pulled) => void>();
  private readonly sub;

  constructor(private readonly c: LocalCluster) {
    // Only the event it waits for: every move's other events would wake the bench mid-move.
    this.sub = clusterEvents(c.client.nc, c.cluster, ['proc.residual']).subscribe((e) => {
      const pid = String(e.data.pid);
      this.released.get(pid)?.(e.data as unknown as Pulled);
      this.released.delete(pid);
    });
  }

  /** Starts `program args` at home h1 and waits until it prints `ready`. */
  async start(program: string, args: string[]): Promise<Started> {
    let ready!: () => void;
    let failed!: (e: Error) => void;
    const isReady = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
    const run = await this.c.client.run(program, args, {
      home: 'h1',
      onOutput: (m) => (m.data.includes('ready') ? ready() : m.data.includes('failed') && failed(new Error(`${program} ${args.join(' ')}: ${m.data.trim()}`))),
    });
    void run.exit.then((code) => failed(new Error(`${program} exited ${code} before it was ready`)));
    await isReady;
    return { run, pid: run.pid };
  }

  /**
   * Migrates `pid` from `from` to `to`; throws unless committed. A host refuses (EBUSY) while
   * the process waits for pages (e.g. a fault still in flight as a lazy pull ends), and (EAGAIN)
   * until a process just started has its directory record: asked again.
   */
  async migrate(pid: string, from: string, to: string, strategy: Strategy): Promise<Measured> {
    for (let tries = 1; ; tries++) {
      const t = performance.now();
      let reply: unknown;
      try {
        reply = await this.c.client.request(from, 'migrate', { pid, to, strategy }, 300_000);
      } catch (err) {
        if (err instanceof WispError && (err.code === ErrorCode.EBUSY || err.code === ErrorCode.EAGAIN) && tries < 100) {
          await sleep(10);
          continue;
        }
        throw err;
      }
      return this.committed(MigrationRecord.parse(reply), t, `${pid} ${from}→${to} (${strategy})`);
    }
  }

  private committed(rec: MigrationRecord, t: number, what: string): Measured {
    const at = performance.now();
    if (rec.outcome !== 'committed') throw new Error(`migration of ${what} ${rec.outcome}: ${rec.error?.message}`);
    return { rec, clientMs: at - t, at };
  }

  /** A promise of the `proc.residual` event ending `pid`'s lazy dependency; register before migrating. */
  whenReleased(pid: string, timeoutMs: number): Promise<Pulled | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.released.delete(pid);
        resolve(null);
      }, timeoutMs);
      this.released.set(pid, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
  }

  /** The fault count `wisp ps` shows for `pid`, read `afterMs` after `at` (performance.now()). */
  async faultsAt(pid: string, at: number, afterMs: number): Promise<number | null> {
    await sleep(Math.max(0, at + afterMs - performance.now()));
    const row = (await this.c.client.ps()).find((p) => p.pid === pid);
    return row?.faults ?? null;
  }

  async kill(s: Started): Promise<void> {
    await this.c.client.kill(s.pid, 'KILL');
    await s.run.exit;
    s.run.detach();
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

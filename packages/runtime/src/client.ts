import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import {
  ErrorCode,
  HostInfo,
  MigrationRecord,
  ProcDetail,
  ProcInfo,
  PsReply,
  SpawnReply,
  TtyMessage,
  WispError,
  decode,
  encode,
  homeOf,
  isPid,
  NatsEdge,
  subjects,
  unwrapReply,
  type Strategy,
  type Signal,
  type Subjects,
} from '@wisp/protocol';
import { leasedHosts } from './hostLease.js';
import { ProcessDirectory } from './processDirectory.js';
import { connectNats, type ConnectionLog } from './natsConnect.js';
import { requestFailure } from './natsErrors.js';

/** Characters per `input` request (the schema's limit). */
const INPUT_PIECE = 1 << 16;

/** How long `hosts`/`ps` wait for a host that holds a lease, ms: a busy host is slow, not gone. */
export const LEASED_WAIT_MS = 5000;

/** A host that holds a lease but did not answer: `slow` (no answer in time) or `unreachable` (nobody listens). */
export interface AbsentHost {
  id: string;
  why: 'slow' | 'unreachable';
}

/** How long a survey of the hosts waits. */
export interface SurveyOptions {
  /** Window of the scatter-gather in a cluster whose hosts hold no leases, ms (default 500). */
  waitMs?: number;
  /** How long to wait for each host that holds a lease, ms (default {@link LEASED_WAIT_MS}). */
  leasedWaitMs?: number;
}

/** Console output or exit status of a process started by {@link WispClient.run}. */
export type TtyEvent = TtyMessage;

/** A process started by {@link WispClient.run}. */
export interface RunHandle {
  pid: string;
  host: string;
  home: string;
  /** Resolves with the exit code when the process exits. */
  exit: Promise<number>;
  /** Stops listening to its console (the process goes on). */
  detach(): void;
}

/**
 * A client of a Wisp cluster: what the CLI and tests use to talk to hosts.
 * Every failure is a {@link WispError} with a code.
 */
export class WispClient {
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  private readonly owned: boolean;
  /** Guards the client's own subscriptions (a throwing `onOutput` must not stop the connection's reader). */
  private readonly edge: NatsEdge;
  /** The process directory, opened on first use. */
  private dir: Promise<ProcessDirectory> | undefined;

  private constructor(nc: NatsConnection, cluster: string, owned: boolean) {
    this.nc = nc;
    this.subjects = subjects(cluster);
    this.owned = owned;
    const quiet = () => {};
    this.edge = new NatsEdge(nc, { info: quiet, warn: quiet, error: (o, m) => process.stderr.write(`wisp: ${m} ${JSON.stringify(o)}\n`) });
  }

  /** Connects to the NATS server at `url` (reconnecting forever; `log` hears of outages). */
  static async connect(url: string, cluster = 'default', opts: { log?: ConnectionLog; reconnectWaitMs?: number } = {}): Promise<WispClient> {
    try {
      return new WispClient(await connectNats(url, { name: 'wisp-client', ...opts }), cluster, true);
    } catch (err) {
      throw new WispError(ErrorCode.EHOSTUNREACH, `cannot reach NATS at ${url}: ${(err as Error).message}`);
    }
  }

  /** Wraps an existing connection (not closed by {@link close}). */
  static over(nc: NatsConnection, cluster = 'default'): WispClient {
    return new WispClient(nc, cluster, false);
  }

  /** Sends a request to one host and unwraps the reply. */
  async request(host: string, verb: string, body: unknown = {}, timeoutMs = 5000): Promise<unknown> {
    const subject = this.subjects.host(host, verb);
    try {
      const m = await this.nc.request(subject, encode(body), { timeout: timeoutMs });
      return unwrapReply(decode(m.data));
    } catch (err) {
      if (err instanceof WispError) throw err;
      const e = requestFailure(err, subject);
      throw new WispError(e.code, e.code === ErrorCode.EHOSTUNREACH ? `no host '${host}' in the cluster` : e.message);
    }
  }

  /** Every host that answers (see {@link hostsReport}), sorted by id. */
  async hosts(waitMs = 500): Promise<HostInfo[]> {
    return (await this.hostsReport({ waitMs })).hosts;
  }

  /**
   * Every host, sorted by id, and the hosts that hold a lease but did not answer. Each host that
   * holds a lease is waited for (up to `leasedWaitMs`); in a cluster of hosts without leases
   * (in-process hosts of tests), those that answer a scatter within `waitMs`.
   */
  async hostsReport(o: SurveyOptions = {}): Promise<{ hosts: HostInfo[]; absent: AbsentHost[] }> {
    const r = await this.survey('info', (v) => HostInfo.parse(v), o);
    return { hosts: r.rows.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })), absent: r.absent };
  }

  /** Every process in the cluster (see {@link psReport}). */
  async ps(waitMs = 500): Promise<ProcInfo[]> {
    return (await this.psReport({ waitMs })).procs;
  }

  /**
   * Every process in the cluster — running ones from the host running them, exited ones from
   * home — and the hosts that hold a lease but did not answer (their processes are not listed).
   */
  async psReport(o: SurveyOptions = {}): Promise<{ procs: ProcInfo[]; absent: AbsentHost[] }> {
    const r = await this.survey('ps', (v) => PsReply.parse(v), o);
    const byPid = new Map<string, ProcInfo>();
    for (const reply of r.rows) for (const p of reply.procs) if (!byPid.has(p.pid) || p.state !== 'exited') byPid.set(p.pid, p);
    return { procs: [...byPid.values()].sort((a, b) => a.pid.localeCompare(b.pid, undefined, { numeric: true })), absent: r.absent };
  }

  /**
   * Moves a running process to host `to` (asking the host it runs on) and returns the
   * migration record — `outcome: 'aborted'` (with `error`) when it stayed where it was.
   */
  async migrate(pid: string, to: string, strategy?: Strategy, timeoutMs = 120_000): Promise<MigrationRecord> {
    return MigrationRecord.parse(await this.request(await this.whereIs(pid), 'migrate', { pid, to, ...(strategy ? { strategy } : {}) }, timeoutMs));
  }

  /**
   * The host running `pid`, as the process directory says (the commit point of every move, so
   * no scatter and no deadline: a slow host is found as well as a quick one). A process whose
   * record is not there yet (it is starting) is looked for with `ps`; `ESRCH` when it is not
   * running (it ended, or never was).
   */
  async whereIs(pid: string): Promise<string> {
    if (!isPid(pid)) throw new WispError(ErrorCode.EINVAL, `invalid pid '${pid}' (pids look like h1-7)`);
    const r = await (await this.directory()).get(pid);
    if (r.entry) return r.entry.host;
    // No record yet: a process just started (its host opens the record as it starts) is found by `ps`.
    const where = (await this.ps()).find((p) => p.pid === pid && p.state !== 'exited');
    if (!where) throw new WispError(ErrorCode.ESRCH, `no running process ${pid}`);
    return where.host;
  }

  /** The process directory, opened on first use (opened again after a failed open). */
  private directory(): Promise<ProcessDirectory> {
    this.dir ??= ProcessDirectory.open(this.nc, this.subjects.cluster).catch((err: unknown) => {
      this.dir = undefined;
      throw err;
    });
    return this.dir;
  }

  /**
   * One running process as the dashboard shows it — its machine's outline and active states,
   * memory, residual hosts, open fds — from the host running it (`host`, or found with `ps`).
   */
  async detail(pid: string, host?: string): Promise<ProcDetail> {
    return ProcDetail.parse(await this.request(host ?? (await this.whereIs(pid)), 'detail', { pid }));
  }

  /**
   * Starts `program` with `home` as its home host, running on `on` (exec-time remote
   * creation) when given. Console output is passed to `onOutput` as it arrives. With `stdin`,
   * its console reads wait for {@link input}; without, they read end of file.
   */
  async run(
    program: string,
    args: string[],
    opts: { home: string; on?: string; version?: string; stdin?: boolean; onOutput?: (e: TtyEvent & { kind: 'out' }) => void },
  ): Promise<RunHandle> {
    const tty = createInbox();
    let settle!: (code: number) => void;
    const exit = new Promise<number>((r) => (settle = r));
    let rootPid: string | null = null;
    let earlyExit: number | null = null;
    const sub: Subscription = this.nc.subscribe(tty, {
      callback: this.edge.callback('console', (msg: Msg) => {
        const parsed = TtyMessage.safeParse(safeDecode(msg.data));
        if (!parsed.success) return;
        const m = parsed.data;
        if (m.kind === 'out') opts.onOutput?.(m);
        else if (m.root) {
          // The exit can beat the spawn reply; keep it until we know our pid.
          if (rootPid === null) earlyExit = m.code;
          else if (m.pid === rootPid) settle(m.code);
        }
      }),
    });
    await this.nc.flush();
    let reply: { pid: string; host: string };
    try {
      reply = SpawnReply.parse(
        await this.request(opts.home, 'spawn', { program, args, tty, ...(opts.on ? { on: opts.on } : {}), ...(opts.version ? { version: opts.version } : {}), ...(opts.stdin ? { stdin: true } : {}) }),
      );
    } catch (err) {
      sub.unsubscribe();
      throw err;
    }
    rootPid = reply.pid;
    if (earlyExit !== null) settle(earlyExit);
    void exit.then(() => sub.unsubscribe());
    return { pid: reply.pid, host: reply.host, home: opts.home, exit, detach: () => sub.unsubscribe() };
  }

  /**
   * Console input for `pid` (started with `stdin`), in pieces of at most 64 Ki characters, in order;
   * `close` ends it. Sent to its home, which keeps it until the process reads, wherever it runs.
   */
  async input(pid: string, text: string, close = false): Promise<void> {
    if (!isPid(pid)) throw new WispError(ErrorCode.EINVAL, `invalid pid '${pid}' (pids look like h1-7)`);
    for (let i = 0; i === 0 || i < text.length; i += INPUT_PIECE) {
      const last = i + INPUT_PIECE >= text.length;
      await this.request(homeOf(pid), 'input', { pid, text: text.slice(i, i + INPUT_PIECE), ...(close && last ? { close: true } : {}) });
    }
  }

  /**
   * Sends a signal to a process, via its home host. A home that does not answer proves nothing
   * (DESIGN §5): the process directory says whether the process lives — no record: `ESRCH`;
   * a record: the kill goes to the host it names, which routes it as the home would (see the
   * kernel's `killRouting.ts`); the directory out of reach too: `EAGAIN`.
   */
  async kill(pid: string, signal: Signal = 'TERM'): Promise<void> {
    if (!isPid(pid)) throw new WispError(ErrorCode.EINVAL, `invalid pid '${pid}' (pids look like h1-7)`);
    const home = homeOf(pid);
    try {
      await this.request(home, 'kill', { pid, signal });
      return;
    } catch (err) {
      if (!(err instanceof WispError && err.code === ErrorCode.EHOSTUNREACH)) throw err;
    }
    let host: string | undefined;
    try {
      host = (await (await this.directory()).get(pid)).entry?.host;
    } catch (err) {
      throw new WispError(ErrorCode.EAGAIN, `its home host '${home}' does not answer and the process directory cannot say whether ${pid} lives: ${(err as Error).message}`);
    }
    if (host === undefined) throw new WispError(ErrorCode.ESRCH, `no process ${pid} (its home host '${home}' does not answer and it has no directory record)`);
    try {
      await this.request(host, 'kill', { pid, signal });
    } catch (err) {
      if (err instanceof WispError && err.code === ErrorCode.EHOSTUNREACH) {
        throw new WispError(ErrorCode.EAGAIN, `${pid} runs on '${host}' (process directory), but neither it nor its home host '${home}' answers`);
      }
      throw err;
    }
  }

  /** Sends an event to a process by pid, as a peer would. */
  async send(pid: string, event: { type: string; [k: string]: unknown }, from = 'client'): Promise<void> {
    const subject = this.subjects.proc(pid);
    try {
      unwrapReply(decode((await this.nc.request(subject, encode({ from, event }), { timeout: 5000 })).data));
    } catch (err) {
      if (err instanceof WispError) throw err;
      const e = requestFailure(err, subject);
      throw new WispError(e.code === ErrorCode.EHOSTUNREACH ? ErrorCode.ESRCH : e.code, e.code === ErrorCode.EHOSTUNREACH ? `no process ${pid}` : e.message);
    }
  }

  /** Closes the connection if this client opened it. */
  async close(): Promise<void> {
    this.edge.close();
    if (this.owned) await this.nc.close();
  }

  /** Asks every host holding a lease directly (waiting for each), or, when none does, scatters. */
  private async survey<T>(verb: 'info' | 'ps', parse: (v: unknown) => T, o: SurveyOptions): Promise<{ rows: T[]; absent: AbsentHost[] }> {
    const leased = await leasedHosts(this.nc, this.subjects.cluster).catch(() => []);
    if (leased.length === 0) return { rows: await this.gather(this.subjects.hosts(verb), o.waitMs ?? 500, parse), absent: [] };
    const rows: T[] = [];
    const absent: AbsentHost[] = [];
    await Promise.all(
      leased.map(async (id) => {
        try {
          rows.push(parse(await this.request(id, verb, {}, o.leasedWaitMs ?? LEASED_WAIT_MS)));
        } catch (err) {
          absent.push({ id, why: (err as WispError).code === ErrorCode.ETIMEDOUT ? 'slow' : 'unreachable' });
        }
      }),
    );
    return { rows, absent: absent.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })) };
  }

  private async gather<T>(subject: string, waitMs: number, parse: (v: unknown) => T): Promise<T[]> {
    const out: T[] = [];
    const it = await this.nc.requestMany(subject, encode({}), { strategy: 'stall', stall: Math.min(200, waitMs), maxWait: waitMs });
    try {
      for await (const m of it) {
        try {
          out.push(parse(unwrapReply(decode(m.data))));
        } catch {
          // One host answering badly does not hide the others.
        }
      }
    } catch (err) {
      // No responders: an empty cluster.
      if (requestFailure(err, subject).code !== ErrorCode.EHOSTUNREACH) throw err;
    }
    return out;
  }
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return decode(data);
  } catch {
    return null;
  }
}

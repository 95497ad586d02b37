import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNatsServer, WispClient, type ConnectionLog, type NatsServerHandle } from '@wisp/runtime';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

/** One host running as its own OS process. */
export interface HostProcess {
  id: string;
  child: ChildProcess;
  /** Lines it printed on stdout (its home console), for tests. */
  output: string[];
  /** Lines it printed on stderr (its log), for tests. */
  log: string[];
}

/** How every Wisp process started here runs. */
export interface WispProcessOptions {
  url: string;
  cluster?: string;
  inherit?: boolean;
  logLevel?: string;
  /** Ms between NATS reconnect attempts (`WISP_NATS_RECONNECT_MS`). */
  reconnectWaitMs?: number;
  /** Length of a host's lease on its id, ms (`WISP_HOST_LEASE_MS`; default 5000). */
  hostLeaseMs?: number;
}

/** Options for {@link startHostProcess}. */
export interface HostProcessOptions extends WispProcessOptions {
  id: string;
  skewMs?: number;
  /** Modules of extra programs (`--programs`), absolute paths or relative to our cwd. */
  programs?: readonly string[];
  /** Ms between the host's reports to migd (`--report-ms`). */
  reportMs?: number;
}

/** Starts `wisp host` as a separate OS process. */
export function startHostProcess(o: HostProcessOptions): HostProcess {
  const args = ['host', '--id', o.id];
  if (o.skewMs) args.push('--skew-ms', String(o.skewMs));
  for (const p of o.programs ?? []) args.push('--programs', resolve(p));
  if (o.reportMs) args.push('--report-ms', String(o.reportMs));
  return startWispProcess(o.id, args, o);
}

/** migd's thresholds on its command line. */
export interface MigdProcessOptions extends WispProcessOptions {
  idleMs?: number;
  loadBelow?: number;
  leaseMs?: number;
}

/** Starts `wisp migd` as a separate OS process. */
export function startMigdProcess(o: MigdProcessOptions): HostProcess {
  const args = ['migd'];
  if (o.idleMs !== undefined) args.push('--idle-ms', String(o.idleMs));
  if (o.loadBelow !== undefined) args.push('--load-below', String(o.loadBelow));
  if (o.leaseMs !== undefined) args.push('--lease-ms', String(o.leaseMs));
  return startWispProcess('migd', args, o);
}

/** Resolves once migd answers `status`. */
export async function waitForMigd(client: WispClient, migd: HostProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (migd.child.exitCode !== null) throw new Error(`migd exited with code ${migd.child.exitCode} during start`);
    try {
      await client.nc.request(client.subjects.migd('status'), new TextEncoder().encode('{}'), { timeout: 300 });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`migd not up after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Starts `wisp fileserver` as a separate OS process. */
export function startFileServerProcess(o: WispProcessOptions & { id: string; storage?: string }): HostProcess {
  return startWispProcess(o.id, ['fileserver', '--id', o.id, '--storage', o.storage ?? 'memory'], o);
}

/** Node's arguments that run `wisp <command…>` against the cluster at `url` (as `pnpm wisp` would). */
export function wispArgs(command: string[], o: { url: string; cluster?: string }): string[] {
  return ['--import', tsxLoader, mainPath, ...command, '--nats', o.url, '--cluster', o.cluster ?? 'default'];
}

function startWispProcess(id: string, command: string[], o: WispProcessOptions): HostProcess {
  const args = wispArgs(command, o);
  const env: NodeJS.ProcessEnv = { ...process.env, WISP_LOG_LEVEL: o.logLevel ?? process.env.WISP_LOG_LEVEL ?? 'warn' };
  if (o.reconnectWaitMs) env.WISP_NATS_RECONNECT_MS = String(o.reconnectWaitMs);
  if (o.hostLeaseMs) env.WISP_HOST_LEASE_MS = String(o.hostLeaseMs);
  // `WISP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p"` (or `WISP_CHILD_NODE_ARGS`): Node flags for
  // every process started here (profiling the hosts of a bench; Node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = (process.env.WISP_NODE_ARGS ?? process.env.WISP_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output: string[] = [];
  const log: string[] = [];
  const collect = (into: string[], echo: NodeJS.WriteStream) => {
    let partial = '';
    return (s: string) => {
      if (o.inherit) echo.write(s);
      const lines = (partial + s).split('\n');
      partial = lines.pop()!;
      into.push(...lines);
      // A long-lived process logs without end; keep the recent part.
      if (into === log && log.length > 2000) log.splice(0, log.length - 1000);
    };
  };
  child.stdout!.setEncoding('utf8').on('data', collect(output, process.stdout));
  child.stderr!.setEncoding('utf8').on('data', collect(log, process.stderr));
  return { id, child, output, log };
}

/** A NATS server and hosts as separate OS processes, on this machine. */
export interface LocalCluster {
  url: string;
  cluster: string;
  hosts: HostProcess[];
  /** The file server `fs1`, its own OS process, owning `/`. */
  fileServer: HostProcess;
  /** migd, its own OS process, when started (`migd` option). */
  migd: HostProcess | null;
  client: WispClient;
  /** The embedded server, when this cluster started one. */
  nats: NatsServerHandle | null;
  /** Stops the file server process and starts it again on the same storage (a server restart). */
  restartFileServer(): Promise<void>;
  /** Kills one host process (SIGKILL) and waits for it to die. */
  killHost(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startLocalCluster}. */
export interface LocalClusterOptions {
  hosts?: number;
  /** Join this server instead of starting one. */
  url?: string;
  cluster?: string;
  /** Clock skew per host id, ms. */
  skewMs?: Record<string, number>;
  inherit?: boolean;
  logLevel?: string;
  /** Storage of the file server: `memory` (default), `dir:<path>` or `jetstream`. */
  storage?: string;
  /** Modules of extra programs every host loads (`wisp up --programs`). */
  programs?: readonly string[];
  /** Also start migd as its own OS process (`true`, or its thresholds). */
  migd?: boolean | Omit<MigdProcessOptions, 'url' | 'cluster'>;
  /** Ms between each host's reports to migd (hosts' default: 1000). */
  reportMs?: number;
  /** How long to wait for every host to answer. */
  readyTimeoutMs?: number;
  /** Ms between NATS reconnect attempts of every process and the client (default: `$WISP_NATS_RECONNECT_MS` or 2000). */
  reconnectWaitMs?: number;
  /** Hears of the client's NATS outages. */
  clientLog?: ConnectionLog;
  /** Length of each host's lease on its id, ms (default 5000). */
  hostLeaseMs?: number;
}

/** Starts an embedded `nats-server` (unless `url` is given) and `hosts` host processes h1…hN. */
export async function startLocalCluster(o: LocalClusterOptions = {}): Promise<LocalCluster> {
  const n = o.hosts ?? 3;
  const cluster = o.cluster ?? 'default';
  const nats = o.url ? null : await startNatsServer();
  const url = o.url ?? nats!.url;
  const hosts: HostProcess[] = [];
  let client: WispClient | null = null;
  const common: WispProcessOptions = { url, cluster, inherit: o.inherit, logLevel: o.logLevel, reconnectWaitMs: o.reconnectWaitMs, hostLeaseMs: o.hostLeaseMs };
  const fsOptions = { ...common, id: 'fs1', storage: o.storage };
  let fileServer = startFileServerProcess(fsOptions);
  const migd = o.migd ? startMigdProcess({ ...common, ...(o.migd === true ? {} : o.migd) }) : null;
  const stop = async () => {
    if (migd) await stopChild(migd.child, 'SIGTERM');
    await Promise.all(hosts.map((h) => stopChild(h.child, 'SIGTERM')));
    await stopChild(fileServer.child, 'SIGTERM');
    await client?.close().catch(() => undefined);
    await nats?.stop();
  };
  try {
    for (let i = 1; i <= n; i++) {
      const id = `h${i}`;
      hosts.push(startHostProcess({ ...common, id, skewMs: o.skewMs?.[id], programs: o.programs, reportMs: o.reportMs }));
    }
    client = await WispClient.connect(url, cluster, { log: o.clientLog, reconnectWaitMs: o.reconnectWaitMs });
    await waitForFileServer(client, fileServer, o.readyTimeoutMs ?? 20_000);
    await waitForHosts(client, hosts, o.readyTimeoutMs ?? 20_000);
    if (migd) await waitForMigd(client, migd, o.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const local: LocalCluster = {
    url,
    cluster,
    hosts,
    fileServer,
    migd,
    client,
    nats,
    restartFileServer: async () => {
      await stopChild(fileServer.child, 'SIGTERM');
      fileServer = startFileServerProcess(fsOptions);
      local.fileServer = fileServer;
      await waitForFileServer(client!, fileServer, o.readyTimeoutMs ?? 20_000);
    },
    killHost: async (id) => {
      const h = hosts.find((x) => x.id === id);
      if (h) await stopChild(h.child, 'SIGKILL');
    },
    stop,
  };
  return local;
}

async function waitForFileServer(client: WispClient, fs: HostProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const subject = client.subjects.fs(fs.id, 'stat');
  for (;;) {
    if (fs.child.exitCode !== null) throw new Error(`file server ${fs.id} exited with code ${fs.child.exitCode} during start`);
    try {
      await client.nc.request(subject, new TextEncoder().encode(JSON.stringify({ host: 'wispup', path: '/' })), { timeout: 300 });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`file server ${fs.id} not up after ${timeoutMs} ms`);
      // Not subscribed yet (no responders come back at once): wait a beat before asking again.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function waitForHosts(client: WispClient, hosts: HostProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = hosts.find((h) => h.child.exitCode !== null);
    if (dead) throw new Error(`host ${dead.id} exited with code ${dead.child.exitCode} during start`);
    const up = new Set((await client.hosts(300)).map((h) => h.id));
    if (hosts.every((h) => up.has(h.id))) return;
    if (Date.now() > deadline) throw new Error(`hosts not up after ${timeoutMs} ms: ${hosts.filter((h) => !up.has(h.id)).map((h) => h.id).join(', ')}`);
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

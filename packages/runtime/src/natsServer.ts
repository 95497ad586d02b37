/**
 * Starting and stopping private `nats-server` child processes (for tests, the CLI and benches).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running nats-server child process started by Wisp. */
export interface NatsServerHandle {
  /** Client URL, e.g. `nats://127.0.0.1:41903`. */
  url: string;
  /** Client port picked by the server (random, free). */
  port: number;
  /** Temporary directory holding the JetStream store (and generated config); removed by {@link NatsServerHandle.stop}. */
  storeDir: string;
  /** OS process id of the server (a new one after {@link NatsServerHandle.restart}). */
  pid: number;
  /** SIGTERM the server (SIGKILL after 3 s), wait for it to exit and remove {@link NatsServerHandle.storeDir}. Idempotent. */
  stop(): Promise<void>;
  /** An outage: SIGTERM the server and wait for it to exit, keeping its port and store for {@link NatsServerHandle.restart}. */
  interrupt(): Promise<void>;
  /** Starts the server again on the same port and store (JetStream data persists); interrupts it first if running. */
  restart(): Promise<void>;
}

/** Options for {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream (default `true`). */
  jetstream?: boolean;
  /** Maximum message payload in bytes (server default is 1 MiB). */
  maxPayload?: number;
  /** Run the server with `-D` and echo its log lines to this process's stderr. */
  debug?: boolean;
}

const READY_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 3_000;
const STDERR_KEEP_LINES = 40;

/**
 * Locates the `nats-server` executable on `PATH` (or `/usr/sbin`, `/usr/bin`).
 * @returns Absolute path of the binary.
 * @throws Error explaining how to install it (`pnpm setup`) when it cannot be found.
 */
export function findNatsServerBinary(): string {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  const candidates = [...dirs.map((d) => join(d, 'nats-server')), '/usr/sbin/nats-server', '/usr/bin/nats-server'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(
    'nats-server executable not found on PATH (nor in /usr/sbin or /usr/bin). ' +
      'Run `pnpm setup` to install it, or install it manually (e.g. `apt-get install nats-server`).',
  );
}

/** Children still running; killed synchronously if the parent process exits. */
const live = new Map<ChildProcess, string>();

function killAllOnExit(): void {
  for (const [child, storeDir] of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    try {
      rmSync(storeDir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  live.clear();
}

function track(child: ChildProcess, storeDir: string): void {
  if (live.size === 0) process.on('exit', killAllOnExit);
  live.set(child, storeDir);
}

function untrack(child: ChildProcess): void {
  if (live.delete(child) && live.size === 0) process.off('exit', killAllOnExit);
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, KILL_AFTER_MS))) {
    child.kill('SIGKILL');
    await waitForExit(child, KILL_AFTER_MS);
  }
}

/**
 * Starts a private `nats-server` listening on 127.0.0.1 on a random free port
 * (chosen by the server itself via `-p -1`, so there is no port race), with JetStream
 * storing into a fresh temporary directory and no monitoring port.
 * Resolves once the server logs "Server is ready".
 * @param opts See {@link NatsServerOptions}.
 * @returns A handle; call {@link NatsServerHandle.stop} when done (the child is also killed if this process exits).
 * @throws Error if the binary is missing, the server exits early or is not ready within 10 s (includes its last log lines).
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const storeDir = await mkdtemp(join(tmpdir(), 'wisp-nats-'));
  const args = ['-a', '127.0.0.1'];
  if (opts.jetstream ?? true) args.push('-js', '-sd', storeDir);
  if (opts.debug) args.push('-D');
  if (opts.maxPayload !== undefined) {
    // max_payload has no command-line flag; command-line flags override the config file.
    const configFile = join(storeDir, 'nats-server.conf');
    await writeFile(configFile, `max_payload: ${Math.floor(opts.maxPayload)}\n`);
    args.push('-c', configFile);
  }
  let child: ChildProcess;
  let port: number;
  try {
    ({ child, port } = await launch([...args, '-p', '-1'], storeDir, opts));
  } catch (err) {
    await rm(storeDir, { recursive: true, force: true });
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        await terminate(child);
        untrack(child);
        await rm(storeDir, { recursive: true, force: true });
      })();
      return stopping;
    },
    async interrupt() {
      await terminate(child);
    },
    async restart() {
      if (stopping) throw new Error('nats-server was stopped for good');
      await terminate(child);
      untrack(child);
      ({ child } = await launch([...args, '-p', String(port)], storeDir, opts));
      handle.pid = child.pid!;
    },
  };
  return handle;
}

/** Spawns the server with `args` and resolves once it is ready, with the port it listens on; kills it on failure. */
async function launch(args: string[], storeDir: string, opts: NatsServerOptions): Promise<{ child: ChildProcess; port: number }> {
  const bin = findNatsServerBinary();
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child, storeDir);
  child.on('error', () => {}); // spawn/kill errors are reported via the startup promise / exit state

  const lastLines: string[] = [];
  let partial = '';
  let port: number | undefined;
  let onReady: (() => void) | undefined;
  child.stderr!.setEncoding('utf8');
  // Keep draining stderr for the server's whole life so it never blocks on a full pipe.
  child.stderr!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (opts.debug) process.stderr.write(`[nats-server] ${line}\n`);
      lastLines.push(line);
      if (lastLines.length > STDERR_KEEP_LINES) lastLines.shift();
      const m = /Listening for client connections on \S+:(\d+)/.exec(line);
      if (m) port = Number(m[1]);
      if (line.includes('Server is ready')) onReady?.();
    }
  });

  const describe = (why: string): Error =>
    new Error(`nats-server (${bin} ${args.join(' ')}) ${why}. Last output:\n${[...lastLines, partial].join('\n').trim()}`);

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(describe(`was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        finish(describe(`exited early (${signal ?? `code ${code}`})`));
      const onError = (err: Error): void => finish(describe(`failed to start: ${err.message}`));
      function finish(err?: Error): void {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', onError);
        onReady = undefined;
        if (err) reject(err);
        else resolve();
      }
      onReady = () => finish(port === undefined ? describe('did not report its client port') : undefined);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  } catch (err) {
    await terminate(child);
    untrack(child);
    throw err;
  }
  return { child, port: port! };
}

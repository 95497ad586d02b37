import { ErrorCode, WispError } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';
import { MigdClient } from '@wisp/migd';
import { HostPool } from './hostPool.js';
import { JobGraph } from './jobGraph.js';
import type { Makefile } from './makefile.js';

/** How to run a build. */
export interface PmakeOptions {
  client: WispClient;
  makefile: Makefile;
  /** Targets to make (default: the makefile's first). */
  goals?: string[];
  /** Jobs at once (`-j`), and hosts asked of migd. */
  jobs: number;
  /** Home of every job: its console, its pids. */
  home: string;
  /** Ask migd for hosts (default true); false runs everything at home. */
  useMigd?: boolean;
  /** Name pmake gives migd (default `pmake-<os pid>`). */
  requester?: string;
  /** Ms between lease renewals (default 2000). */
  renewMs?: number;
  /** Creates a directory (and its parents) on the file server: the targets' directories are made first. */
  mkdir?: (path: string) => Promise<void>;
  /** pmake's own messages (default: stderr). */
  log?: (line: string) => void;
  /** Console output of the jobs (default: our stdout/stderr). */
  onOutput?: (target: string, fd: number, data: string) => void;
  /** A job started or ended. */
  onJob?: (e: JobEvent) => void;
  /** How many jobs (targets with commands) the build has, once known. */
  onPlan?: (jobs: number) => void;
}

/** A job started (`code` absent) or ended. */
export interface JobEvent {
  target: string;
  host: string;
  code?: number;
  ms?: number;
}

/** The outcome of a build. */
export interface PmakeResult {
  /** 0, or the exit code of the first job that failed. */
  code: number;
  /** The target that failed, or null. */
  failed: string | null;
  elapsedMs: number;
  /** Every job that ran, in the order they ended. */
  jobs: Required<JobEvent>[];
}

/** Codes of a spawn that failed because of the host, not the program: retried at home. */
const HOST_FAILURES = new Set<string>([ErrorCode.EHOSTUNREACH, ErrorCode.ETIMEDOUT, ErrorCode.EREFUSED]);

/**
 * Runs a build: ready jobs in parallel (up to `jobs`) on hosts granted by migd, each job's
 * commands in order on one host via `WispClient.run` (exec-time remote creation, home = `home`,
 * so output is on the home console). Stops starting jobs at the first failure, waits for the
 * running ones, and returns that job's exit code. Hosts are released at the end.
 */
export async function runPmake(o: PmakeOptions): Promise<PmakeResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = performance.now();
  const graph = new JobGraph(o.makefile, o.goals && o.goals.length > 0 ? o.goals : o.makefile.defaultGoal ? [o.makefile.defaultGoal] : []);
  o.onPlan?.(graph.order.filter((t) => graph.commands(t).length > 0).length);
  if (o.mkdir) {
    const dirs = new Set(graph.order.filter((t) => graph.commands(t).length > 0 && t.lastIndexOf('/') > 0).map((t) => t.slice(0, t.lastIndexOf('/'))));
    for (const d of dirs) await o.mkdir(d);
  }
  const migd = o.useMigd === false ? null : new MigdClient(o.client.nc, o.requester ?? `pmake-${process.pid}`, { cluster: o.client.subjects.cluster });
  const pool = await HostPool.start({ migd, home: o.home, want: o.jobs, renewMs: o.renewMs, log });
  const jobs: Required<JobEvent>[] = [];
  let failed: { target: string; code: number } | null = null;
  let running = 0;
  try {
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        for (let progress = true; progress && !failed; ) {
          progress = false;
          for (const t of graph.ready()) {
            if (graph.commands(t).length === 0) {
              // A target that only groups others is made once they are.
              graph.start(t);
              graph.finish(t, true);
              progress = true;
              continue;
            }
            if (running >= o.jobs) break;
            graph.start(t);
            running++;
            void runJob(t).then((code) => {
              running--;
              graph.finish(t, code === 0);
              if (code !== 0 && !failed) {
                failed = { target: t, code };
                log(`pmake: *** [${t}] Error ${code}${running > 0 ? `; waiting for ${running} unfinished job(s)` : ''}`);
              }
              pump();
            });
          }
        }
        if (running === 0) resolve();
      };
      pump();
    });
  } finally {
    await pool.close();
  }

  async function runJob(target: string): Promise<number> {
    let host = pool.acquire();
    const t0 = performance.now();
    o.onJob?.({ target, host });
    let code = 0;
    for (const [program, ...args] of graph.commands(target)) {
      log(`pmake: [${host}] ${[program, ...args].join(' ')}`);
      try {
        code = await runOn(host, program!, args, target);
      } catch (err) {
        if (host !== o.home && err instanceof WispError && HOST_FAILURES.has(err.code)) {
          log(`pmake: ${host} refused ${target} (${err.message}); running it at home`);
          pool.done(host);
          pool.drop(host);
          host = o.home;
          pool.take(host);
          code = await runOn(host, program!, args, target).catch((e: unknown) => failure(e));
        } else {
          code = failure(err);
        }
      }
      if (code !== 0) break;
    }
    pool.done(host);
    const ms = Math.round(performance.now() - t0);
    jobs.push({ target, host, code, ms });
    o.onJob?.({ target, host, code, ms });
    return code;
  }

  async function runOn(host: string, program: string, args: string[], target: string): Promise<number> {
    const onOutput = o.onOutput ?? ((_t: string, fd: number, data: string) => (fd === 2 ? process.stderr : process.stdout).write(data));
    const run = await o.client.run(program, args, { home: o.home, ...(host !== o.home ? { on: host } : {}), onOutput: (m) => onOutput(target, m.fd, m.data) });
    return run.exit;
  }

  function failure(err: unknown): number {
    log(`pmake: ${(err as Error).message}${err instanceof WispError ? ` (${err.code})` : ''}`);
    return 127;
  }

  const f = failed as { target: string; code: number } | null;
  return { code: f?.code ?? 0, failed: f?.target ?? null, elapsedMs: Math.round(performance.now() - started), jobs };
}

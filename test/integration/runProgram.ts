import type { WispClient } from '@wisp/runtime';

/** Runs a program to its end and returns its exit code and console output. */
export async function runToEnd(
  client: WispClient,
  program: string,
  args: string[],
  o: { home: string; on?: string },
): Promise<{ pid: string; code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const run = await client.run(program, args, { ...o, onOutput: (m) => (m.fd === 2 ? (stderr += m.data) : (stdout += m.data)) });
  const code = await run.exit;
  return { pid: run.pid, code, stdout, stderr };
}

/** Resolves once `predicate` holds for the lines a host printed, polling on its output events. */
export function waitForLine(lines: string[], predicate: (l: string) => boolean, child: NodeJS.EventEmitter & { stdout: NodeJS.ReadableStream | null }, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = lines.find(predicate);
      if (hit !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(hit);
        return true;
      }
      return false;
    };
    // Our listener is registered after the collector, so the line is already in `lines`.
    const onData = () => void check();
    const timer = setTimeout(() => {
      child.stdout?.off('data', onData);
      reject(new Error(`no matching line in ${timeoutMs} ms; got:\n${lines.join('\n')}`));
    }, timeoutMs);
    if (!check()) child.stdout?.on('data', onData);
  });
}

/** A running program whose stdout is read line by line, for tests that drive it by messages. */
export interface LineRun {
  pid: string;
  /** The next stdout line (waits for it; fails after `timeoutMs`). */
  next(timeoutMs?: number): Promise<string>;
  exit: Promise<number>;
  /** Everything printed on stderr so far. */
  stderr(): string;
}

/** Starts a program and queues its stdout lines. */
export async function startLines(client: WispClient, program: string, args: string[], o: { home: string; on?: string }): Promise<LineRun> {
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let partial = '';
  let err = '';
  const run = await client.run(program, args, {
    ...o,
    onOutput: (m) => {
      if (m.fd === 2) return void (err += m.data);
      const parts = (partial + m.data).split('\n');
      partial = parts.pop()!;
      for (const l of parts) {
        const w = waiters.shift();
        if (w) w(l);
        else lines.push(l);
      }
    },
  });
  return {
    pid: run.pid,
    exit: run.exit,
    stderr: () => err,
    next: (timeoutMs = 10_000) => {
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      return new Promise((resolve, reject) => {
        const waiter = (line: string) => {
          clearTimeout(t);
          resolve(line);
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${program} ${run.pid}: no line in ${timeoutMs} ms (stderr: ${err})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}

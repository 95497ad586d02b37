import { MigdClient } from '@wisp/migd';
import type { WispClient } from '@wisp/runtime';
import { runCommand } from './run.js';

/**
 * `wisp run --anywhere`: asks migd for one idle host and runs the program there (exec-time
 * migration: created on the target, its home the given or first host), releasing the host when
 * the program exits. When migd is unreachable or grants nothing, runs locally and says so.
 */
export async function anywhereCommand(client: WispClient, program: string, args: string[], o: { home?: string }): Promise<number> {
  const migd = new MigdClient(client.nc, `run-${process.pid}`, { cluster: client.subjects.cluster });
  let on: string | undefined;
  try {
    on = (await migd.request(1)).granted[0];
    if (!on) process.stderr.write('wisp: migd has no idle host; running locally\n');
  } catch (err) {
    process.stderr.write(`wisp: ${(err as Error).message}; running locally\n`);
  }
  if (on) process.stderr.write(`wisp: running on idle host ${on}\n`);
  // The grant is a lease: keep it while the program runs.
  const renew = on ? setInterval(() => void migd.renew([on]).catch(() => undefined), 5000).unref() : null;
  try {
    return await runCommand(client, program, args, { on, home: o.home });
  } finally {
    if (renew) clearInterval(renew);
    if (on) await migd.release([on]).catch(() => undefined);
  }
}

import type { WispClient } from '@wisp/runtime';
import { table } from '../format.js';

/** `wisp ps`. */
export async function psCommand(client: WispClient): Promise<string> {
  const procs = await client.ps();
  return table(
    ['PID', 'PROGRAM', 'HOME', 'HOST', 'STATE', 'RESIDUAL'],
    procs.map((p) => [p.pid, p.program, p.home, p.host, p.state === 'exited' ? `exited(${p.exitCode ?? 0})` : p.state, p.residual?.join(',') ?? '-']),
  );
}

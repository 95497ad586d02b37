import type { WispClient } from '@wisp/runtime';
import { table } from '../format.js';
import { absentLines } from './hosts.js';

/** `wisp ps`; hosts that hold a lease but did not answer are named after the table, their processes unlisted. */
export async function psCommand(client: WispClient): Promise<string> {
  const { procs, absent } = await client.psReport();
  const out = table(
    ['PID', 'PROGRAM', 'HOME', 'HOST', 'STATE', 'RESIDUAL'],
    procs.map((p) => [p.pid, p.program, p.home, p.host, p.state === 'exited' ? `exited(${p.exitCode ?? 0})` : p.state, p.residual?.join(',') ?? '-']),
  );
  return absent.length === 0 ? out : `${out}processes on ${absent.map((a) => a.id).join(', ')} are not listed:\n${absentLines(absent)}`;
}

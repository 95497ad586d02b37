import type { WispClient } from '@wisp/runtime';
import { table } from '../format.js';

/** `wisp hosts`. */
export async function hostsCommand(client: WispClient): Promise<string> {
  const hosts = await client.hosts();
  if (hosts.length === 0) return 'no hosts answer\n';
  const now = Date.now();
  return table(
    ['HOST', 'PROCS', 'FOREIGN', 'CLOCK SKEW', 'UP', 'OS PID', 'PROGRAMS'],
    hosts.map((h) => [
      h.id,
      String(h.procs),
      String(h.foreign),
      `${h.clockSkewMs >= 0 ? '+' : ''}${h.clockSkewMs} ms`,
      `${Math.round((now + h.clockSkewMs - h.startedAt) / 1000)} s`,
      String(h.osPid),
      String(h.programs.length),
    ]),
  );
}

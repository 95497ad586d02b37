import { MigdClient } from '@wisp/migd';
import type { MigdStatusReply } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';
import { table } from '../format.js';

/** `wisp hosts`: every host, with migd's view of it — owner idle or active, idle time, load, foreign processes, grant holder. */
export async function hostsCommand(client: WispClient): Promise<string> {
  const [hosts, status] = await Promise.all([client.hosts(), migdStatus(client)]);
  if (hosts.length === 0) return 'no hosts answer\n';
  const now = Date.now();
  const view = new Map((status?.hosts ?? []).map((h) => [h.host, h]));
  const out = table(
    ['HOST', 'OWNER', 'IDLE', 'LOAD', 'FOREIGN', 'GRANTED TO', 'PROCS', 'CLOCK SKEW', 'UP', 'OS PID', 'PROGRAMS'],
    hosts.map((h) => {
      const v = view.get(h.id);
      return [
        h.id,
        v ? (v.ownerIdle ? 'idle' : 'active') : '-',
        v ? `${(v.idleMs / 1000).toFixed(1)} s` : '-',
        v ? String(v.load) : '-',
        v ? (v.foreign.length > 0 ? v.foreign.join(',') : '0') : String(h.foreign),
        v?.grantedTo ?? '-',
        String(h.procs),
        `${h.clockSkewMs >= 0 ? '+' : ''}${h.clockSkewMs} ms`,
        `${Math.round((now + h.clockSkewMs - h.startedAt) / 1000)} s`,
        String(h.osPid),
        String(h.programs.length),
      ];
    }),
  );
  return status ? out : `${out}migd is not running: owner and grant columns unknown\n`;
}

async function migdStatus(client: WispClient): Promise<MigdStatusReply | null> {
  try {
    return await new MigdClient(client.nc, `hosts-${process.pid}`, { cluster: client.subjects.cluster, timeoutMs: 500 }).status();
  } catch {
    return null;
  }
}

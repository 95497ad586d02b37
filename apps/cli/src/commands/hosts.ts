import { MigdClient } from '@wisp/migd';
import type { MigdStatusReply } from '@wisp/protocol';
import { LEASED_WAIT_MS, type AbsentHost, type WispClient } from '@wisp/runtime';
import { table } from '../format.js';

/** `wisp hosts`: every host, with migd's view of it — owner idle or active, idle time, load, foreign processes, grant holder. */
export async function hostsCommand(client: WispClient): Promise<string> {
  const [{ hosts, absent }, status] = await Promise.all([client.hostsReport(), migdStatus(client)]);
  if (hosts.length === 0 && absent.length === 0) return 'no hosts answer\n';
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
  return `${out}${absentLines(absent)}${status ? '' : 'migd is not running: owner and grant columns unknown\n'}`;
}

/** One line per host that holds a lease but did not answer: listed, not dropped. */
export function absentLines(absent: AbsentHost[]): string {
  return absent
    .map((a) => (a.why === 'slow' ? `${a.id} slow: holds its lease but did not answer within ${LEASED_WAIT_MS / 1000} s\n` : `${a.id} unreachable: holds its lease but nobody answers for it\n`))
    .join('');
}

/** migd's view of the hosts, or null when migd does not answer within 500 ms. */
export async function migdStatus(client: WispClient): Promise<MigdStatusReply | null> {
  try {
    return await new MigdClient(client.nc, `wisp-${process.pid}`, { cluster: client.subjects.cluster, timeoutMs: 500 }).status();
  } catch {
    return null;
  }
}

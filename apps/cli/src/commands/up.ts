import { clusterEvents } from '@wisp/runtime';
import { removeClusterFile, writeClusterFile } from '../clusterFile.js';
import { stderrLog } from '../connect.js';
import { startLocalCluster } from '../localCluster.js';

/** `wisp up`: a local cluster in the foreground, showing cluster events until Ctrl-C. */
export async function upCommand(o: { hosts: number; url?: string; cluster: string; skewMs: Record<string, number>; storage: string; programs: string[]; migd: { idleAfterMs: number; loadBelow: number; leaseMs: number }; reportMs: number }): Promise<void> {
  const migd = { idleMs: o.migd.idleAfterMs, loadBelow: o.migd.loadBelow, leaseMs: o.migd.leaseMs };
  const c = await startLocalCluster({ hosts: o.hosts, url: o.url, cluster: o.cluster, skewMs: o.skewMs, storage: o.storage, programs: o.programs, inherit: true, migd, reportMs: o.reportMs, clientLog: stderrLog });
  writeClusterFile({ url: c.url, cluster: c.cluster, hosts: c.hosts.map((h) => h.id), upPid: process.pid });
  process.stdout.write(
    `wisp: cluster '${c.cluster}' up — nats ${c.url}${c.nats ? ' (embedded)' : ''}, file server fs1 (${o.storage}), migd (idle after ${o.migd.idleAfterMs / 1000} s), hosts ${c.hosts.map((h) => h.id).join(' ')}\n` +
      `wisp: in another terminal try: pnpm wisp run counter --on h2   (Ctrl-C here stops the cluster)\n`,
  );
  const sub = clusterEvents(c.client.nc, c.cluster).subscribe((e) => {
    const d = e.data;
    const what = [d.pid, d.program, d.code !== undefined ? `code ${String(d.code)}` : '', d.signal, d.holder, d.reason, d.downMs !== undefined ? `NATS was down ${String(d.downMs)} ms` : ''].filter(Boolean).join(' ');
    process.stdout.write(`  event ${e.kind.padEnd(12)} ${e.host.padEnd(4)} ${what}\n`);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    for (const h of c.hosts) h.child.once('exit', (code) => process.stderr.write(`wisp: host ${h.id} exited (${code})\n`));
  });
  sub.unsubscribe();
  process.stdout.write('wisp: stopping cluster\n');
  removeClusterFile(c.cluster);
  await c.stop();
}

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { startLocalCluster, wispArgs } from '@wisp/cli';
import { clusterEvents } from '@wisp/runtime';
import { UI_EVENT_KINDS } from '../apps/cli/src/ui/bridge.js';
import { round } from './stats.js';

/** Migrations per second asked for while the bridge is measured. */
const RATE = 10;
/** Length of each measured window, ms. */
const WINDOW_MS = 10_000;

/** CPU time (user + system) an OS process has used, ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (ticks * 1000) / hz;
}

/**
 * What the dashboard costs the cluster: `wisp ui` as its own OS process with one page's event
 * stream open (an SSE reader), on a cluster of 3 host processes, first idle, then while null
 * processes are moved ~10 times a second. Reports the cluster events per second the bridge
 * subscribes to (counted by a subscriber to the same kinds), all cluster events per second,
 * the messages per second sent to the page, and the bridge's CPU in each window.
 */
export async function uiBench(): Promise<Record<string, unknown>> {
  const c = await startLocalCluster({ hosts: 3, cluster: 'benchui' });
  const ui = spawn(process.execPath, wispArgs(['ui', '--port', '0'], c), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      ui.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      ui.once('exit', (code) => reject(new Error(`wisp ui exited (${code})`)));
    });
    let sse = 0;
    const stream = get(`${url}api/events`, (res) => res.setEncoding('utf8').on('data', (d: string) => (sse += d.split('data: ').length - 1)));
    let subscribed = 0;
    let all = 0;
    const s1 = clusterEvents(c.client.nc, c.cluster, [...UI_EVENT_KINDS]).subscribe(() => subscribed++);
    const s2 = clusterEvents(c.client.nc, c.cluster).subscribe(() => all++);
    const procs = await Promise.all(['h1', 'h2', 'h3', 'h1'].map((home) => c.client.run('sleeper', ['600000'], { home })));
    const at = new Map(procs.map((p) => [p.pid, p.host]));
    const window = async (moving: boolean) => {
      const counts = { sse, subscribed, all };
      const cpu0 = cpuMs(ui.pid!);
      const t0 = performance.now();
      let moves = 0;
      for (let i = 0; performance.now() - t0 < WINDOW_MS; i++) {
        const due = t0 + (i * 1000) / RATE;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        if (!moving) continue;
        const p = procs[i % procs.length]!;
        const hosts = ['h1', 'h2', 'h3'];
        const to = hosts[(hosts.indexOf(at.get(p.pid)!) + 1) % hosts.length]!;
        const rec = await c.client.migrate(p.pid, to, 'flush');
        if (rec.outcome === 'committed') (at.set(p.pid, to), moves++);
      }
      const s = (performance.now() - t0) / 1000;
      return {
        seconds: round(s, 2),
        migrationsPerSec: round(moves / s, 1),
        subscribedEventsPerSec: round((subscribed - counts.subscribed) / s, 1),
        allClusterEventsPerSec: round((all - counts.all) / s, 1),
        pageMessagesPerSec: round((sse - counts.sse) / s, 1),
        bridgeCpuPct: round(((cpuMs(ui.pid!) - cpu0) / (s * 1000)) * 100, 2),
      };
    };
    const idle = await window(false);
    process.stdout.write(`  idle:   ${JSON.stringify(idle)}\n`);
    const moving = await window(true);
    process.stdout.write(`  moving: ${JSON.stringify(moving)}\n`);
    s1.unsubscribe();
    s2.unsubscribe();
    stream.destroy();
    for (const p of procs) await c.client.kill(p.pid, 'KILL');
    // The bridge's own survey: `info` and `ps` to each host every 2 s (each after a KV lease listing).
    return { hosts: 3, surveyRequestsPerSec: 3, idle, moving };
  } finally {
    ui.kill('SIGTERM');
    await c.stop();
  }
}

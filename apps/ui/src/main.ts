import type { ProcInfo } from '@wisp/protocol';
import type { UiHost, UiMessage } from '../../cli/src/ui/bridge.js';
import { DetailView } from './detail.js';
import { HostsView } from './hosts.js';
import { MigrationsView } from './migrations.js';
import './style.css';

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;

let hosts: UiHost[] = [];
let procs: ProcInfo[] = [];
const detail = new DetailView($('#detail'));
const hostsView = new HostsView($('#hosts'), (pid) => {
  detail.select(pid);
  draw();
});
const migrations = new MigrationsView($<HTMLTableElement>('#migrations').tBodies[0]!, $('#chart'));
const conn = $<HTMLElement>('#conn');

function draw(): void {
  hostsView.render(hosts, procs, detail.selected);
  detail.setHosts(hosts.filter((h) => !h.absent).map((h) => h.id));
}

// The cluster's view, pushed by `wisp ui` as Server-Sent Events (the browser reconnects by itself).
const source = new EventSource('api/events');
source.onopen = () => ((conn.textContent = 'live'), conn.classList.add('up'));
source.onerror = () => ((conn.textContent = 'reconnecting…'), conn.classList.remove('up'));
source.onmessage = (e: MessageEvent<string>) => {
  const m = JSON.parse(e.data) as UiMessage;
  if (m.type === 'migration') return migrations.add([m.record]);
  const moved = procs.find((p) => p.pid === detail.selected)?.host;
  hosts = m.hosts;
  procs = m.procs;
  if (m.type === 'hello') migrations.add(m.migrations, true);
  draw();
  if (detail.selected && procs.find((p) => p.pid === detail.selected)?.host !== moved) void detail.refresh();
};

import type { HostReport, MigdStatusReply, MigrationRecord, ProcInfo } from '@wisp/protocol';
import type { ClusterEvent } from '@wisp/runtime';
import { formatBytes } from '../format.js';

/**
 * `wisp top`'s view model, pure: the cluster as its event stream and the hosts' periodic reports
 * tell it, and the rows the screen shows. No I/O and no clock: time arrives as `now` params, so
 * a test feeds events and reads rows.
 */

/** One host as `wisp top` knows it. */
export interface TopHost {
  id: string;
  /** Ms since its owner's last input, as of `reportedAt` (null until a report or migd said). */
  idleMs: number | null;
  reportedAt: number;
  load: number | null;
  foreign: string[];
  /** Who holds a migd grant on it. */
  grantedTo: string | null;
  up: boolean;
}

/** One process as `wisp top` knows it. */
export interface TopProc {
  pid: string;
  program: string;
  home: string;
  host: string;
  state: string;
  residual: string[];
}

/** A line of the scrolling event list. */
export interface TopEventLine {
  at: number;
  text: string;
}

/** Columns the process table can be sorted by (`s` cycles them). */
export const SORT_COLUMNS = ['pid', 'program', 'home', 'host', 'state'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

/** The whole view: what is known, and how the user asked to see it. */
export interface TopState {
  hosts: Map<string, TopHost>;
  procs: Map<string, TopProc>;
  /** Newest last, at most {@link MAX_MIGRATIONS}. */
  migrations: MigrationRecord[];
  /** Newest last, at most {@link MAX_EVENTS}. */
  events: TopEventLine[];
  /** migd's idle threshold (owner idle after this many ms without input). */
  idleAfterMs: number;
  sort: SortColumn;
  /** Show only processes on (or hosts named) this host; null: all. */
  hostFilter: string | null;
  /** Events and reports taken in, for the cost figure shown in the footer. */
  received: number;
}

export const MAX_MIGRATIONS = 8;
export const MAX_EVENTS = 200;

/** What `wisp top` learns once at start (one `ps`, one `hosts`, one migd status), before the stream takes over. */
export interface TopSnapshot {
  hosts: string[];
  procs: ProcInfo[];
  migd: MigdStatusReply | null;
  now: number;
}

/** The view from the start-up snapshot. */
export function initialTop(s: TopSnapshot): TopState {
  const hosts = new Map<string, TopHost>();
  for (const id of s.hosts) hosts.set(id, emptyHost(id));
  for (const v of s.migd?.hosts ?? []) {
    hosts.set(v.host, { ...(hosts.get(v.host) ?? emptyHost(v.host)), idleMs: v.idleMs, reportedAt: s.now - v.reportAgeMs, load: v.load, foreign: v.foreign, grantedTo: v.grantedTo });
  }
  const procs = new Map<string, TopProc>();
  for (const p of s.procs) {
    procs.set(p.pid, { pid: p.pid, program: p.program, home: p.home, host: p.host, state: p.state === 'exited' ? `exited(${p.exitCode ?? 0})` : p.state, residual: p.residual ?? [] });
  }
  return { hosts, procs, migrations: [], events: [], idleAfterMs: s.migd?.config.idleAfterMs ?? 30_000, sort: 'pid', hostFilter: null, received: 0 };
}

function emptyHost(id: string): TopHost {
  return { id, idleMs: null, reportedAt: 0, load: null, foreign: [], grantedTo: null, up: true };
}

/** A host's periodic report (`migd.report`): idle time, load, foreign processes. */
export function applyReport(s: TopState, r: HostReport, now: number): TopState {
  const h = s.hosts.get(r.host) ?? emptyHost(r.host);
  const hosts = new Map(s.hosts).set(r.host, { ...h, idleMs: r.idleMs, reportedAt: now, load: r.load, foreign: r.foreign, up: true });
  return { ...s, hosts, received: s.received + 1 };
}

/** One cluster event. Unknown kinds are listed, and change nothing else. */
export function applyEvent(s: TopState, e: ClusterEvent): TopState {
  const d = e.data;
  const pid = typeof d.pid === 'string' ? d.pid : '';
  let procs = s.procs;
  let hosts = s.hosts;
  let migrations = s.migrations;
  const setProc = (p: Partial<TopProc> & { pid: string }) => {
    const old = procs.get(p.pid) ?? { pid: p.pid, program: '?', home: p.pid.split('-')[0] ?? '?', host: e.host, state: 'running', residual: [] };
    procs = new Map(procs).set(p.pid, { ...old, ...p });
  };
  const setHost = (id: string, h: Partial<TopHost>) => {
    hosts = new Map(hosts).set(id, { ...(hosts.get(id) ?? emptyHost(id)), ...h });
  };
  switch (e.kind) {
    case 'proc.start':
      setProc({ pid, program: String(d.program), home: String(d.home), host: String(d.host), state: 'running', residual: [] });
      break;
    case 'proc.exit':
      setProc({ pid, state: `exited(${Number(d.code)})` });
      break;
    case 'proc.migrating':
      if (procs.has(pid)) setProc({ pid, state: 'migrating' });
      break;
    case 'proc.moving':
      // Progress goes in the state column; the event list keeps the start and the end of a move.
      if (procs.has(pid) && Number(d.totalPages) > 0) setProc({ pid, state: `migrating ${Math.floor((Number(d.pages) * 100) / Number(d.totalPages))}%` });
      return { ...s, procs, received: s.received + 1 };
    case 'proc.migrated': {
      const r = d as unknown as MigrationRecord;
      migrations = [...migrations, r].slice(-MAX_MIGRATIONS);
      if (r.outcome === 'committed') setProc({ pid, host: r.to, state: 'running', residual: r.residual });
      else if (procs.has(pid)) setProc({ pid, state: 'running' });
      break;
    }
    case 'proc.residual':
      if (procs.has(pid)) setProc({ pid, residual: Array.isArray(d.residual) ? (d.residual as string[]) : [] });
      break;
    case 'host.up':
      setHost(e.host, { up: true });
      break;
    case 'host.down':
      setHost(e.host, { up: false, load: null });
      procs = new Map([...procs].filter(([, p]) => p.host !== e.host));
      break;
    case 'migd.grant':
      setHost(e.host, { grantedTo: String(d.holder) });
      break;
    case 'migd.release':
    case 'migd.reclaim':
      setHost(e.host, { grantedTo: null });
      break;
  }
  // Exited processes are reaped by their parents; keep only the most recent few in view.
  procs = pruneExited(procs);
  const events = [...s.events, { at: e.at, text: describeEvent(e) }].slice(-MAX_EVENTS);
  return { ...s, procs, hosts, migrations, events, received: s.received + 1 };
}

const MAX_EXITED = 5;

function pruneExited(procs: Map<string, TopProc>): Map<string, TopProc> {
  const exited = [...procs.values()].filter((p) => p.state.startsWith('exited'));
  if (exited.length <= MAX_EXITED) return procs;
  const drop = new Set(exited.slice(0, exited.length - MAX_EXITED).map((p) => p.pid));
  return new Map([...procs].filter(([pid]) => !drop.has(pid)));
}

/** One line for the event list. */
export function describeEvent(e: ClusterEvent): string {
  const d = e.data;
  switch (e.kind) {
    case 'proc.start':
      return `${e.host} ${d.pid} started ${d.program} (home ${d.home})`;
    case 'proc.exit':
      return `${e.host} ${d.pid} exited ${d.code}`;
    case 'proc.migrating':
      return `${e.host} ${d.pid} → ${d.to} (${d.strategy}) starting`;
    case 'proc.migrated':
      return `${e.host} ${d.pid} ${d.from} → ${d.to} (${d.strategy}) ${d.outcome}, freeze ${d.freezeMs} ms`;
    case 'migd.grant':
    case 'migd.release':
    case 'migd.reclaim':
      return `migd ${e.kind.slice(5)} ${e.host} ${d.holder}${d.reason ? ` (${d.reason})` : ''}`;
    default: {
      const fields = Object.entries(d)
        .filter(([, v]) => v === null || typeof v !== 'object')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${e.host} ${e.kind}${fields ? ` ${fields}` : ''}`;
    }
  }
}

/** What a key press does to the view: `s` next sort column, `h` next host filter, `1`–`9` that host, `0`/`a` all. Null: not a view key. */
export function pressKey(s: TopState, key: string): TopState | null {
  const ids = hostIds(s);
  if (key === 's') return { ...s, sort: SORT_COLUMNS[(SORT_COLUMNS.indexOf(s.sort) + 1) % SORT_COLUMNS.length]! };
  if (key === 'h') {
    const i = s.hostFilter === null ? -1 : ids.indexOf(s.hostFilter);
    return { ...s, hostFilter: i + 1 < ids.length ? ids[i + 1]! : null };
  }
  if (key === '0' || key === 'a') return { ...s, hostFilter: null };
  if (/^[1-9]$/.test(key)) {
    const id = ids[Number(key) - 1];
    return id ? { ...s, hostFilter: id } : s;
  }
  return null;
}

function hostIds(s: TopState): string[] {
  return [...s.hosts.keys()].sort(byNatural);
}

/** `h2` before `h10`. */
function byNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The tables and lists the screen shows, as text cells. */
export interface TopRows {
  hosts: string[][];
  procs: string[][];
  migrations: string[][];
  events: string[];
  /** What the view shows: sort column and host filter. */
  status: string;
}

export const HOST_HEADER = ['HOST', 'OWNER', 'IDLE', 'LOAD', 'FOREIGN', 'GRANTED TO'];
export const PROC_HEADER = ['PID', 'PROGRAM', 'HOME', 'HOST', 'STATE', 'RESIDUAL'];
export const MIGRATION_HEADER = ['PID', 'FROM', 'TO', 'STRATEGY', 'OUTCOME', 'FREEZE', 'TOTAL', 'MOVED'];

/** The rows of the view at `now`, sorted and filtered as the user asked. */
export function topRows(s: TopState, now: number): TopRows {
  const f = s.hostFilter;
  const hosts = hostIds(s)
    .filter((id) => f === null || id === f)
    .map((id) => {
      const h = s.hosts.get(id)!;
      if (!h.up) return [id, 'down', '-', '-', '-', '-'];
      const idle = h.idleMs === null ? null : h.idleMs + Math.max(0, now - h.reportedAt);
      return [id, idle === null ? '-' : idle >= s.idleAfterMs ? 'idle' : 'active', idle === null ? '-' : `${(idle / 1000).toFixed(1)} s`, h.load === null ? '-' : String(h.load), h.foreign.length > 0 ? h.foreign.join(',') : '0', h.grantedTo ?? '-'];
    });
  const key = s.sort;
  const procs = [...s.procs.values()]
    .filter((p) => f === null || p.host === f || p.home === f)
    .sort((a, b) => byNatural(a[key], b[key]) || byNatural(a.pid, b.pid))
    .map((p) => [p.pid, p.program, p.home, p.host, p.state, p.residual.length > 0 ? p.residual.join(',') : '-']);
  const migrations = s.migrations
    .filter((m) => f === null || m.from === f || m.to === f)
    .slice()
    .reverse()
    .map((m) => [m.pid, m.from, m.to, m.strategy, m.outcome, `${m.freezeMs} ms`, `${m.totalMs} ms`, `${m.pages} pages ${formatBytes(m.bytes)}`]);
  const events = s.events.map((e) => `${new Date(e.at).toISOString().slice(11, 23)} ${e.text}`);
  return { hosts, procs, migrations, events, status: `sort: ${s.sort}  host: ${f ?? 'all'}` };
}

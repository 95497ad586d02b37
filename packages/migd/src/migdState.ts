import type { HostReport, MigdHostView, ReclaimReason } from '@wisp/protocol';

/** When migd counts a host idle, and how long its records live. */
export interface MigdConfig {
  /** A host's owner is idle after this long without input, ms (default 30 s). */
  idleAfterMs: number;
  /** A host is idle only while its load is below this (default 1: nothing runnable). */
  loadBelow: number;
  /** A host that has not reported for this long is forgotten, ms (default 5 s). */
  staleAfterMs: number;
  /** A grant not renewed for this long ends, ms (default 30 s): a crashed requester frees its hosts. */
  leaseMs: number;
}

/** The defaults of {@link MigdConfig}. */
export const DEFAULT_MIGD_CONFIG: MigdConfig = { idleAfterMs: 30_000, loadBelow: 1, staleAfterMs: 5_000, leaseMs: 30_000 };

/** What migd knows of one host, from its last report (times on migd's clock). */
export interface HostEntry {
  host: string;
  lastInputAt: number;
  load: number;
  foreign: string[];
  reportedAt: number;
}

/** A host granted to a requester. */
export interface Grant {
  holder: string;
  grantedAt: number;
  renewedAt: number;
  /** Grant order, to take back the most recent first. */
  seq: number;
}

/** migd's whole view: plain data, so it is a serializable machine context. */
export interface MigdState {
  hosts: Record<string, HostEntry>;
  grants: Record<string, Grant>;
  seq: number;
}

/** Something migd tells the cluster (a cluster event on `events.migd.<kind>`). */
export type Notice =
  | { kind: 'grant'; host: string; holder: string }
  | { kind: 'release'; host: string; holder: string }
  | { kind: 'reclaim'; host: string; holder: string; reason: ReclaimReason; to?: string };

/** A new state and what to announce. */
export interface Step<T = object> {
  state: MigdState;
  notices: Notice[];
  result: T;
}

/** An empty view (a fresh or restarted migd). */
export function emptyState(): MigdState {
  return { hosts: {}, grants: {}, seq: 0 };
}

/** Ms since the owner's last input. */
export function idleMs(e: HostEntry, now: number): number {
  return Math.max(0, now - e.lastInputAt);
}

/** True when the owner has been away at least `idleAfterMs`. */
export function ownerIdle(e: HostEntry, cfg: MigdConfig, now: number): boolean {
  return idleMs(e, now) >= cfg.idleAfterMs;
}

/** Owner idle, load below the threshold, and not granted: a host that may be handed out. */
export function available(s: MigdState, e: HostEntry, cfg: MigdConfig, now: number): boolean {
  return ownerIdle(e, cfg, now) && e.load < cfg.loadBelow && !s.grants[e.host];
}

/** Hosts held by `holder`, most recently granted last. */
export function heldBy(s: MigdState, holder: string): string[] {
  return Object.entries(s.grants)
    .filter(([, g]) => g.holder === holder)
    .sort((a, b) => a[1].seq - b[1].seq)
    .map(([h]) => h);
}

/** Records a report. A granted host whose owner is back is reclaimed (its foreign processes must go home). */
export function applyReport(s: MigdState, cfg: MigdConfig, r: HostReport, now: number): Step {
  const entry: HostEntry = { host: r.host, lastInputAt: now - r.idleMs, load: r.load, foreign: r.foreign, reportedAt: now };
  const state = { ...s, hosts: { ...s.hosts, [r.host]: entry } };
  const g = s.grants[r.host];
  if (g && !ownerIdle(entry, cfg, now)) return revoke(state, r.host, 'owner');
  return { state, notices: [], result: {} };
}

/**
 * Grants up to `n` more hosts to `requester`: available ones first, longest-idle first; then,
 * for fairness, a host taken from a requester holding at least two more than this one (its most
 * recent grant), until the two are within one of each other — max-min fair shares.
 */
export function grantHosts(
  s: MigdState,
  cfg: MigdConfig,
  req: { requester: string; n: number; exclude?: readonly string[] },
  now: number,
): Step<{ granted: string[]; held: string[] }> {
  const exclude = new Set(req.exclude ?? []);
  let state = s;
  const notices: Notice[] = [];
  const granted: string[] = [];
  const free = Object.values(s.hosts)
    .filter((e) => !exclude.has(e.host) && available(s, e, cfg, now))
    .sort((a, b) => a.lastInputAt - b.lastInputAt || a.host.localeCompare(b.host, undefined, { numeric: true }));
  for (const e of free) {
    if (granted.length >= req.n) break;
    state = give(state, e.host, req.requester, now);
    granted.push(e.host);
    notices.push({ kind: 'grant', host: e.host, holder: req.requester });
  }
  while (granted.length < req.n) {
    const mine = heldBy(state, req.requester).length;
    const richest = richestHolder(state, req.requester, exclude);
    if (!richest || richest.hosts.length < mine + 2) break;
    const host = richest.take;
    const r = revoke(state, host, 'fairness', req.requester);
    state = give(r.state, host, req.requester, now);
    granted.push(host);
    notices.push(...r.notices, { kind: 'grant', host, holder: req.requester });
  }
  return { state, notices, result: { granted, held: heldBy(state, req.requester) } };
}

/** Gives hosts back; hosts the requester does not hold are ignored. */
export function releaseHosts(s: MigdState, requester: string, hosts: readonly string[]): Step<{ released: string[] }> {
  const grants = { ...s.grants };
  const released: string[] = [];
  for (const h of hosts) {
    if (grants[h]?.holder !== requester) continue;
    delete grants[h];
    released.push(h);
  }
  return { state: { ...s, grants }, notices: released.map((host) => ({ kind: 'release', host, holder: requester })), result: { released } };
}

/**
 * Renews the requester's leases on `held`. A host it names that migd does not know as granted
 * (migd restarted) is re-adopted if it is known and its owner is still idle; others are lost.
 */
export function renewHosts(s: MigdState, cfg: MigdConfig, requester: string, held: readonly string[], now: number): Step<{ held: string[]; lost: string[] }> {
  let state = s;
  const notices: Notice[] = [];
  const kept: string[] = [];
  const lost: string[] = [];
  for (const h of held) {
    const g = state.grants[h];
    if (g?.holder === requester) {
      state = { ...state, grants: { ...state.grants, [h]: { ...g, renewedAt: now } } };
      kept.push(h);
    } else if (!g && state.hosts[h] && ownerIdle(state.hosts[h], cfg, now)) {
      state = give(state, h, requester, now);
      kept.push(h);
      notices.push({ kind: 'grant', host: h, holder: requester });
    } else {
      lost.push(h);
    }
  }
  return { state, notices, result: { held: kept, lost } };
}

/** Forgets hosts that stopped reporting and ends leases not renewed in time. */
export function expire(s: MigdState, cfg: MigdConfig, now: number): Step {
  let state = s;
  const notices: Notice[] = [];
  for (const [h, g] of Object.entries(s.grants)) {
    const e = s.hosts[h];
    const reason: ReclaimReason | null = !e || now - e.reportedAt > cfg.staleAfterMs ? 'gone' : now - g.renewedAt > cfg.leaseMs ? 'lease' : null;
    if (!reason) continue;
    const r = revoke(state, h, reason);
    state = r.state;
    notices.push(...r.notices);
  }
  const stale = Object.values(state.hosts).filter((e) => now - e.reportedAt > cfg.staleAfterMs);
  if (stale.length > 0) {
    const hosts = { ...state.hosts };
    for (const e of stale) delete hosts[e.host];
    state = { ...state, hosts };
  }
  return { state, notices, result: {} };
}

/** Every known host as `wisp hosts` shows it, sorted by id. */
export function hostViews(s: MigdState, cfg: MigdConfig, now: number): MigdHostView[] {
  return Object.values(s.hosts)
    .sort((a, b) => a.host.localeCompare(b.host, undefined, { numeric: true }))
    .map((e) => ({
      host: e.host,
      ownerIdle: ownerIdle(e, cfg, now),
      idleMs: idleMs(e, now),
      load: e.load,
      foreign: e.foreign,
      available: available(s, e, cfg, now),
      grantedTo: s.grants[e.host]?.holder ?? null,
      reportAgeMs: Math.max(0, now - e.reportedAt),
    }));
}

function give(s: MigdState, host: string, holder: string, now: number): MigdState {
  const seq = s.seq + 1;
  return { ...s, seq, grants: { ...s.grants, [host]: { holder, grantedAt: now, renewedAt: now, seq } } };
}

function revoke(s: MigdState, host: string, reason: ReclaimReason, to?: string): Step {
  const g = s.grants[host];
  if (!g) return { state: s, notices: [], result: {} };
  const grants = { ...s.grants };
  delete grants[host];
  return { state: { ...s, grants }, notices: [{ kind: 'reclaim', host, holder: g.holder, reason, ...(to ? { to } : {}) }], result: {} };
}

/** The other holder with the most hosts, and the most recent of them the requester may take (ties: lowest id). */
function richestHolder(s: MigdState, requester: string, exclude: Set<string>): { holder: string; hosts: string[]; take: string } | null {
  const by = new Map<string, string[]>();
  for (const [h, g] of Object.entries(s.grants).sort((a, b) => a[1].seq - b[1].seq)) {
    if (g.holder !== requester) by.set(g.holder, [...(by.get(g.holder) ?? []), h]);
  }
  let best: { holder: string; hosts: string[]; take: string } | null = null;
  for (const [holder, hosts] of by) {
    const take = hosts.filter((h) => !exclude.has(h)).pop();
    if (take === undefined) continue;
    if (!best || hosts.length > best.hosts.length || (hosts.length === best.hosts.length && holder < best.holder)) best = { holder, hosts, take };
  }
  return best;
}

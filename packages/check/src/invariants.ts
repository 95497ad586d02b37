import type { Model } from './model.js';
import type { Observations, World } from './world.js';

/** What a reference run without migrations and faults observed (for transparency). */
export interface Reference {
  obs: Observations;
  files: ReadonlyMap<string, string>;
}

/** What an invariant sees besides the state. */
export interface InvariantContext {
  model: Model;
  reference: Reference;
  /** Longest a migration may take, virtual ms. */
  migrationBoundMs: number;
}

/**
 * A checkable property. `state` invariants hold in every reachable state; `terminal` ones in
 * every state where nothing more can happen (no message in flight, nothing runnable, no timer).
 * `check` returns null when it holds, else what is wrong.
 */
export interface Invariant {
  name: string;
  kind: 'state' | 'terminal';
  check(w: World, ctx: InvariantContext): string | null;
}

const text = new TextDecoder();

/** Every pid any host knows of or the client spawned. */
function pidsOf(w: World, ctx: InvariantContext): Set<string> {
  const pids = new Set(ctx.model.pids);
  for (const n of w.hosts) if (n) for (const p of n.view.procs) pids.add(p.pid);
  return pids;
}

/**
 * Invariant 1: at most one host runs a pid at any time — a copy frozen (migrating) or suspended
 * (its host's lease lapsed) does not run — and a living process is held by some host (unless a
 * host holding it crashed).
 */
export const oneHost: Invariant = {
  name: 'one host runs each pid (1)',
  kind: 'state',
  check(w, ctx) {
    for (const pid of pidsOf(w, ctx)) {
      const on = ctx.model.runningOn(w, pid);
      if (on.length > 1) return `${pid} runs on ${on.join(' and ')}`;
      if (on.length === 0 && !w.obs.ended.includes(pid) && !w.obs.lost.includes(pid) && ctx.model.pids.includes(pid)) {
        const held = ctx.model.heldOn(w, pid);
        const arriving = w.hosts.some((n) => n?.view.targets.some((t) => t.pid === pid && t.hasImage));
        if (held.length === 0 && !arriving) return `${pid} has not ended but no host holds it`;
      }
    }
    return null;
  },
};

/**
 * Invariant 1 against the directory: a living process (not ended, not lost with a crashed
 * host) is held by the host its directory record names — or is in flight to it (that host's
 * target session has its image) — and runs nowhere else: any other copy is frozen (leaving,
 * or waiting for the directory after a failed commit) or suspended (its host's lease lapsed).
 * Before its record exists (its creation not yet applied), some host holds it.
 */
export const directoryHolds: Invariant = {
  name: 'a living process is where the directory says (1)',
  kind: 'state',
  check(w, ctx) {
    for (const pid of ctx.model.pids) {
      if (w.obs.ended.includes(pid) || w.obs.lost.includes(pid)) continue;
      const rec = w.dir[pid];
      const held = ctx.model.heldOn(w, pid);
      if (!rec) {
        if (held.length === 0) return `${pid} has no directory record and no host holds it`;
        continue;
      }
      const { host, boot } = rec.entry;
      const i = ctx.model.hostIds.indexOf(host);
      const there = i >= 0 ? w.hosts[i] : null;
      // A record of an earlier run of that host: the process went with it (it is among the lost).
      if (!there || boot !== `${host}#${w.incs[i]}`) return `${pid}'s record names ${host} (${boot}), which does not hold it`;
      const arriving = there.view.targets.some((t) => t.pid === pid && t.hasImage);
      if (!held.includes(host) && !arriving) return `the directory names ${host} for ${pid}, which neither holds it nor is receiving it (held on ${held.join(', ') || 'no host'})`;
      const elsewhere = ctx.model.runningOn(w, pid).filter((h) => h !== host);
      if (elsewhere.length > 0) return `${pid} runs on ${elsewhere.join(' and ')} though the directory names ${host}`;
    }
    return null;
  },
};

/**
 * Fencing: no effect of a process — a call forwarded to its home, a message it sent, a file operation — is taken
 * with an older directory epoch than one of its effects already taken, wherever they land (a
 * copy a move left behind cannot act once its successor has). Checked on the step that takes it.
 */
export const noStaleEffect: Invariant = {
  name: 'no older-epoch effect after a newer one',
  kind: 'state',
  check(w) {
    for (const n of w.notes) if (n.kind === 'stale') return `${n.pid}'s ${n.what} was taken at epoch ${n.epoch} after one at epoch ${n.newest}`;
    return null;
  },
};

/**
 * No console line twice: a program's output is never repeated, faults or not (a line may be
 * missing after a crash or a failed call, never doubled). A line counts as repeated when it
 * appears more often than in the run without migrations and faults (at most once if it is not in it).
 */
export const consoleOnce: Invariant = {
  name: 'no console line twice',
  kind: 'state',
  check(w, ctx) {
    // Observations are shared by every state that has not changed them since: checked once each.
    const known = consoleChecked.get(w.obs);
    if (known !== undefined) return known;
    let bad: string | null = null;
    for (const [pid, out] of Object.entries(w.obs.console)) {
      const want = lineCounts(ctx.reference.obs.console[pid] ?? '');
      for (const [line, n] of lineCounts(out)) if (n > Math.max(1, want.get(line) ?? 0)) bad ??= `${pid} printed ${JSON.stringify(line)} ${n} times`;
    }
    consoleChecked.set(w.obs, bad);
    return bad;
  },
};
const consoleChecked = new WeakMap<Observations, string | null>();

/** How many times each complete line appears in console output (the unfinished last one left out). */
function lineCounts(out: string): Map<string, number> {
  const lines = out.split('\n');
  lines.pop();
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}

/**
 * Invariant 2 (safety): each sender's messages are taken at most once and in order, and none is
 * skipped that its sender was told was delivered: a receiver that took message n from a sender
 * took each earlier one it was acknowledged (a send the sender saw fail — no responders while
 * the receiver's host was cut off, say — may be missing, never repeated or taken late). A
 * sender's messages to one pid go one at a time, so its n-th result
 * (`{ type: 'sent', ok }`, as the checker's `talker` reports them) is message n's.
 */
export const exactlyOnceInOrder: Invariant = {
  name: 'messages exactly once, in order (2)',
  kind: 'state',
  check(w) {
    const results = new Map<string, boolean[]>();
    for (const [pid, emits] of Object.entries(w.obs.emits)) results.set(pid, emits.filter((e) => e.startsWith('{"type":"sent"')).map((e) => e === '{"type":"sent","ok":true}'));
    for (const [pid, emits] of Object.entries(w.obs.emits)) {
      const last = new Map<string, number>();
      for (const e of emits) {
        if (!e.startsWith('{"type":"got"')) continue;
        const g = JSON.parse(e) as { from: string; n: number };
        const prev = last.get(g.from) ?? 0;
        if (g.n <= prev) return `${pid} got message ${g.n} from ${g.from} after ${prev}`;
        for (let k = prev + 1; k < g.n; k++) {
          if (results.get(g.from)?.[k - 1] === true) return `${pid} got message ${g.n} from ${g.from} but never ${k}, which ${g.from} was told was delivered`;
        }
        last.set(g.from, g.n);
      }
    }
    return null;
  },
};

/** Invariant 2 (liveness): at the end, every message a sender saw acknowledged was received. */
export const acknowledgedDelivered: Invariant = {
  name: 'acknowledged messages delivered (2)',
  kind: 'terminal',
  check(w) {
    let acked = 0;
    let got = 0;
    for (const emits of Object.values(w.obs.emits)) {
      for (const e of emits) {
        if (e === '{"type":"sent","ok":true}') acked++;
        if (e.startsWith('{"type":"got"')) got++;
      }
    }
    // A send that timed out may still have arrived: only acknowledged ones must have.
    if (w.obs.lost.length === 0 && got < acked) return `${acked} messages acknowledged, only ${got} received`;
    return null;
  },
};

/** Invariant 3: a memory read returns the last value written (programs report pages that did not). */
export const memoryCoherent: Invariant = {
  name: 'memory reads the last write (3)',
  kind: 'state',
  check(w) {
    for (const [pid, emits] of Object.entries(w.obs.emits)) {
      for (const e of emits) {
        if (!e.startsWith('{"type":"mem"')) continue;
        const m = JSON.parse(e) as { n: number; bad: number };
        if (m.bad > 0) return `${pid} read ${m.bad} stale page(s) by round ${m.n}`;
      }
    }
    return null;
  },
};

/** Invariant 4: file contents are always a prefix of (and at the end equal to) what they are without migrations. */
export const filesAsIfUnmoved: Invariant = {
  name: 'files as if never moved (4)',
  kind: 'state',
  check(w, ctx) {
    if (w.obs.perturbed) return null;
    for (const [path, want] of ctx.reference.files) {
      const got = w.fs.files.get(path);
      const s = got ? text.decode(got) : '';
      if (!want.startsWith(s)) return `${path} holds ${JSON.stringify(s)}, not a prefix of ${JSON.stringify(want)}`;
      if (isTerminalHint(w) && s !== want) return `${path} ends as ${JSON.stringify(s)}, not ${JSON.stringify(want)}`;
    }
    return null;
  },
};

/** Invariant 5: the observable trace (console, emits, exit codes, files) is the one without migrations. */
export const transparent: Invariant = {
  name: 'transparency (5)',
  kind: 'terminal',
  check(w, ctx) {
    if (w.obs.perturbed || w.obs.lost.length > 0) return null;
    const ref = ctx.reference.obs;
    for (const pid of ctx.model.pids) {
      if ((w.obs.console[pid] ?? '') !== (ref.console[pid] ?? '')) return `${pid} printed ${JSON.stringify(w.obs.console[pid] ?? '')}, not ${JSON.stringify(ref.console[pid] ?? '')}`;
      if (w.obs.exits[pid] !== ref.exits[pid]) return `${pid} exited ${w.obs.exits[pid]}, not ${ref.exits[pid]}`;
      const a = (w.obs.emits[pid] ?? []).join(' ');
      const b = (ref.emits[pid] ?? []).join(' ');
      if (a !== b) return `${pid} emitted ${a}, not ${b}`;
    }
    for (const [path, want] of ctx.reference.files) {
      const got = w.fs.files.get(path);
      if ((got ? text.decode(got) : '') !== want) return `${path} differs from the run without migrations`;
    }
    return null;
  },
};

/** Invariant 6: a migration ends committed or aborted, in bounded time; aborted, the process runs on (or ended at) the source; committed, the source no longer has it. */
export const migrationEnds: Invariant = {
  name: 'migrations end, committed or aborted (6)',
  kind: 'state',
  check(w, ctx) {
    for (const n of w.notes) {
      if (n.kind !== 'migrated') continue;
      if (n.totalMs > ctx.migrationBoundMs) return `migration of ${n.pid} from ${n.host} took ${n.totalMs} ms`;
      const src = ctx.model.node(w, n.host);
      const here = src?.view.procs.find((p) => p.pid === n.pid);
      if (n.outcome === 'aborted' && here?.frozen && !here.thawing) return `migration of ${n.pid} aborted but it stays frozen on ${n.host}`;
      if (n.outcome === 'aborted' && !here && !w.obs.ended.includes(n.pid)) return `migration of ${n.pid} aborted but ${n.host} lost it`;
      if (n.outcome === 'committed' && here) return `migration of ${n.pid} committed but ${n.host} still holds it`;
    }
    return null;
  },
};

/** Invariant 6 at the end: no session is left on a live host, and every migrate or evict the client asked was answered. */
export const noSessionLeft: Invariant = {
  name: 'no migration left unfinished (6)',
  kind: 'terminal',
  check(w, ctx) {
    for (const n of w.hosts) {
      if (!n) continue;
      if (n.view.sources.length > 0) return `${n.hostId} still has source session(s) ${n.view.sources.map((s) => `${s.pid}@${s.state}`).join(', ')}`;
      if (n.view.targets.length > 0) return `${n.hostId} still has target session(s) ${n.view.targets.map((s) => `${s.pid}@${s.state}`).join(', ')}`;
    }
    const crashed = w.incs.some((i) => i > 1);
    for (let i = 0; i < w.client; i++) {
      const a = ctx.model.actions[i]!;
      if ((a.verb === 'migrate' || a.verb === 'evict') && w.obs.answers[i] === undefined && !crashed) return `client's ${a.verb} (${i}) was never answered`;
    }
    return null;
  },
};

/**
 * Deadlock freedom: when nothing more can happen, every process has ended (or was lost in a
 * crash). None is left frozen (a migration that never settled), suspended (a host that holds its
 * lease again but never had the directory confirm it) or with calls open that nobody will
 * answer. One exception, which is the program's state and not the system's: a process idle on
 * its mailbox (no call open, nothing to run) when a message it may wait for was lost in a way
 * its sender could see — the sender was lost in a crash, or a send failed
 * (`{ type: 'sent', ok: false }`, as the checker's `talker` reports it) on a path where a host
 * was cut off (a send to a pid whose host is cut off has no responders). A send that fails
 * under message faults alone is no excuse: those the protocol must survive. (No end state has a
 * host cut off or paused, or waiting for its lease: their end is a step that is always enabled.)
 */
export const noDeadlock: Invariant = {
  name: 'no deadlock',
  kind: 'terminal',
  check(w, ctx) {
    const partitioned = w.budget.partition < (ctx.model.config.faults?.partition ?? 0);
    const inputMayBeLost = w.obs.lost.length > 0 || (partitioned && Object.values(w.obs.emits).some((e) => e.includes(SEND_FAILED)));
    const waiting = new Set<string>();
    for (const n of w.hosts) {
      for (const p of n?.view.procs ?? []) {
        if (p.frozen) return `${p.pid} is frozen on ${n!.hostId} for good`;
        if (p.suspended) return `${p.pid} is suspended on ${n!.hostId} for good (its lease is held, the directory never confirmed it)`;
        if (w.obs.lost.includes(p.pid)) continue;
        if (inputMayBeLost && p.outstanding === 0 && !p.runnable) {
          waiting.add(p.pid);
          continue;
        }
        return `${p.pid} is stuck on ${n!.hostId} in ${p.state} (${p.outstanding} calls open)`;
      }
    }
    for (const pid of ctx.model.pids) {
      if (!w.obs.ended.includes(pid) && !w.obs.lost.includes(pid) && !waiting.has(pid)) return `${pid} never ended and no host holds it`;
    }
    return null;
  },
};
/** What the checker's `talker` emits when a send failed. */
const SEND_FAILED = '{"type":"sent","ok":false}';

/** A state with nothing in flight and nothing runnable: files may be compared with their final contents only then if no timer is armed either. */
function isTerminalHint(w: World): boolean {
  return w.net.length === 0 && w.inflight.length === 0 && w.hosts.every((n) => !n || (!n.hasWork && n.timers.length === 0));
}

/** Invariants 1–6 (1 also against the directory), no older-epoch effect after a newer one, no console line twice, deadlock freedom and bounded migration. */
export const builtinInvariants: Invariant[] = [oneHost, directoryHolds, noStaleEffect, consoleOnce, exactlyOnceInOrder, acknowledgedDelivered, memoryCoherent, filesAsIfUnmoved, transparent, migrationEnds, noSessionLeft, noDeadlock];

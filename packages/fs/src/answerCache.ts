import type { WireError } from '@wisp/protocol';

/** Default bound of an {@link AnswerCache}: request ids remembered per host. */
export const DEFAULT_ANSWERS_PER_HOST = 1024;
/** Default bound of an {@link AnswerCache}: request ids remembered in all. */
export const DEFAULT_MAX_ANSWERS = 65_536;
/** Default bound of an {@link AnswerCache}: bytes of read replies remembered in all. */
export const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** An answer as a `reply` effect carries it, without its address. */
export type Answer = { ok: true; value: unknown; bytes?: Uint8Array } | { ok: false; error: WireError };

interface Entry {
  /** Null while the first request is still held (an open awaiting callbacks). */
  answer: Answer | null;
  /** Addresses of repeats that came while it was held: they get the answer too. */
  waiting: string[];
  /** Bytes of the answer's frame (a read's data), for the byte bound. */
  bytes: number;
}

/** What the cache says of a request that carries an id. */
export type Recall = { kind: 'new' } | { kind: 'answered'; answer: Answer } | { kind: 'held' };

/**
 * The answers a file server gave to recent request ids, per host: a repeated id (a client
 * sending again a request whose answer it lost) gets the first answer back and is not applied
 * again. Pure, no clock.
 *
 * **Bounded by count, not time.** Per host the last `perHost` ids are kept, and the whole cache
 * keeps at most `max` ids and `maxBytes` bytes of read data; past a bound the oldest go first.
 * A client sends a request again within seconds (after a reconnect, or once after a timeout),
 * and in that time one host would have to send `perHost` (1024) other requests with ids —
 * only requests that cannot be repeated carry one — for its entry to be gone; a count needs no
 * clock in the pure server, and memory stays bounded whatever the clients do (a host that
 * never returns, a `cli<pid>` tool per command, is pushed out by the global bounds).
 * An id forgotten all the same is applied again if repeated: at-least-once, as before ids.
 */
export class AnswerCache {
  /** `host \0 rid` → entry, oldest first. */
  private readonly entries = new Map<string, Entry>();
  /** Per host its keys, oldest first. */
  private readonly byHost = new Map<string, Set<string>>();
  /** Reply address of a held first request → its key. */
  private readonly held = new Map<string, string>();
  private bytes = 0;

  constructor(
    readonly perHost: number = DEFAULT_ANSWERS_PER_HOST,
    readonly max: number = DEFAULT_MAX_ANSWERS,
    readonly maxBytes: number = DEFAULT_MAX_ANSWER_BYTES,
  ) {}

  /**
   * Looks `rid` of `host` up, for a request to be answered at `to`. An unknown id is
   * remembered as held until {@link settle} gives its answer; a held one adds `to` to those
   * waiting for it.
   */
  recall(host: string, rid: string, to: string): Recall {
    const key = `${host}\0${rid}`;
    const e = this.entries.get(key);
    if (e?.answer) return { kind: 'answered', answer: e.answer };
    if (e) {
      if (to) e.waiting.push(to);
      return { kind: 'held' };
    }
    this.add(host, key, { answer: null, waiting: [], bytes: 0 });
    if (to) this.held.set(to, key);
    return { kind: 'new' };
  }

  /**
   * Records the answer sent to `to`, if that was the first request of an id; returns the
   * addresses of its repeats that wait for it (empty otherwise).
   */
  settle(to: string, answer: Answer): string[] {
    const key = this.held.get(to);
    if (key === undefined) return [];
    this.held.delete(to);
    const e = this.entries.get(key);
    if (!e) return [];
    // A read's bytes view the file's buffer, which later writes change in place: keep a copy.
    const kept: Answer = answer.ok && answer.bytes ? { ...answer, bytes: answer.bytes.slice() } : answer;
    e.answer = kept;
    e.bytes = kept.ok ? (kept.bytes?.length ?? 0) : 0;
    this.bytes += e.bytes;
    this.trim();
    const waiting = e.waiting;
    e.waiting = [];
    return waiting;
  }

  /** Forgets a host's ids (it is gone for good; a new run of it uses new ids). */
  forgetHost(host: string): void {
    for (const key of this.byHost.get(host) ?? []) this.drop(key);
  }

  /** Ids remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes of read data remembered. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Host, id and whether it is answered, oldest first (for views and fingerprints). */
  keys(): Array<[string, string, boolean]> {
    return [...this.entries].map(([key, e]) => {
      const at = key.indexOf('\0');
      return [key.slice(0, at), key.slice(at + 1), e.answer !== null];
    });
  }

  /** An independent copy (answers are never changed in place, so they are shared). */
  clone(): AnswerCache {
    const c = new AnswerCache(this.perHost, this.max, this.maxBytes);
    for (const [key, e] of this.entries) c.entries.set(key, { ...e, waiting: [...e.waiting] });
    for (const [host, keys] of this.byHost) c.byHost.set(host, new Set(keys));
    for (const [to, key] of this.held) c.held.set(to, key);
    c.bytes = this.bytes;
    return c;
  }

  private add(host: string, key: string, e: Entry): void {
    this.entries.set(key, e);
    let keys = this.byHost.get(host);
    if (!keys) this.byHost.set(host, (keys = new Set()));
    keys.add(key);
    if (keys.size > this.perHost) this.drop(keys.values().next().value!);
    this.trim();
  }

  /** Drops the oldest entries while a global bound is passed (never the newest one). */
  private trim(): void {
    while ((this.entries.size > this.max || this.bytes > this.maxBytes) && this.entries.size > 1) this.drop(this.entries.keys().next().value!);
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
    const host = key.slice(0, key.indexOf('\0'));
    const keys = this.byHost.get(host);
    keys?.delete(key);
    if (keys?.size === 0) this.byHost.delete(host);
    // (A held entry's address stays in `held` until its answer comes; settle then finds no entry.)
  }
}

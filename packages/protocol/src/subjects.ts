/**
 * Every NATS subject Wisp uses is built here, so the namespace has one definition.
 *
 * - `wisp.<cluster>.host.<id>.<verb>` — requests to one host
 * - `wisp.<cluster>.hosts.<verb>` — scatter-gather to every host
 * - `wisp.<cluster>.proc.<pid>` — messages to a process, wherever it runs
 * - `wisp.<cluster>.events.<kind>` — the cluster event stream
 * - `wisp.<cluster>.fs.<id>.<verb>` — requests to one file server
 * - `wisp.<cluster>.migd.<verb>` — the load-sharing daemon (and host reports to it)
 * - `wisp.<cluster>.host.<id>.owner.input` — a keystroke from a host's owner
 * - `wisp.<cluster>.log.<source>` — log records of a host, file server or migd; `logtail` asks each for its recent ones
 */
export interface Subjects {
  /** The cluster name. */
  readonly cluster: string;
  /** A request to one host. */
  host(id: string, verb: string): string;
  /** Wildcard for every verb of one host. */
  hostAll(id: string): string;
  /** A scatter-gather request every host answers. */
  hosts(verb: string): string;
  /** Messages to a process. */
  proc(pid: string): string;
  /** One kind of cluster event. */
  event(kind: string): string;
  /** Wildcard for every cluster event. */
  events(): string;
  /** A request to one file server. */
  fs(id: string, verb: string): string;
  /** Wildcard for every verb of one file server. */
  fsAll(id: string): string;
  /** A message to the load-sharing daemon (`*` for every verb). */
  migd(verb: string): string;
  /** Owner input to one host (dotted, so the host's own verb handler leaves it alone). */
  ownerInput(id: string): string;
  /** Log records of one source (a host id, a file server id, `migd`); `*` for every source. */
  log(source: string): string;
  /** A scatter request every log source answers with its recent records. */
  logTail(): string;
}

const tokenPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Builds the subjects of one cluster. Throws on a cluster name that is not a subject token. */
export function subjects(cluster = 'default'): Subjects {
  if (!tokenPattern.test(cluster)) throw new Error(`invalid cluster name '${cluster}'`);
  const root = `wisp.${cluster}`;
  return {
    cluster,
    host: (id, verb) => `${root}.host.${id}.${verb}`,
    hostAll: (id) => `${root}.host.${id}.>`,
    hosts: (verb) => `${root}.hosts.${verb}`,
    proc: (pid) => `${root}.proc.${pid}`,
    event: (kind) => `${root}.events.${kind}`,
    events: () => `${root}.events.>`,
    fs: (id, verb) => `${root}.fs.${id}.${verb}`,
    fsAll: (id) => `${root}.fs.${id}.>`,
    migd: (verb) => `${root}.migd.${verb}`,
    ownerInput: (id) => `${root}.host.${id}.owner.input`,
    log: (source) => `${root}.log.${source}`,
    logTail: () => `${root}.logtail`,
  };
}

/** Splits a host subject back into its host id and verb, or null if it is not one. */
export function parseHostSubject(subject: string): { host: string; verb: string; cluster: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'wisp' || parts[2] !== 'host') return null;
  return { host: parts[3]!, verb: parts[4]!, cluster: parts[1]! };
}

/** Splits a process subject back into its cluster and pid, or null if it is not one. */
export function parseProcSubject(subject: string): { cluster: string; pid: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'wisp' || parts[2] !== 'proc') return null;
  return { cluster: parts[1]!, pid: parts[3]! };
}

/** Splits a file-server subject back into its server id and verb, or null if it is not one. */
export function parseFsSubject(subject: string): { fs: string; verb: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'wisp' || parts[2] !== 'fs') return null;
  return { fs: parts[3]!, verb: parts[4]! };
}

/** True when `id` can name a file server (a subject token: letters, digits, `_`, `-`). */
export function isFsId(id: string): boolean {
  return tokenPattern.test(id);
}

import { ErrorCode, WispError, isFsId } from '@wisp/protocol';
import { isUnder, normalizePath } from './path.js';

/** One row of a {@link PrefixTable}: paths under `prefix` belong to file server `server`. */
export interface PrefixEntry {
  prefix: string;
  server: string;
}

/**
 * Maps path prefixes to file-server ids, as Sprite's prefix tables did. A path belongs to the
 * server of its longest matching prefix, matched by whole segments (`/scratch` covers
 * `/scratch/x` but not `/scratchy`); `/` is the default. Every host builds the table from the
 * same spec, so every host resolves a path the same way.
 */
export class PrefixTable {
  /** Entries, longest prefix first (the order of resolution). */
  readonly entries: readonly PrefixEntry[];

  constructor(entries: Iterable<PrefixEntry>) {
    const seen = new Map<string, string>();
    for (const e of entries) {
      const prefix = normalizePath(e.prefix);
      if (!isFsId(e.server)) throw new WispError(ErrorCode.EINVAL, `invalid file server id '${e.server}': use letters, digits, _ and -`);
      if (seen.has(prefix)) throw new WispError(ErrorCode.EINVAL, `prefix '${prefix}' is mapped twice`);
      seen.set(prefix, e.server);
    }
    this.entries = [...seen].map(([prefix, server]) => ({ prefix, server })).sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Parses `"/=fs1,/scratch=fs2"` (entries separated by commas, whitespace ignored). Throws `EINVAL`. */
  static parse(spec: string): PrefixTable {
    const entries: PrefixEntry[] = [];
    for (const part of spec.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.lastIndexOf('=');
      if (eq <= 0 || eq === item.length - 1) throw new WispError(ErrorCode.EINVAL, `bad prefix table entry '${item}': expected /prefix=server`);
      entries.push({ prefix: item.slice(0, eq).trim(), server: item.slice(eq + 1).trim() });
    }
    if (entries.length === 0) throw new WispError(ErrorCode.EINVAL, 'empty prefix table');
    return new PrefixTable(entries);
  }

  /** A table sending every path to one server. */
  static single(server: string): PrefixTable {
    return new PrefixTable([{ prefix: '/', server }]);
  }

  /**
   * The server owning `path` (normalized first) and the normalized path.
   * Throws `EINVAL` for a bad path, `ENOENT` when no prefix (not even `/`) covers it.
   */
  resolve(path: string): { server: string; path: string } {
    const p = normalizePath(path);
    for (const e of this.entries) if (isUnder(p, e.prefix)) return { server: e.server, path: p };
    throw new WispError(ErrorCode.ENOENT, `no file server serves '${p}' (the prefix table has no '/')`);
  }

  /** Every server named in the table. */
  servers(): string[] {
    return [...new Set(this.entries.map((e) => e.server))];
  }

  /** The prefixes one server owns (its mount points: the directories it must have). */
  prefixesOf(server: string): string[] {
    return this.entries.filter((e) => e.server === server).map((e) => e.prefix);
  }

  /** The spec form, parseable by {@link PrefixTable.parse}. */
  toString(): string {
    return [...this.entries]
      .reverse()
      .map((e) => `${e.prefix}=${e.server}`)
      .join(',');
  }
}

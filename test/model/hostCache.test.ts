import { bfs, prepare, worker, type Invariant } from '@wisp/check';
import { describe, expect, test } from 'vitest';

/**
 * The client half of Sprite caching in the model: two workers on two hosts write the same file.
 * The first opener caches it and writes into its cache; the second (started by the client at
 * any point) makes it write-shared,
 * so the server calls the first host back (`cache.disable`): it writes its dirty blocks back and
 * stops caching. In every state a host holds dirty blocks of a file only while the server
 * counts it among the file's caching hosts (clean blocks may stay after a close: Sprite checks
 * them by version at the next open).
 */
describe('model: hosts cache files', () => {
  test('cached writes, write-back on callback; no dirty blocks the server does not know of', () => {
    let sawDirty = false;
    let sawShared = false;
    const cachesAgree: Invariant = {
      name: 'a host holds dirty blocks of a file only while the server lets it cache it',
      kind: 'state',
      check: (w) => {
        const files = new Map(w.fs.server.view().files.map((f) => [f.id, f]));
        for (const [host, client] of w.fs.clients) {
          for (const c of client.cached()) {
            if (!c.dirty) continue; // clean blocks of a closed file stay, checked by version at the next open
            sawDirty = true;
            const f = files.get(c.file);
            if (!f || !f.consistency.context.caching.includes(host)) return `${host} has dirty blocks of file ${c.file}, which the server does not let it cache`;
          }
        }
        for (const f of files.values()) if (Object.keys(f.consistency.context.opens).length > 1 && f.consistency.context.caching.length === 0) sawShared = true;
        return null;
      },
    };
    const p = prepare({
      hosts: 2,
      programs: [worker],
      spawn: [{ program: 'worker', args: ['1', '2', '100'], home: 'h1' }],
      // The second writer starts whenever: after h1's writes sit dirty in its cache, among others.
      client: [{ host: 'h2', verb: 'spawn', body: { program: 'worker', args: ['1', '1', '100'], tty: 'tty.c' } }],
      builtin: false,
      invariants: [cachesAgree],
    });
    const r = bfs(p.model, p.start, p.invariants, p.ctx);
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.complete).toBe(true);
    expect(sawDirty).toBe(true);
    expect(sawShared).toBe(true);
    expect(p.model.fs.cacheDisables).toBeGreaterThan(0);
  });
});

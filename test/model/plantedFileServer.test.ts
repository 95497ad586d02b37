import { describe, expect, test } from 'vitest';
import { check, checkPrograms, noStaleEffect, replay, type CheckOptions } from '@wisp/check';
import { EpochBlindFileServer } from './plantedFileServer.js';

/**
 * One small worker migrating h1 → h2 by `flush`, with one duplicated message anywhere (file
 * requests included): a copy of the source's page-out, sent at epoch 1, may arrive after the
 * target has used the process's backing file at epoch 2. Only the fencing invariant is checked:
 * with every invariant, the shortest violation here is a duplicated file write (the model
 * duplicates the kernel's whole file call, client half included), which is no fencing matter.
 */
function config(fileServer?: CheckOptions['fileServer']): CheckOptions {
  return {
    hosts: 2,
    programs: checkPrograms,
    spawn: [{ program: 'worker', args: ['1', '1', '100'], home: 'h1' }],
    client: [{ host: 'h1', verb: 'migrate', body: { pid: '$0', to: 'h2', strategy: 'flush' } }],
    faults: ['duplicate'],
    faultScope: 'all',
    builtin: false,
    invariants: [noStaleEffect],
    ...(fileServer ? { fileServer } : {}),
  };
}

describe('the checker finds a file server that ignores epochs', () => {
  test('a late page-out of the old epoch is accepted after the new one', () => {
    const opts = config(EpochBlindFileServer);
    const r = check(opts);
    expect(r.ok).toBe(false);
    const cx = r.violation!;
    expect(cx.length).toBeLessThanOrEqual(30);
    expect(cx.invariant).toBe('no older-epoch effect after a newer one');
    const text = cx.format();
    expect(text).toMatch(/h1-1's \w+ from h1 at the file server was taken at epoch 1 after one at epoch 2/);
    expect(text).toContain('FAULT duplicate');
    console.log(`a file server that ignores epochs: ${cx.length} steps\n${text}`);
    expect(replay(opts, JSON.parse(JSON.stringify(cx.steps))).violation).toContain(cx.invariant);
  });

  test('the real file server refuses it (ESTALE): the same configuration holds, explored to the end', () => {
    const r = check(config());
    expect(r.violation?.format() ?? null).toBeNull();
    expect(r.bfs.complete).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@wisp/cli';
import { encode } from '@wisp/protocol';

let c: LocalCluster;

beforeAll(async () => {
  c = await startLocalCluster({ hosts: 2, migd: true, readyTimeoutMs: 45_000 });
}, 90_000);

afterAll(async () => {
  await c?.stop();
});

const counted = (out: string) => out.split('\n').filter((l) => l.startsWith('count ')).length;

describe('stray messages', () => {
  it('requests without a reply subject and garbage stop nothing: hosts, file server and migd all still answer', async () => {
    const s = c.client.subjects;
    const nc = c.client.nc;
    let out = '';
    const run = await c.client.run('counter', ['100000', '20'], { home: 'h1', onOutput: (m) => (out += m.data) });
    await expect.poll(() => counted(out), { timeout: 10_000 }).toBeGreaterThan(2);

    const garbage = new Uint8Array([0xff, 0x00, 0x7b, 0x22]);
    const wellFormed: Array<[string, unknown]> = [
      // Well-formed requests, published without a reply subject: before, each one stopped its receiver.
      [s.host('h1', 'ps'), {}],
      [s.host('h2', 'info'), {}],
      [s.hosts('ps'), {}],
      [s.hosts('info'), {}],
      [s.host('h2', 'kill'), { pid: 'h2-999', signal: 'TERM' }],
      [s.fs('fs1', 'stat'), { host: 'stray', path: '/' }],
      [s.fs('fs1', 'readdir'), { host: 'stray', path: '/' }],
      [s.migd('status'), {}],
      [s.migd('request'), { requester: 'stray', n: 1 }],
      [s.ownerInput('h2'), {}],
      [s.host('h1', 'cache.disable'), { server: 'fs1', path: '/x', file: 'x', streams: [] }],
      [s.proc(run.pid), { from: 'stray', event: { type: 'noise' } }],
    ];
    for (const [subject, body] of wellFormed) {
      nc.publish(subject, encode(body));
      nc.publish(subject, garbage);
    }
    for (const subject of [s.host('h1', 'spawn'), s.host('h1', 'migrate'), s.fs('fs1', 'write'), s.fs('fs1', 'nosuchverb'), s.migd('nosuchverb')]) {
      nc.publish(subject, garbage);
      nc.publish(subject, garbage, { reply: '' });
    }
    await nc.flush();
    const before = counted(out);

    // Every component still answers.
    expect((await c.client.hosts()).map((h) => h.id)).toEqual(['h1', 'h2']);
    const ps = await c.client.ps();
    expect(ps.find((p) => p.pid === run.pid)).toMatchObject({ state: expect.not.stringMatching(/exited/) });
    await expect(c.client.request('h1', 'ps', {}, 2000)).resolves.toBeTruthy();
    await expect(c.client.request('h2', 'info', {}, 2000)).resolves.toMatchObject({ id: 'h2' });
    const stat = await nc.request(s.fs('fs1', 'stat'), encode({ host: 'test', path: '/' }), { timeout: 2000 });
    expect(new TextDecoder().decode(stat.data)).toContain('"ok":true');
    const migd = await nc.request(s.migd('status'), encode({}), { timeout: 2000 });
    expect(new TextDecoder().decode(migd.data)).toContain('"ok":true');
    // The running process keeps running, and its output keeps reaching this client.
    await expect.poll(() => counted(out), { timeout: 10_000 }).toBeGreaterThan(before + 5);
    // No component exited.
    for (const p of [...c.hosts, c.fileServer, c.migd!]) expect(p.child.exitCode).toBeNull();

    await c.client.kill(run.pid, 'TERM');
    expect(await run.exit).toBe(143);
  }, 60_000);
});

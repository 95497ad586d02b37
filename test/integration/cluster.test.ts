import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { startLocalCluster, wispArgs, type LocalCluster } from '@wisp/cli';
import { ErrorCode, WispError, hostCommands } from '@wisp/protocol';
import { runToEnd, waitForLine } from './runProgram.js';

const HOUR = 3_600_000;
let c: LocalCluster;

beforeAll(async () => {
  // Three hosts, each its own OS process, on a real nats-server; h2's clock runs an hour fast.
  c = await startLocalCluster({ hosts: 3, skewMs: { h2: HOUR } });
}, 60_000);

afterAll(async () => {
  await c?.stop();
});

const host = (id: string) => c.hosts.find((h) => h.id === id)!;

describe('a cluster of hosts as OS processes', () => {
  it('lists every host', async () => {
    const hosts = await c.client.hosts();
    expect(hosts.map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(hosts.find((h) => h.id === 'h2')!.clockSkewMs).toBe(HOUR);
    expect(new Set(hosts.map((h) => h.osPid)).size).toBe(3);
  });

  it('a program spawned on h2 from h1 prints on h1’s console', async () => {
    const r = await runToEnd(c.client, 'counter', ['3', '10'], { home: 'h1', on: 'h2' });
    expect(r.code).toBe(0);
    expect(r.pid).toMatch(/^h1-\d+$/);
    expect(r.stdout).toBe('count 1\ncount 2\ncount 3\n');
    await waitForLine(host('h1').output, (l) => l === `[${r.pid}] count 3`, host('h1').child);
    expect(host('h2').output.some((l) => l.includes(r.pid))).toBe(false);
  });

  it('time is the home clock even on a host whose clock is an hour fast', async () => {
    const away = await runToEnd(c.client, 'clock', ['2', '10'], { home: 'h1', on: 'h2' });
    const atH2 = await runToEnd(c.client, 'clock', ['1', '10'], { home: 'h2' });
    const times = (out: string) => [...out.matchAll(/time (\S+)/g)].map((m) => Date.parse(m[1]!));
    const now = Date.now();
    expect(times(away.stdout)).toHaveLength(2);
    for (const t of times(away.stdout)) expect(Math.abs(t - now)).toBeLessThan(60_000);
    // The skew is real: a process whose home is h2 sees h2's clock.
    expect(Math.abs(times(atH2.stdout)[0]! - (now + HOUR))).toBeLessThan(60_000);
  });

  it('the exit status reaches a parent waiting on another host', async () => {
    const local = await runToEnd(c.client, 'parent', ['h3', '3'], { home: 'h1' });
    expect(local.stdout).toContain('child exited 3');
    expect(local.code).toBe(3);
    // Parent away from home on h2, child on h3: both report to home h1.
    const away = await runToEnd(c.client, 'parent', ['h3', '5'], { home: 'h1', on: 'h2' });
    expect(away.stdout).toContain('exiting 5');
    expect(away.stdout).toContain('child exited 5');
    expect(away.code).toBe(5);
  });

  it('kill from any host reaches the process, wherever it runs', async () => {
    let out = '';
    const run = await c.client.run('sleeper', ['60000'], { home: 'h1', on: 'h3', onOutput: (m) => (out += m.data) });
    const ps = await c.client.ps();
    expect(ps.find((p) => p.pid === run.pid)).toMatchObject({ home: 'h1', host: 'h3', program: 'sleeper' });
    // USR1 is handled by the program; sent through h2, which is neither home nor host.
    await c.client.request('h2', 'kill', { pid: run.pid, signal: 'USR1' });
    await expect.poll(() => out, { timeout: 10_000 }).toContain('got USR1');
    // TERM is not handled: the default action ends it with 128 + 15.
    await c.client.request('h3', 'kill', { pid: run.pid, signal: 'TERM' });
    expect(await run.exit).toBe(143);
    await expect(c.client.kill(run.pid, 'TERM')).rejects.toMatchObject({ code: ErrorCode.ESRCH });
  });

  it('clear errors for unknown hosts, programs and pids', async () => {
    await expect(c.client.run('nosuch', [], { home: 'h1' })).rejects.toMatchObject({ code: ErrorCode.ENOPROG });
    await expect(c.client.run('counter', [], { home: 'h1', on: 'h9' })).rejects.toMatchObject({ code: ErrorCode.EHOSTUNREACH });
    await expect(c.client.kill('h1-99999', 'TERM')).rejects.toMatchObject({ code: ErrorCode.ESRCH });
    await expect(c.client.kill('h7-1', 'TERM')).rejects.toMatchObject({ code: ErrorCode.ESRCH });
    await expect(c.client.kill('nonsense', 'TERM')).rejects.toBeInstanceOf(WispError);
  });

  it('a malformed message on every host subject gets an error reply and the host keeps serving', async () => {
    const enc = new TextEncoder();
    const bad = [new Uint8Array([0xff, 0xfe, 0x00]), enc.encode('{"not":"closed"'), enc.encode('[1,2,3]'), enc.encode('{"pid":42,"signal":"NOPE"}')];
    const verbs = [...Object.keys(hostCommands).filter((v) => v !== 'deliver'), 'nosuchverb'];
    for (const h of c.hosts) {
      for (const verb of verbs) {
        for (const body of bad) {
          const m = await c.client.nc.request(c.client.subjects.host(h.id, verb), body, { timeout: 5000 });
          const reply = JSON.parse(new TextDecoder().decode(m.data));
          expect(reply.ok, `${h.id}.${verb}`).toBe(false);
          expect(['EPROTO', 'EINVAL']).toContain(reply.error.code);
        }
      }
    }
    // The process subject too: a message to a live pid that is not an event.
    const run = await c.client.run('sleeper', ['60000'], { home: 'h2', on: 'h1' });
    const m = await c.client.nc.request(c.client.subjects.proc(run.pid), enc.encode('{"from":"x","event":{"no":"type"}}'), { timeout: 5000 });
    expect(JSON.parse(new TextDecoder().decode(m.data)).error.code).toBe('EINVAL');
    // Every host still answers, and still runs programs.
    expect((await c.client.hosts()).map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    for (const h of c.hosts) expect(h.child.exitCode).toBeNull();
    await c.client.kill(run.pid, 'KILL');
    expect(await run.exit).toBe(137);
    const after = await runToEnd(c.client, 'counter', ['1', '1'], { home: 'h3', on: 'h1' });
    expect(after.stdout).toBe('count 1\n');
  });

  it('pingpong: two processes on different hosts message each other by pid', async () => {
    const r = await runToEnd(c.client, 'pingpong', ['3', 'h3'], { home: 'h1', on: 'h2' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ping 3 -> pong 3');
    expect(r.stdout).toMatch(/child h1-\d+ exited 0/);
  });

  it('one file namespace: a file tee writes on h1 is counted by wc on h3, through file server fs1', async () => {
    const w = await runToEnd(c.client, 'tee', ['/greeting.txt', 'hello', 'wörld'], { home: 'h1' });
    expect(w.stdout).toBe('hello wörld\n');
    expect(w.code).toBe(0);
    const r = await runToEnd(c.client, 'wc', ['/greeting.txt'], { home: 'h1', on: 'h3' });
    expect(r.stdout).toBe('1 2 13 /greeting.txt\n');
    const missing = await runToEnd(c.client, 'wc', ['/nope.txt'], { home: 'h2' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('wisp run: its standard input is the console input of the process, in order, across a migration', async () => {
    const cli = spawn(process.execPath, wispArgs(['run', 'tee', '/typed.txt', '--home', 'h1'], c), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => out.includes(text) && (cli.stdout.off('data', check), resolve());
        cli.stdout.on('data', check);
        cli.once('exit', (code) => reject(new Error(`wisp run exited ${code} before printing ${JSON.stringify(text)}: ${err}`)));
        check();
      });
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    cli.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    cli.stdin.write('first line\n');
    await seen('first line\n');
    // It waits in its next console read; it moves, and the read follows it to h3.
    const tee = (await c.client.ps()).find((p) => p.program === 'tee' && p.state !== 'exited' && p.host === 'h1')!;
    expect((await c.client.migrate(tee.pid, 'h3')).outcome).toBe('committed');
    cli.stdin.write('sécond line\n');
    await seen('sécond line\n');
    cli.stdin.end();
    expect(await exited).toBe(0);
    expect(out).toBe('first line\nsécond line\n');
    expect(err).toBe('');
    const wc = await runToEnd(c.client, 'wc', ['/typed.txt'], { home: 'h2' });
    expect(wc.stdout).toBe('2 4 24 /typed.txt\n');
  });

  it('a CPU-bound program yields and still finishes', async () => {
    const r = await runToEnd(c.client, 'primes', ['20000'], { home: 'h1', on: 'h3' });
    expect(r.stdout).toBe('primes below 20000: 2262\n');
  });
});

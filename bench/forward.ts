import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { assign, createActor, setup } from 'xstate';
import { Kernel } from '@wisp/kernel';
import { ProgramRegistry, defineProgram } from '@wisp/proc';
import { Host, WispClient, createLogger, startNatsServer } from '@wisp/runtime';
import { WARMUP_CALLS, benchPrograms } from './callLoop.js';
import { percentile, round } from './stats.js';

const CALLS = 1000;
/** Raw and forwarded rounds alternate, so drift in machine load hits both alike. */
const ROUNDS = 5;
const EVENTS = 300_000;
const TARGET = 1.25;

/** The machine both sides of the dispatch comparison run: count `tick` events. */
const counterMachine = setup({}).createMachine({
  context: { n: 0 },
  on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

/** Raw NATS request-reply from this process to the `bench.echo` responder. */
async function rawNats(url: string): Promise<number[]> {
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const body = new TextEncoder().encode(JSON.stringify({ pid: 'h2-1', call: 'time', args: [] }));
  const out: number[] = [];
  for (let i = 0; i < CALLS + WARMUP_CALLS; i++) {
    const t = performance.now();
    await nc.request('bench.echo', body, { timeout: 5000 });
    if (i >= WARMUP_CALLS) out.push((performance.now() - t) * 1000);
  }
  await nc.close();
  return out;
}

/** Runs a call-loop program (home h1, on `on`) and returns the gaps it printed. */
async function wispCalls(url: string, program: string, on: string): Promise<number[]> {
  const client = await WispClient.connect(url);
  let printed = '';
  const run = await client.run(program, [String(CALLS + WARMUP_CALLS)], { home: 'h1', on, onOutput: (e) => void (printed += e.data) });
  const code = await run.exit;
  await client.close();
  if (code !== 0) throw new Error(`${program} exited ${code}`);
  return JSON.parse(printed) as number[];
}

/** Samples of each kind over alternating rounds. */
async function rounds(url: string) {
  const s = { raw: [] as number[], fwd: [] as number[], local: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    s.raw.push(...(await rawNats(url)));
    s.fwd.push(...(await wispCalls(url, 'timeloop', 'h2')));
    s.local.push(...(await wispCalls(url, 'pidloop', 'h1')));
  }
  return s;
}

/** h1, h2 and the raw responder each as an OS process, as Wisp hosts run. */
async function processLayout(url: string) {
  const peer = fileURLToPath(new URL('./benchPeer.ts', import.meta.url));
  const kids: ChildProcess[] = [];
  const start = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, ['--import', 'tsx', peer, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
      kids.push(c);
      c.once('exit', (code) => reject(new Error(`bench peer ${args[0]} exited ${code}`)));
      createInterface({ input: c.stdout! }).once('line', () => resolve());
    });
  try {
    await Promise.all([start(['echo', url]), start(['host', url, 'h1']), start(['host', url, 'h2'])]);
    return await rounds(url);
  } finally {
    for (const k of kids) {
      k.removeAllListeners('exit');
      k.stdin!.end();
    }
  }
}

/** Everything in this process: the responder, h1 and h2 share one event loop. */
async function inProcessLayout(url: string) {
  const conns = await Promise.all([0, 1, 2].map(() => connect({ servers: url, noAsyncTraces: true })));
  conns[2]!.subscribe('bench.echo', { callback: (_e, m) => void m.respond(m.data) });
  await conns[2]!.flush();
  const registry = new ProgramRegistry(benchPrograms);
  const hosts = await Promise.all(
    ['h1', 'h2'].map((id, i) => Host.start({ id, nc: conns[i]!, registry, logger: createLogger('bench', 'silent'), console: () => {} })),
  );
  try {
    return await rounds(url);
  } finally {
    for (const h of hosts) await h.stop();
    for (const c of conns) await c.close();
  }
}

function dispatch(): { wisp: number; xstate: number } {
  const actor = createActor(counterMachine).start();
  let t = performance.now();
  for (let i = 0; i < EVENTS; i++) actor.send({ type: 'tick' });
  const xstate = EVENTS / ((performance.now() - t) / 1000);

  const registry = new ProgramRegistry([defineProgram({ name: 'counter', logic: counterMachine })]);
  const k = new Kernel({ hostId: 'h1', registry });
  k.handle({ type: 'request', verb: 'spawn', body: { program: 'counter', args: [] }, replyTo: null, now: 0 });
  const pid = 'h1-1';
  const tick = { pid, from: 'bench', event: { type: 'tick' } };
  t = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    k.handle({ type: 'request', verb: 'deliver', body: tick, replyTo: null, now: 0 });
    k.run(0, 1);
    k.takeEffects();
  }
  const wisp = EVENTS / ((performance.now() - t) / 1000);
  return { wisp, xstate };
}

function summary(s: { raw: number[]; fwd: number[]; local: number[] }) {
  return {
    natsP50Us: round(percentile(s.raw, 50)),
    natsP99Us: round(percentile(s.raw, 99)),
    forwardP50Us: round(percentile(s.fwd, 50)),
    forwardP99Us: round(percentile(s.fwd, 99)),
    localP50Us: round(percentile(s.local, 50), 2),
    forwardRatio: round(percentile(s.fwd, 50) / percentile(s.raw, 50), 3),
  };
}

/**
 * `pnpm bench forward`: forwarded-call latency beside raw NATS request-reply, and dispatch
 * speed beside plain XState. Latency is measured twice: with h1, h2 and the raw responder as
 * separate OS processes (how Wisp runs; the target applies here) and all in one process.
 */
export async function forwardBench(): Promise<Record<string, unknown>> {
  const nats = await startNatsServer();
  try {
    const procs = summary(await processLayout(nats.url));
    const inproc = summary(await inProcessLayout(nats.url));
    const d = dispatch();
    const dispatchRatio = d.wisp / d.xstate;
    const row = (label: string, r: ReturnType<typeof summary>, judged: boolean) =>
      [
        `  ${label}`,
        `    raw NATS request-reply   p50 ${r.natsP50Us} µs   p99 ${r.natsP99Us} µs`,
        `    forwarded sys.time       p50 ${r.forwardP50Us} µs   p99 ${r.forwardP99Us} µs   ratio ${round(r.forwardRatio, 2)} × raw` +
          (judged ? ` (target ≤ ${TARGET}) ${r.forwardRatio <= TARGET ? 'ok' : 'MISSED'}` : ''),
        `    local sys.getpid         p50 ${r.localP50Us} µs`,
      ].join('\n');
    process.stdout.write(
      [
        `forward bench (${ROUNDS} alternating rounds of ${CALLS} calls, loopback nats-server)`,
        row('hosts as OS processes (requester and responder in two processes)', procs, true),
        row('all in one process (same event loop)', inproc, false),
        `  dispatch  ${Math.round(d.wisp)} events/s vs plain XState actor.send ${Math.round(d.xstate)}/s   ratio ${round(dispatchRatio, 2)} (target ≥ 0.5) ${dispatchRatio >= 0.5 ? 'ok' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
    return {
      calls: CALLS * ROUNDS,
      ...procs,
      inProcess: inproc,
      dispatchPerSec: Math.round(d.wisp),
      xstatePerSec: Math.round(d.xstate),
      dispatchRatio: round(dispatchRatio, 3),
    };
  } finally {
    await nats.stop();
  }
}

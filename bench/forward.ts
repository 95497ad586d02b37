import { connect } from '@nats-io/transport-node';
import { assign, createActor, setup } from 'xstate';
import { Kernel } from '@wisp/kernel';
import { ProgramRegistry, defineProgram, resultOf, sys } from '@wisp/proc';
import { Host, WispClient, createLogger, startNatsServer } from '@wisp/runtime';
import { percentile, round } from './stats.js';

const CALLS = 1000;
const WARMUP = 100;
/** Raw and forwarded rounds alternate, so drift in machine load hits both alike. */
const ROUNDS = 5;
const EVENTS = 300_000;

/** A program that makes `n` calls of one kind back to back, marking the time of each result. */
function callLoop(name: string, call: () => ReturnType<typeof sys.time>, marks: number[]) {
  return defineProgram({
    name,
    logic: setup({ actions: { mark: () => void marks.push(performance.now()) } }).createMachine({
      context: ({ input }: { input: { args: string[] } }) => ({ left: Number(input.args[0]) }),
      initial: 'calling',
      states: {
        calling: {
          entry: ['mark', call()],
          on: { 'sys.result': [{ guard: ({ context }) => context.left <= 1, target: 'done', actions: 'mark' }, { target: 'calling', reenter: true, actions: assign({ left: ({ context }) => context.left - 1 }) }] },
        },
        done: { type: 'final' },
      },
    }),
  });
}

/** The machine both sides of the dispatch comparison run: count `tick` events. */
const counterMachine = setup({}).createMachine({
  context: { n: 0 },
  on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

function gaps(marks: number[]): number[] {
  const g: number[] = [];
  for (let i = 1; i < marks.length; i++) g.push((marks[i]! - marks[i - 1]!) * 1000);
  return g.slice(WARMUP);
}

async function rawNats(url: string): Promise<number[]> {
  const a = await connect({ servers: url, noAsyncTraces: true });
  const b = await connect({ servers: url, noAsyncTraces: true });
  const sub = a.subscribe('bench.echo', { callback: (_e, m) => void m.respond(m.data) });
  await a.flush();
  const body = new TextEncoder().encode(JSON.stringify({ pid: 'h2-1', call: 'time', args: [] }));
  const out: number[] = [];
  for (let i = 0; i < CALLS + WARMUP; i++) {
    const t = performance.now();
    await b.request('bench.echo', body, { timeout: 5000 });
    if (i >= WARMUP) out.push((performance.now() - t) * 1000);
  }
  sub.unsubscribe();
  await a.close();
  await b.close();
  return out;
}

async function wispCalls(url: string, program: string, on: string, marks: number[]): Promise<number[]> {
  marks.length = 0;
  const client = await WispClient.connect(url);
  const run = await client.run(program, [String(CALLS + WARMUP)], { home: 'h1', on });
  const code = await run.exit;
  await client.close();
  if (code !== 0) throw new Error(`${program} exited ${code}`);
  return gaps(marks);
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

/** `pnpm bench forward`: forwarded-call latency and dispatch speed, beside raw NATS and XState. */
export async function forwardBench(): Promise<Record<string, unknown>> {
  const nats = await startNatsServer();
  const marks: number[] = [];
  const registry = new ProgramRegistry([
    callLoop('timeloop', () => sys.time(), marks),
    callLoop('pidloop', () => sys.getpid(), marks),
  ]);
  const conns = await Promise.all(['h1', 'h2'].map(() => connect({ servers: nats.url, noAsyncTraces: true })));
  const hosts = await Promise.all(
    ['h1', 'h2'].map((id, i) => Host.start({ id, nc: conns[i]!, registry, clockSkewMs: id === 'h2' ? 3_600_000 : 0, logger: createLogger('bench', 'silent') })),
  );
  try {
    const raw: number[] = [];
    const fwd: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(...(await rawNats(nats.url)));
      fwd.push(...(await wispCalls(nats.url, 'timeloop', 'h2', marks)));
      local.push(...(await wispCalls(nats.url, 'pidloop', 'h1', marks)));
    }
    const d = dispatch();
    const r = {
      calls: CALLS * ROUNDS,
      natsP50Us: round(percentile(raw, 50)),
      natsP99Us: round(percentile(raw, 99)),
      forwardP50Us: round(percentile(fwd, 50)),
      forwardP99Us: round(percentile(fwd, 99)),
      localP50Us: round(percentile(local, 50), 2),
      dispatchPerSec: Math.round(d.wisp),
      xstatePerSec: Math.round(d.xstate),
    };
    const fwdRatio = r.forwardP50Us / r.natsP50Us;
    const dispRatio = r.dispatchPerSec / r.xstatePerSec;
    process.stdout.write(
      [
        `forward bench (${ROUNDS} alternating rounds of ${CALLS} calls, loopback nats-server)`,
        `  raw NATS request-reply   p50 ${r.natsP50Us} µs   p99 ${r.natsP99Us} µs`,
        `  forwarded sys.time       p50 ${r.forwardP50Us} µs   p99 ${r.forwardP99Us} µs   ratio ${round(fwdRatio, 2)} × raw (target ≤ 1.25) ${fwdRatio <= 1.25 ? 'ok' : 'MISSED'}`,
        `  local sys.getpid         p50 ${r.localP50Us} µs`,
        `  dispatch                 ${r.dispatchPerSec} events/s vs plain XState actor.send ${r.xstatePerSec}/s   ratio ${round(dispRatio, 2)} (target ≥ 0.5) ${dispRatio >= 0.5 ? 'ok' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
    return { ...r, forwardRatio: round(fwdRatio, 3), dispatchRatio: round(dispRatio, 3) };
  } finally {
    for (const h of hosts) await h.stop();
    for (const c of conns) await c.close();
    await nats.stop();
  }
}

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { percentile } from './stats.js';

/** Raw NATS on the bench's own nats-server: what migration is measured against. */
export interface NatsBaseline {
  /** Request-reply round trip, p50, µs. */
  rttUs: number;
  rttP99Us: number;
  /** Large requests answered with a short ack, `window` in flight: MB/s (1 MB = 2^20 bytes). */
  mbps: number;
  msgBytes: number;
  window: number;
}

const RTT_WARMUP = 200;
const RTT_SAMPLES = 2000;

/** A raw NATS peer the bench keeps for the whole run, to sample round trips beside Wisp's figures. */
export interface NatsPeer {
  /** The baseline figures, measured once at the start. */
  baseline: NatsBaseline;
  /** `n` more round trips of the same small echo, µs each: taken between Wisp measurements, under the same load. */
  rtts(n: number): Promise<number[]>;
  close(): Promise<void>;
}

/**
 * Raw NATS between the bench process and a peer OS process (`natsPeer.ts`) on the server at
 * `url`: the round trip of a small echo, and the throughput of `msgBytes` requests with
 * `window` in flight (the best of `tries` passes over `totalBytes`: the machine is shared).
 * The peer stays up for {@link NatsPeer.rtts} until closed.
 */
export async function natsBaseline(url: string, opts: { msgBytes: number; window: number; totalBytes: number; tries?: number }): Promise<NatsPeer> {
  const peer = fileURLToPath(new URL('./natsPeer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', peer, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const close = async () => {
    child.removeAllListeners('exit');
    child.stdin!.end();
    await nc.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`nats peer exited ${code}`)));
      createInterface({ input: child.stdout! }).once('line', () => resolve());
    });
    const small = new TextEncoder().encode(JSON.stringify({ pid: 'h1-1', to: 'h2', strategy: 'flush' }));
    const rtts = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await nc.request('bench.echo', small, { timeout: 5000 });
        out.push((performance.now() - t) * 1000);
      }
      return out;
    };
    await rtts(RTT_WARMUP);
    const samples = await rtts(RTT_SAMPLES);
    const big = new Uint8Array(opts.msgBytes).fill(7);
    const count = Math.ceil(opts.totalBytes / opts.msgBytes);
    let best = 0;
    for (let i = 0; i < (opts.tries ?? 3); i++) {
      const t = performance.now();
      let sent = 0;
      const lane = async () => {
        while (sent < count) {
          sent++;
          await nc.request('bench.sink', big, { timeout: 30_000 });
        }
      };
      await Promise.all(Array.from({ length: opts.window }, lane));
      best = Math.max(best, (count * opts.msgBytes) / (1 << 20) / ((performance.now() - t) / 1000));
    }
    const baseline = { rttUs: percentile(samples, 50), rttP99Us: percentile(samples, 99), mbps: best, msgBytes: opts.msgBytes, window: opts.window };
    return { baseline, rtts, close };
  } catch (err) {
    await close();
    throw err;
  }
}

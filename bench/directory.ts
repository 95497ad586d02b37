import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { HostLease, ProcessDirectory, createLogger, startNatsServer } from '@wisp/runtime';
import { percentile } from './stats.js';
import { natsBaseline } from './natsBaseline.js';

const CAS_SAMPLES = 2000;
const RENEW_MS = 2000;
/** The default lease (5 s) is renewed every quarter of it. */
const DEFAULT_RENEW_EVERY_MS = 5000 / 4;

/**
 * `samples` compare-and-set updates of one record in the process directory of `cluster`, as a
 * migration's claim makes them (after 200 to warm up), each in µs. The record is a bench's own
 * (`h0-1`), deleted at the end.
 */
export async function casTimes(nc: NatsConnection, cluster: string, samples: number): Promise<number[]> {
  const dir = await ProcessDirectory.open(nc, cluster);
  const entry = (epoch: number) => ({ host: epoch % 2 ? 'h1' : 'h2', boot: 'b', epoch });
  let { revision } = await dir.perform({ op: 'create', pid: 'h0-1', entry: entry(1) });
  const cas: number[] = [];
  for (let i = 0; i < samples + 200; i++) {
    const t = performance.now();
    ({ revision } = await dir.perform({ op: 'update', pid: 'h0-1', entry: entry(i + 2), revision }));
    if (i >= 200) cas.push((performance.now() - t) * 1000);
  }
  await dir.perform({ op: 'delete', pid: 'h0-1', revision });
  return cas;
}

/**
 * `pnpm bench directory`: what the process directory and the host lease cost. The
 * compare-and-set a migration's commit adds (the target's claim), p50/p99, beside the raw NATS
 * round trip on the same server in the same run; and the CPU a host spends on its lease: renewals
 * measured at a fast pace, then scaled to the default pace, as a share of one core.
 */
export async function directoryBench(): Promise<Record<string, unknown>> {
  const nats = await startNatsServer();
  const peer = await natsBaseline(nats.url, { msgBytes: 1024, window: 1, totalBytes: 1 << 20 });
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  try {
    const cas = await casTimes(nc, 'bench', CAS_SAMPLES);
    const rtts = await peer.rtts(CAS_SAMPLES);
    const casP50 = percentile(cas, 50);
    const rttP50 = percentile(rtts, 50);

    // Lease renewals every 50 ms (a 200 ms lease): CPU per renewal, then as a share of a core at the default pace.
    const lease = await HostLease.acquire({ nc, cluster: 'bench', host: 'hb', log: createLogger('bench', 'silent'), ttlMs: 200 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, RENEW_MS));
    const cpu = process.cpuUsage(cpu0);
    const renewals = (performance.now() - t0) / 50;
    await lease.release();
    const cpuPerRenewalUs = (cpu.user + cpu.system) / renewals;
    const leaseCpuShare = cpuPerRenewalUs / 1000 / DEFAULT_RENEW_EVERY_MS;
    const r = { casP50Us: round(casP50), casP99Us: round(percentile(cas, 99)), rawRttP50Us: round(rttP50), casOverRtt: round(casP50 / rttP50, 2), cpuPerRenewalUs: round(cpuPerRenewalUs), leaseCpuPercent: round(leaseCpuShare * 100, 3) };
    process.stdout.write(
      `process directory compare-and-set: p50 ${r.casP50Us} µs, p99 ${r.casP99Us} µs (raw NATS round trip p50 ${r.rawRttP50Us} µs: ${r.casOverRtt} ×)\n` +
        `host lease: ${r.cpuPerRenewalUs} µs of CPU per renewal; at the default 5 s lease (renewed every 1.25 s) ${r.leaseCpuPercent} % of one core (target < 1 %)\n`,
    );
    return r;
  } finally {
    await nc.close();
    await peer.close();
    await nats.stop();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

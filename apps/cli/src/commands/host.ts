import { FsClient } from '@wisp/fs';
import { Host, LogPublisher, connectNats, createLogger } from '@wisp/runtime';
import { hostRegistry } from '../programModules.js';

/** `wisp host`: runs one host in this process until SIGTERM/SIGINT. */
export async function hostCommand(o: { id: string; url: string; cluster: string; skewMs: number; fs: string; programs: string[]; reportMs?: number }): Promise<void> {
  const registry = await hostRegistry(o.programs);
  const publisher = new LogPublisher();
  const logger = createLogger('wisp-host', undefined, undefined, publisher);
  const nc = await connectNats(o.url, { name: `wisp-host-${o.id}`, log: logger.child({ host: o.id, machine: 'connection' }) });
  // The host's file-system client: prefix table, block cache, and the cache.disable callbacks.
  // Started once the host holds the lease on its id: a duplicate must not answer the real one's callbacks.
  let fs: FsClient | null = null;
  const startFs = async () => (fs = await FsClient.start({ nc, host: o.id, prefixes: o.fs, cluster: o.cluster }));
  const leaseMs = Number(process.env.WISP_HOST_LEASE_MS) || undefined;
  // WISP_CLEANER=off: no background write-back of dirty pages (to measure a flush without it).
  const cleaner = process.env.WISP_CLEANER === 'off' ? false : {};
  const host = await Host.start({ id: o.id, nc, registry, cluster: o.cluster, clockSkewMs: o.skewMs, logger, fs: startFs, owner: { reportMs: o.reportMs }, lease: { ttlMs: leaseMs }, cleaner });
  // Published once the host holds its id: a refused duplicate's lines stay on its stderr.
  publisher.connect(nc, o.cluster, o.id);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await host.stop();
  publisher.stop();
  await (fs as FsClient | null)?.stop();
  await nc.drain().catch(() => undefined);
}

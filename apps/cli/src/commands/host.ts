import { connect } from '@nats-io/transport-node';
import { exampleRegistry } from '@wisp/examples';
import { Host, createLogger } from '@wisp/runtime';

/** `wisp host`: runs one host in this process until SIGTERM/SIGINT. */
export async function hostCommand(o: { id: string; url: string; cluster: string; skewMs: number }): Promise<void> {
  const logger = createLogger('wisp-host');
  const nc = await connect({ servers: o.url, name: `wisp-host-${o.id}`, noAsyncTraces: true });
  const host = await Host.start({ id: o.id, nc, registry: exampleRegistry(), cluster: o.cluster, clockSkewMs: o.skewMs, logger });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await host.stop();
  await nc.drain().catch(() => undefined);
}

import { connect } from '@nats-io/transport-node';
import { MigdProcess, type MigdConfig } from '@wisp/migd';
import { createLogger } from '@wisp/runtime';

/** `wisp migd`: runs the load-sharing daemon in this process until SIGTERM/SIGINT. */
export async function migdCommand(o: { url: string; cluster: string; config: Partial<MigdConfig> }): Promise<void> {
  const nc = await connect({ servers: o.url, name: 'wisp-migd', noAsyncTraces: true });
  const migd = await MigdProcess.start({ nc, cluster: o.cluster, config: o.config, logger: createLogger('wisp-migd') });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await migd.stop();
  await nc.drain().catch(() => undefined);
}

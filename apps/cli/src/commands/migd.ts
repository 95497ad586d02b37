import { MigdProcess, type MigdConfig } from '@wisp/migd';
import { LogPublisher, connectNats, createLogger } from '@wisp/runtime';

/** `wisp migd`: runs the load-sharing daemon in this process until SIGTERM/SIGINT. */
export async function migdCommand(o: { url: string; cluster: string; config: Partial<MigdConfig> }): Promise<void> {
  const publisher = new LogPublisher();
  const logger = createLogger('wisp-migd', undefined, undefined, publisher);
  const nc = await connectNats(o.url, { name: 'wisp-migd', log: logger.child({ machine: 'connection' }) });
  const migd = await MigdProcess.start({ nc, cluster: o.cluster, config: o.config, logger });
  publisher.connect(nc, o.cluster, 'migd');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await migd.stop();
  publisher.stop();
  await nc.drain().catch(() => undefined);
}

import { MigdProcess, type MigdConfig } from '@wisp/migd';
import { connectNats, createLogger } from '@wisp/runtime';

/** `wisp migd`: runs the load-sharing daemon in this process until SIGTERM/SIGINT. */
export async function migdCommand(o: { url: string; cluster: string; config: Partial<MigdConfig> }): Promise<void> {
  const logger = createLogger('wisp-migd');
  const nc = await connectNats(o.url, { name: 'wisp-migd', log: logger });
  const migd = await MigdProcess.start({ nc, cluster: o.cluster, config: o.config, logger });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await migd.stop();
  await nc.drain().catch(() => undefined);
}

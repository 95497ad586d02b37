import type { WispClient } from '@wisp/runtime';
import { ensureUiAssets } from './assets.js';
import { startUiServer } from './server.js';

/** `wisp ui [--port P]`: serves the dashboard until Ctrl-C, building the page first if it is not built. */
export async function uiCommand(client: WispClient, o: { port: number; listen?: string }): Promise<void> {
  const assets = ensureUiAssets((line) => process.stderr.write(`${line}\n`));
  const ui = await startUiServer(client, { port: o.port, assets, ...(o.listen ? { listen: o.listen } : {}) });
  process.stdout.write(`wisp: dashboard of cluster '${client.subjects.cluster}' at ${ui.url}  (Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ui.stop();
}

import { WispClient } from '@wisp/runtime';
import { readClusterFile } from './clusterFile.js';

/** Common options of client commands. */
export interface ClientOptions {
  nats?: string;
  cluster: string;
}

/** Connects to the cluster named on the command line, in $WISP_NATS, or started by `wisp up`. */
export async function connectClient(o: ClientOptions): Promise<WispClient> {
  const url = o.nats ?? process.env.WISP_NATS ?? readClusterFile(o.cluster)?.url;
  if (!url) {
    throw new Error(`no cluster '${o.cluster}' is running: start one with 'pnpm wisp up' (or pass --nats URL)`);
  }
  return WispClient.connect(url, o.cluster, { log: stderrLog });
}

/** NATS outages as `wisp: …` lines on stderr (a long `wisp run` waits them out). */
export const stderrLog = { warn: (_fields: object, msg?: string) => void process.stderr.write(`wisp: ${msg}\n`) };

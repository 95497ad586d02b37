import { connect, type NatsConnection } from '@nats-io/transport-node';
import { FileServerProcess, FsClient, MemoryStorage, PrefixTable, type FsLogger } from '@wisp/fs';
import type { CleanerConfig } from '@wisp/kernel';
import { ProgramRegistry, type Program } from '@wisp/proc';
import { Host, WispClient, createLogger, startNatsServer, type NatsServerHandle } from '@wisp/runtime';

const quietFs: FsLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A real nats-server, file server fs1 (memory) and in-process hosts, each with its own connection and FsClient. */
export interface FsCluster {
  client: WispClient;
  /** The hosts' file-system clients, in host order. */
  fs: FsClient[];
  stop(): Promise<void>;
}

/** Starts an {@link FsCluster} with hosts `ids` running `programs`; `opts.cleaner` configures every host's cleaner, `opts.storage` is fs1's. */
export async function startFsCluster(cluster: string, ids: string[], programs: Program[], opts: { cleaner?: CleanerConfig | false; storage?: MemoryStorage } = {}): Promise<FsCluster> {
  // (JetStream: hosts keep the process directory in it.)
  const nats: NatsServerHandle = await startNatsServer();
  const conns: NatsConnection[] = [];
  const hosts: Host[] = [];
  const fs: FsClient[] = [];
  const conn = async () => {
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    conns.push(nc);
    return nc;
  };
  const fsp = await FileServerProcess.start({ nc: await conn(), id: 'fs1', storage: opts.storage ?? new MemoryStorage(), cluster, logger: quietFs });
  for (const id of ids) {
    const nc = await conn();
    const client = await FsClient.start({ nc, host: id, prefixes: PrefixTable.single('fs1'), cluster, logger: quietFs });
    fs.push(client);
    const registry = new ProgramRegistry(programs);
    hosts.push(await Host.start({ id, nc, cluster, registry, fs: client, console: () => undefined, logger: createLogger('wisp', 'warn'), ...(opts.cleaner !== undefined ? { cleaner: opts.cleaner } : {}) }));
  }
  return {
    client: WispClient.over(await conn(), cluster),
    fs,
    stop: async () => {
      for (const h of hosts) await h.stop();
      for (const c of fs) await c.stop();
      await fsp.stop();
      for (const c of conns) await c.close().catch(() => undefined);
      await nats.stop();
    },
  };
}

import { DirStorage, FileServerProcess, JetStreamStorage, MemoryStorage, type Storage } from '@wisp/fs';
import { LogPublisher, connectNats, createLogger } from '@wisp/runtime';
import { UsageError } from '../usage.js';

/** Where a file server keeps its files: `memory`, `dir:<path>` or `jetstream`. */
export type StorageSpec = string;

/** `wisp fileserver`: runs one file server in this process until SIGTERM/SIGINT. */
export async function fileServerCommand(o: { id: string; url: string; cluster: string; storage: StorageSpec }): Promise<void> {
  const publisher = new LogPublisher();
  const logger = createLogger('wisp-fs', undefined, undefined, publisher).child({ fs: o.id });
  const nc = await connectNats(o.url, { name: `wisp-fs-${o.id}`, log: logger.child({ machine: 'connection' }) });
  let storage: Storage;
  if (o.storage === 'memory') storage = new MemoryStorage();
  else if (o.storage === 'jetstream') storage = await JetStreamStorage.open(nc, { name: o.id });
  else if (o.storage.startsWith('dir:') && o.storage.length > 4) storage = new DirStorage(o.storage.slice(4));
  else throw new UsageError(`--storage wants memory, dir:<path> or jetstream, got '${o.storage}'`);
  const fsp = await FileServerProcess.start({ nc, id: o.id, storage, cluster: o.cluster, logger: logger.child({ machine: 'fileServer' }) });
  publisher.connect(nc, o.cluster, o.id);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    void nc.closed().then(() => resolve());
  });
  await fsp.stop();
  publisher.stop();
  await nc.drain().catch(() => undefined);
}

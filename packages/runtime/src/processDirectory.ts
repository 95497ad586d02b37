/**
 * The process directory on JetStream (DESIGN §5): a KV bucket per cluster, key = pid, value =
 * where the process runs, in which run of that host, at which epoch. Writes are compare-and-set
 * at the revision read (KV's `update` with the expected last sequence), so it is the commit
 * point of every migration that both sides can read after any lost answer.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { DirectoryEntry, ErrorCode, WispError, directoryBucket, type DirectoryAnswer, type DirectoryOp } from '@wisp/protocol';
import { openBucket } from './hostLease.js';

const isWrongSequence = (err: unknown) => /wrong last sequence|10071/i.test(String((err as Error)?.message ?? err)) || (err as { code?: number })?.code === 10071;
const isTimeout = (err: unknown) => /timeout|timed out/i.test(String((err as Error)?.message ?? err)) || (err as { name?: string })?.name === 'TimeoutError';
const encodeEntry = (e: DirectoryEntry) => new TextEncoder().encode(JSON.stringify(e));

/** The process directory of one cluster, as a host (or a client) uses it. */
export class ProcessDirectory {
  private constructor(private readonly kv: KV) {}

  /** Opens (creating it if needed) the directory bucket of `cluster`: file storage, one value per pid. */
  static async open(nc: NatsConnection, cluster: string): Promise<ProcessDirectory> {
    return new ProcessDirectory(await openBucket(nc, directoryBucket(cluster), { history: 1, storage: 'file' } as never, 'the process directory'));
  }

  /**
   * Performs one operation. Rejects with `EEXIST` (create of a pid that has a record), `ESTALE`
   * (the record changed since the revision given), `ETIMEDOUT` (no answer in time: the write
   * may have happened) or `EHOSTUNREACH` (JetStream did not answer at all).
   */
  async perform(op: DirectoryOp): Promise<DirectoryAnswer> {
    try {
      switch (op.op) {
        case 'get':
          return await this.get(op.pid);
        case 'create':
          return { entry: op.entry, revision: await this.kv.create(op.pid, encodeEntry(op.entry)) };
        case 'update':
          return { entry: op.entry, revision: await this.kv.update(op.pid, encodeEntry(op.entry), op.revision) };
        case 'delete':
          await this.kv.delete(op.pid, { previousSeq: op.revision });
          return { entry: null, revision: 0 };
      }
    } catch (err) {
      if (err instanceof WispError) throw err;
      if (isWrongSequence(err)) {
        if (op.op === 'create') throw new WispError(ErrorCode.EEXIST, `${op.pid} has a directory record`);
        throw new WispError(ErrorCode.ESTALE, `directory record of ${op.pid} changed since revision ${(op as { revision: number }).revision}`);
      }
      const msg = (err as Error)?.message ?? String(err);
      if (isTimeout(err)) throw new WispError(ErrorCode.ETIMEDOUT, `directory ${op.op} of ${op.pid}: ${msg}`);
      throw new WispError(ErrorCode.EHOSTUNREACH, `directory ${op.op} of ${op.pid}: ${msg}`);
    }
  }

  /** The record of `pid` (none once deleted), validated: a record that is not one is an error. */
  async get(pid: string): Promise<DirectoryAnswer> {
    const e = await this.kv.get(pid);
    if (!e || e.operation !== 'PUT') return { entry: null, revision: e?.revision ?? 0 };
    const parsed = DirectoryEntry.safeParse(e.json());
    if (!parsed.success) throw new WispError(ErrorCode.EPROTO, `directory record of ${pid} is malformed`);
    return { entry: parsed.data, revision: e.revision };
  }
}

import type { NatsConnection } from '@nats-io/nats-core';
import type { BlockCacheOptions } from './blockCache.js';
import type { FsLogger } from './logger.js';
import type { PrefixTable } from './prefixTable.js';

/** A stream as a host names it: `<file server id>:<stream id>`. Serializable, valid on every host. */
export type StreamHandle = string;

/** Flags that add to what an open mode implies. */
export interface OpenFlags {
  create?: boolean;
  truncate?: boolean;
  /** With `create`: fail with `EEXIST` if the file exists. */
  excl?: boolean;
}

/** What {@link FsClient.open} returns. */
export interface OpenResult {
  stream: StreamHandle;
  size: number;
  version: number;
  /** Whether this host caches the file (it is not write-shared). */
  cacheable: boolean;
}

/** Told the bytes done so far of a whole-file read or write, and its total. */
export type FileProgress = (done: number, total: number) => void;

/** What {@link FsClient.stat} returns. */
export interface FsStat {
  type: 'file' | 'dir';
  size: number;
  version: number;
  /** For a file: who has it open and who may cache it (the server's view, as in Sprite). */
  sharing?: FileSharing;
}

/** A file's sharing and caching state at its server. */
export interface FileSharing {
  /** Hosts with the file open. */
  hosts: string[];
  /** Hosts with it open for writing. */
  writers: string[];
  /** Open on two or more hosts with at least one writer: nobody caches it. */
  writeShared: boolean;
  /** Hosts allowed to cache it now. */
  cachingHosts: string[];
}

/** How to run an {@link FsClient}. */
export interface FsClientOptions {
  /** A connected NATS client; not closed by {@link FsClient.stop}. */
  nc: NatsConnection;
  /** The id of the host this client serves. */
  host: string;
  /** Which file server owns which paths: a table or its spec (`/=fs1,/scratch=fs2`). */
  prefixes: PrefixTable | string;
  cluster?: string;
  /** Timeout of one request, ms (default 30 000; an open may wait for other hosts' flushes). */
  timeoutMs?: number;
  /** Block cache sizing, or `false` to cache nothing. */
  cache?: BlockCacheOptions | false;
  /** Dirty blocks are written back at most this long after they were first dirtied, ms (default 30). */
  writeBackMs?: number;
  /** Dirty bytes (over all files) beyond which a write flushes its file at once (default 4 MiB). */
  maxDirtyBytes?: number;
  /** Page messages in flight per pageIn/pageOut call (default 8). */
  pipeline?: number;
  /**
   * Subscribe to `host.<host>.cache.disable` and answer file-server callbacks here (default
   * true). A host runtime that owns its host subjects passes false and calls
   * {@link FsClient.handleCacheDisable} itself.
   */
  serveCallbacks?: boolean;
  logger?: FsLogger;
}


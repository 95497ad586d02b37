/**
 * Wisp file servers: one namespace over NATS, split by a prefix table; a pure file server with
 * Sprite's caching rules (a consistency machine per file), its NATS edge, storage backends, and the client a host uses (with a
 * block cache).
 * @module
 */
export { normalizePath, parentOf, joinPath, isUnder, segments, MAX_PATH_BYTES, MAX_NAME_BYTES } from './path.js';
export { PrefixTable, type PrefixEntry } from './prefixTable.js';
export { EpochFence, DEFAULT_MAX_FENCED_PIDS } from './epochFence.js';
export { AnswerCache, DEFAULT_ANSWERS_PER_HOST, DEFAULT_MAX_ANSWERS, DEFAULT_MAX_ANSWER_BYTES, type Answer, type Recall } from './answerCache.js';
export { FileServer, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_REPLY_BYTES, type FileServerOptions, type CachingState, type FileServerView, type FileView } from './fileServer.js';
export {
  fileMachine,
  stepFile,
  sharingOf,
  NOT_OPEN,
  type FileSnapshot,
  type FileEvent,
  type FileAction,
  type FileConsistencyContext,
  type FileConsistencyView,
  type HostRefs,
  type HeldOpen,
  type ReplyTicket,
  type Sharing,
} from './fileConsistency.js';
export type { StreamRow } from './streams.js';
export type { FsCall, FsCallOf, FsInput, FsEffect, PersistOp } from './effects.js';
export { FileServerProcess, type FileServerProcessOptions } from './fileServerProcess.js';
export { FsClient, type FsClientOptions, type OpenFlags, type OpenResult, type FsStat, type FileProgress, type FileSharing, type StreamHandle } from './fsClient.js';
export { BlockCache, DEFAULT_BLOCK_SIZE, DEFAULT_CACHE_BYTES, type BlockCacheOptions, type BlockCacheStats, type BlockCacheView, type DirtyRun } from './blockCache.js';
export { StorageQueue } from './storageQueue.js';
export { maxReadBytes, pagesPerReply, pagesPerRequest, REPLY_META_RESERVE, PAGE_NO_BYTES } from './limits.js';
export { stderrLogger, type FsLogger } from './logger.js';
export type { Storage, StorageImage, StoredFile } from './storage/storage.js';
export { MemoryStorage } from './storage/memoryStorage.js';
export { DirStorage, type DirStorageOptions } from './storage/dirStorage.js';
export { JetStreamStorage } from './storage/jetstreamStorage.js';
export { FileLanes } from './fileLanes.js';

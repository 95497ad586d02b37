import { z } from 'zod';
import { HostIdSchema } from './schemas.js';

/**
 * One record of the process directory (DESIGN §5): where a process runs, in which run of that
 * host (`boot`), and its epoch — a number that grows with every move and every fence. The
 * directory is a key-value register per cluster (key = pid) written only by compare-and-set,
 * so it is the one commit point both sides of a migration can read after any ambiguity.
 */
export const DirectoryEntry = z.object({ host: HostIdSchema, boot: z.string().min(1), epoch: z.number().int().min(1) }).strict();
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

/** The operations on the directory a kernel asks for; the answer is a {@link DirectoryAnswer}. */
export type DirectoryOp =
  /** The record of `pid` (null if it has none). */
  | { op: 'get'; pid: string }
  /** A new record; `EEXIST` if `pid` has one. */
  | { op: 'create'; pid: string; entry: DirectoryEntry }
  /** Replace the record at `revision`; `ESTALE` if it changed since. */
  | { op: 'update'; pid: string; entry: DirectoryEntry; revision: number }
  /** Remove the record at `revision` (the process ended); `ESTALE` if it changed since. */
  | { op: 'delete'; pid: string; revision: number };

/** What the directory answers: the record as it is now and its revision (0: none). */
export interface DirectoryAnswer {
  entry: DirectoryEntry | null;
  revision: number;
}

/** The directory bucket of a cluster (a JetStream KV bucket, file storage: it outlives restarts). */
export const directoryBucket = (cluster: string) => `wisp_${cluster}_procs`;

/** Whether `e` names `host` in its run `boot` at `epoch`. */
export function names(e: DirectoryEntry | null, host: string, boot: string, epoch: number): boolean {
  return e !== null && e.host === host && e.boot === boot && e.epoch === epoch;
}

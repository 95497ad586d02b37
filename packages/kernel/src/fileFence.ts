import type { FsFence } from '@wisp/protocol';
import type { FsOp } from './effects.js';
import type { Pcb } from './pcb.js';

/**
 * The fence of a file operation made for `pcb`: its pid and its directory epoch as this host
 * holds it now. The file server refuses one older than the newest it has seen for the pid
 * (`ESTALE`), so a copy another host has moved past cannot write through (DESIGN §5).
 */
export function fenceOf(pcb: Pcb): FsFence {
  return { pid: pcb.pid, epoch: pcb.dir.epoch };
}

/**
 * How many positional arguments each file-system client method takes before its last one, the
 * fence (`FsClient.open(path, mode, flags, fence)`, `pageIn(file, pages, pageSize, fence)`, …).
 */
export const FS_OP_ARITY: Readonly<Record<FsOp, number>> = {
  open: 3,
  read: 2,
  write: 2,
  seek: 3,
  close: 1,
  stat: 1,
  unlink: 1,
  mkdir: 2,
  readdir: 1,
  dup: 2,
  move: 3,
  pageOut: 2,
  pageIn: 3,
  dropPages: 1,
};

/**
 * The arguments of an `fs` effect as the file-system client method takes them: with a fence,
 * padded to the method's arity (missing ones left undefined, so their defaults apply) and the
 * fence last; without one, as they are.
 */
export function fsMethodArgs(op: FsOp, args: readonly unknown[], fence: FsFence | undefined): unknown[] {
  if (!fence) return args as unknown[];
  const out = args.slice(0, FS_OP_ARITY[op]);
  while (out.length < FS_OP_ARITY[op]) out.push(undefined);
  out.push(fence);
  return out;
}

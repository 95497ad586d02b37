import { ErrorCode, type DirectoryAnswer, type DirectoryEntry, type DirectoryOp } from '@wisp/protocol';
import type { Answer } from './network.js';

/** The process directory as a simulation holds it: pid → record and revision. Immutable. */
export type DirectoryRegister = Readonly<Record<string, { readonly entry: DirectoryEntry; readonly revision: number }>>;

/**
 * One directory operation on a linearizable register with compare-and-set, as JetStream KV
 * gives it (the runtime's directory): returns the register after it and the answer. Revisions
 * grow with every write across the whole register (KV's stream sequence), starting at `seq + 1`.
 */
export function applyDirectory(reg: DirectoryRegister, seq: number, op: DirectoryOp): { reg: DirectoryRegister; seq: number; answer: Answer } {
  const cur = reg[op.pid];
  const ok = (r: DirectoryAnswer): Answer => ({ ok: true, value: r });
  const stale = (): Answer => ({ ok: false, error: { code: ErrorCode.ESTALE, message: `directory record of ${op.pid} changed (revision ${cur?.revision ?? 0})` } });
  switch (op.op) {
    case 'get':
      return { reg, seq, answer: ok(cur ? { entry: cur.entry, revision: cur.revision } : { entry: null, revision: 0 }) };
    case 'create':
      if (cur) return { reg, seq, answer: { ok: false, error: { code: ErrorCode.EEXIST, message: `${op.pid} has a directory record` } } };
      return write(reg, seq, op.pid, op.entry);
    case 'update':
      if (cur?.revision !== op.revision) return { reg, seq, answer: stale() };
      return write(reg, seq, op.pid, op.entry);
    case 'delete': {
      if (cur?.revision !== op.revision) return { reg, seq, answer: stale() };
      const { [op.pid]: _gone, ...rest } = reg;
      return { reg: rest, seq: seq + 1, answer: ok({ entry: null, revision: seq + 1 }) };
    }
  }
}

function write(reg: DirectoryRegister, seq: number, pid: string, entry: DirectoryEntry) {
  const revision = seq + 1;
  return { reg: { ...reg, [pid]: { entry, revision } }, seq: revision, answer: { ok: true, value: { entry, revision } } as Answer };
}

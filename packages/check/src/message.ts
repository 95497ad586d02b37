import type { FsOp } from '@wisp/kernel';
import type { DirectoryOp, FsFence } from '@wisp/protocol';
import type { Answer } from '@wisp/kernel/sim';

export type { Answer } from '@wisp/kernel/sim';


/**
 * A message in flight on the simulated network. Answers (`response`, `client`) are taken by the
 * requester only while it still waits on their `replyTo`: the first answer wins, a late or
 * second one is dropped as NATS drops it. Immutable: the same object is shared by every
 * world state that holds it. `about` names what it is for a reader (the verb, or what it answers).
 */
export type Message =
  /** A request to a host verb (`deliver` for a pid subject), answered on `replyTo`. */
  | { kind: 'request'; from: string; to: string; verb: string; body: unknown; replyTo: string; bytes?: Uint8Array; about: string }
  /** The answer to a host's request `token`, for incarnation `inc` of host `to`. */
  | { kind: 'response'; from: string; to: string; inc: number; token: number; replyTo: string; answer: Answer; about: string }
  /** A host's file-system operation, to the file server (with the fence of the process it is made for). */
  | { kind: 'fs'; from: string; to: 'fs'; inc: number; token: number; op: FsOp; args: unknown[]; fence?: FsFence; about: string }
  /** A host's operation on the process directory (its answer comes back as a `response` from `dir`). */
  | { kind: 'dir'; from: string; to: 'dir'; inc: number; token: number; op: DirectoryOp; about: string }
  /** The answer to client request `index`. */
  | { kind: 'client'; from: string; to: 'client'; index: number; replyTo: string; answer: Answer; about: string };

/** Verbs of the migration protocol (and their answers): faults on these must not show in a program's trace. */
export const MIGRATION_VERBS = new Set(['migrate', 'offer', 'pages', 'transfer', 'commit', 'abort', 'located', 'fetch', 'release', 'evict']);

/** A short readable form of a message: who sends what to whom. */
export function describeMessage(m: Message): string {
  switch (m.kind) {
    case 'request':
      return `${m.from} → ${m.to}: ${m.verb} ${brief(m.body)}`;
    case 'response':
      return `${m.from} → ${m.to}: answer to ${m.about} ${answerText(m.answer)}`;
    case 'fs':
      return `${m.from} → fs: ${m.op} ${brief(m.args.map((a) => (a instanceof Uint8Array ? `<${a.length} bytes>` : a instanceof Map ? `<${a.size} pages>` : a)))}${m.fence ? ` for ${m.fence.pid} at epoch ${m.fence.epoch}` : ''}`;
    case 'dir':
      return `${m.from} → directory: ${m.op.op} ${brief(m.op)}`;
    case 'client':
      return `${m.from} → client: answer to ${m.about} ${answerText(m.answer)}`;
  }
}

function answerText(a: Answer): string {
  return a.ok ? `ok ${brief(a.value)}` : `error ${a.error.code}`;
}

function brief(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `<${x.length} bytes>` : x instanceof Map ? `<map of ${x.size}>` : x)) ?? '';
  } catch {
    s = String(v);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

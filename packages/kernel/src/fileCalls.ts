import { ErrorCode, type FsFence } from '@wisp/protocol';
import { CONSOLE_FDS, type SyscallName } from '@wisp/proc';
import type { Answer, Caller, Continuation, SpawnDups } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers } from './dispatch.js';
import type { FsOp } from './effects.js';
import { fenceOf } from './fileFence.js';
import type { Pcb } from './pcb.js';

/**
 * File calls (DESIGN §6): a process's file syscalls go straight to the file server through the
 * host's file-system client, as `fs` effects, with fds ≥ 3 looked up in its fd table. A spawn
 * by a process with open fds first dup's each stream for the child's host (fd inheritance).
 */
export class FileCalls {
  /** Spawns waiting for the dups of their parent's fds, by group number. */
  private readonly spawnDups = new Map<number, SpawnDups>();
  private groupSeq = 0;

  constructor(private readonly ctx: KernelContext) {}

  /**
   * A file call: straight to the file server through the host's file-system client, as an
   * `fs` effect. Fds ≥ 3 are looked up in the process's fd table; an unknown one is `EBADF`.
   */
  fsCall(pcb: Pcb, call: SyscallName, args: unknown[], caller: Caller & { kind: 'proc' }): void {
    switch (call) {
      case 'open':
        return this.fsRequest(pcb, caller, 'open', [args[0], args[1]], null);
      case 'stat':
      case 'unlink':
      case 'mkdir':
      case 'readdir':
        return this.fsRequest(pcb, caller, call, [args[0]], null);
      case 'read':
      case 'write':
      case 'seek':
      case 'close': {
        const fd = args[0] as number;
        const stream = pcb.fds.get(fd);
        if (stream === undefined) {
          return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: false, error: { code: ErrorCode.EBADF, message: `${call}: fd ${fd} is not open` } });
        }
        const rest = call === 'write' ? [utf8.encode(args[1] as string)] : args.slice(1);
        return this.fsRequest(pcb, caller, call, [stream, ...rest], fd);
      }
      default:
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: false, error: { code: ErrorCode.ENOSYS, message: `${call} is not a file call` } });
    }
  }

  /** A file call's `fs` effect, fenced with the process's epoch; its answer comes back to {@link fsAnswered}. */
  private fsRequest(pcb: Pcb, caller: Caller & { kind: 'proc' }, op: FsOp, args: unknown[], fd: number | null): void {
    this.ctx.fs(op, args, { kind: 'fs', caller, op, fd }, fenceOf(pcb));
  }

  /**
   * Closes a stream nobody will use again; a failure is only logged. Fenced when it is a
   * process's (at its exit); a stream whose process is gone already (an open answered after its
   * exit) is closed unfenced: it belongs to no process any more.
   */
  fsCloseStream(stream: string, what: string, fence?: FsFence): void {
    this.ctx.fs('close', [stream], { kind: 'ignore', what }, fence);
  }

  /** The answer to an `fs` effect: updates the caller's fd table and delivers the result. */
  fsAnswered(k: Extract<Continuation, { kind: 'fs' }>, answer: Answer): void {
    const pcb = this.ctx.procs.get(k.caller.pid);
    if (!pcb) {
      // The process ended while its open was in flight: nobody owns the stream, close it.
      if (k.op === 'open' && answer.ok) this.fsCloseStream(streamOf(answer.value), `close of an orphaned stream of ${k.caller.pid}`);
      return;
    }
    if (k.op === 'close' && k.fd !== null) pcb.fds.delete(k.fd);
    if (!answer.ok) return this.ctx.scheduler.complete(pcb, k.caller.callId, k.caller.call, answer);
    let value: unknown = answer.value ?? null;
    switch (k.op) {
      case 'open': {
        let fd = CONSOLE_FDS;
        while (pcb.fds.has(fd)) fd++;
        pcb.fds.set(fd, streamOf(answer.value));
        value = fd;
        break;
      }
      case 'read':
        value = textOf(answer.value);
        break;
      case 'close':
        value = null;
        break;
    }
    this.ctx.scheduler.complete(pcb, k.caller.callId, k.caller.call, { ok: true, value });
  }

  /**
   * A spawn by a process with open fds (DESIGN §6): the child inherits them, sharing their
   * streams and offsets. First every stream is dup'ed for the child's host (`on`, else the
   * parent's home, where the home starts it); once all succeeded the spawn goes on as usual,
   * carrying the fd table. A failed dup fails the spawn; the dups that succeeded are closed.
   */
  spawnInheriting(pcb: Pcb, args: unknown[], caller: Caller & { kind: 'proc' }): void {
    const [program, spawnArgs, opts] = args as [string, string[], { on?: string; grant?: string }];
    const childHost = opts.on ?? pcb.home;
    const group = ++this.groupSeq;
    const fds: Record<string, string> = {};
    for (const [fd, stream] of pcb.fds) fds[String(fd)] = stream;
    this.spawnDups.set(group, { caller, program, args: spawnArgs, on: opts.on, ...(opts.grant ? { grant: opts.grant } : {}), fds, left: pcb.fds.size, dupped: [], error: null });
    for (const stream of pcb.fds.values()) {
      this.ctx.fs('dup', [stream, childHost], { kind: 'dup', group, stream }, fenceOf(pcb));
    }
  }

  /** The answer to one dup of a spawn's inherited fds; the last one goes on with the spawn. */
  dupAnswered(k: Extract<Continuation, { kind: 'dup' }>, answer: Answer): void {
    const g = this.spawnDups.get(k.group);
    if (!g) return;
    g.left--;
    if (answer.ok) g.dupped.push(k.stream);
    else g.error ??= answer.error;
    if (g.left > 0) return;
    this.spawnDups.delete(k.group);
    const pcb = this.ctx.procs.get(g.caller.pid);
    if (g.error || !pcb) {
      this.closeInherited(g.dupped, `a failed spawn of ${g.program} by ${g.caller.pid}`);
      if (g.grant && g.on) this.ctx.placement.releaseGrant({ requester: g.grant, host: g.on });
      if (pcb && g.error) this.ctx.scheduler.complete(pcb, g.caller.callId, 'spawn', { ok: false, error: g.error });
      return;
    }
    this.ctx.duties.homeCallFrom(pcb, 'spawn', [g.program, g.args, { ...(g.on !== undefined ? { on: g.on } : {}), ...(g.grant ? { grant: g.grant } : {}), fds: g.fds }], g.caller);
  }

  /** Closes streams dup'ed for a child that never started; a failure is only logged. */
  closeInherited(streams: Iterable<string>, what: string): void {
    for (const stream of streams) this.fsCloseStream(stream, `close of ${stream} dup'ed for ${what}`);
  }
}

/** The answers file calls own: a file call's, and each dup of a spawn's inherited fds. */
export const fileCallAnswers: AnswerHandlers<'fs' | 'dup'> = {
  fs: (ctx, k, answer) => ctx.files.fsAnswered(k, answer),
  dup: (ctx, k, answer) => ctx.files.dupAnswered(k, answer),
};

const utf8 = new TextEncoder();

/** The stream handle in an `open` answer (`{ stream }`, as the file-system client returns). */
function streamOf(value: unknown): string {
  const stream = (value as { stream?: unknown } | null)?.stream;
  return typeof stream === 'string' ? stream : String(stream);
}

/**
 * Bytes read, as text (UTF-8; a character split across two reads decodes as U+FFFD). Accepts a
 * `Uint8Array`, an array of byte values (bytes that crossed JSON) or text.
 */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return new TextDecoder().decode(Uint8Array.from(value as number[]));
  return '';
}

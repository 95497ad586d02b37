import { ErrorCode, toWireError } from '@wisp/protocol';
import { placeOf, type SyscallName } from '@wisp/proc';
import type { Caller } from './caller.js';
import type { KernelContext } from './context.js';
import type { Pcb } from './pcb.js';
import { checkArgs } from './syscallArgs.js';

/**
 * A process's syscalls: each call is numbered and checked, then served where its kind is
 * served (`placeOf`): here (getpid, sleep, grow, send), at its home (`homeDuties.ts`) or by the
 * file server (`fileCalls.ts`). `exit` ends the process at once; `spawn` may first place the
 * child on an idle host (`placement.ts`) or dup the parent's fds (`fileCalls.ts`).
 */
export class Syscalls {
  constructor(private readonly ctx: KernelContext) {}

  /** A syscall a transition made: checked, then served where its kind is served (here, at home, the file server). */
  syscall(pcb: Pcb, call: SyscallName, rawArgs: unknown[]): void {
    const callId = ++pcb.callSeq;
    pcb.outstanding++;
    pcb.calls.set(callId, { call, args: rawArgs });
    let args: unknown[];
    try {
      args = checkArgs(call, rawArgs);
    } catch (err) {
      return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: toWireError(err) });
    }
    if (call === 'exit') {
      pcb.outstanding--;
      pcb.calls.delete(callId);
      return this.ctx.processes.terminate(pcb, args[0] as number);
    }
    const caller: Caller = { kind: 'proc', pid: pcb.pid, callId, call };
    if (call === 'spawn') {
      if ((args[2] as { fds?: unknown }).fds !== undefined) {
        return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: { code: ErrorCode.EINVAL, message: 'sys.spawn: fds is set by the kernel, not by the caller' } });
      }
      if ((args[2] as { grant?: unknown }).grant !== undefined) {
        return this.ctx.scheduler.complete(pcb, callId, call, { ok: false, error: { code: ErrorCode.EINVAL, message: 'sys.spawn: grant is set by the kernel, not by the caller' } });
      }
      const { anywhere, ...opts } = args[2] as { on?: string; anywhere?: boolean };
      if (anywhere && opts.on === undefined) return this.ctx.placement.placeAnywhere(pcb, args[0] as string, args[1] as string[], caller);
      args = [args[0], args[1], opts];
      if (pcb.fds.size > 0) return this.ctx.files.spawnInheriting(pcb, args, caller);
    }
    switch (placeOf(call, args)) {
      case 'local':
        return this.localCall(pcb, call, args, caller);
      case 'home':
        return this.ctx.duties.homeCallFrom(pcb, call, args, caller);
      case 'fs':
        return this.ctx.files.fsCall(pcb, call, args, caller);
    }
  }

  /** A call served by this host whatever the process's home: getpid, sleep, grow, send. */
  private localCall(pcb: Pcb, call: SyscallName, args: unknown[], caller: Caller & { kind: 'proc' }): void {
    switch (call) {
      case 'getpid':
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: true, value: pcb.pid });
      case 'sleep': {
        const ms = args[0] as number;
        this.ctx.scheduler.armTimer({ kind: 'sleep', pid: pcb.pid, due: this.ctx.now + ms, callId: caller.callId }, ms, pcb);
        return;
      }
      case 'grow':
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: true, value: pcb.memory.grow(args[0] as number) });
      case 'send':
        return this.ctx.delivery.send(pcb, args[0] as string, args[1] as { type: string }, caller);
      default:
        return this.ctx.scheduler.complete(pcb, caller.callId, call, { ok: false, error: { code: ErrorCode.ENOSYS, message: `${call} is not a local call` } });
    }
  }
}

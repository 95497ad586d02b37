import { ErrorCode, WispError, signalNumbers, type Signal } from '@wisp/protocol';
import type { ProcInput } from '@wisp/proc';
import type { KernelContext } from './context.js';
import { fenceOf } from './fileFence.js';
import { createPcb, logicOf, type Pcb } from './pcb.js';

/** Exit code of a program that threw (EX_SOFTWARE). */
export const CRASH_EXIT_CODE = 70;

/**
 * The life of a process on this host: it starts (its first transition), takes signals, crashes
 * or ends — and an end tells its home, closes its streams and cancels its timers.
 */
export class Processes {
  constructor(private readonly ctx: KernelContext) {}

  startProcess(
    pid: string,
    home: string,
    parent: string | null,
    name: string,
    version: string | undefined,
    args: string[],
    fds?: Record<string, string>,
  ): Pcb {
    const program = this.ctx.config.registry.get(name, version);
    if (!program) {
      throw new WispError(ErrorCode.ENOPROG, `host ${this.ctx.hostId} has no program ${name}${version ? `@${version}` : ''}`);
    }
    const pcb = createPcb({ pid, home, parent, program });
    // Inherited fds are in place before the first transition.
    for (const [fd, stream] of Object.entries(fds ?? {})) pcb.fds.set(Number(fd), stream);
    this.ctx.procs.set(pid, pcb);
    // Started while the lease is lapsed: it waits, as the others do, for the directory.
    pcb.suspended = !this.ctx.lease.held;
    this.ctx.cleaner.wake();
    this.ctx.emit({ type: 'subscribe', pid });
    this.ctx.records.open(pcb);
    this.ctx.event('proc.start', { pid, program: program.name, home, host: this.ctx.hostId, parent });
    const input: ProcInput = { pid, parent, args };
    this.ctx.scheduler.step(pcb, () => logicOf(pcb).getInitialSnapshot(pcb.scope, input));
    return pcb;
  }

  /**
   * The exit status of a program that reached its final state: `output.code`, 0 when absent.
   * It must fit the wire (an integer 0–255, as `sys.exit` demands) or the home would refuse the
   * forwarded exit and never learn of it: other integers are taken modulo 256 as on Unix, and
   * anything else is a program error (255), with a warning.
   */
  exitCodeOf(pcb: Pcb, output: unknown): number {
    const code = (output as { code?: unknown } | null | undefined)?.code;
    if (code === undefined) return 0;
    if (typeof code === 'number' && Number.isSafeInteger(code)) {
      if (code >= 0 && code <= 255) return code;
      this.ctx.log('warn', `process ${pcb.pid} exit code ${code} is outside 0-255; using ${code & 0xff}`, { pid: pcb.pid });
      return code & 0xff;
    }
    this.ctx.log('warn', `process ${pcb.pid} output code ${String(code)} is not an integer; using 255`, { pid: pcb.pid });
    return 255;
  }

  /** A signal: delivered as `sys.signal` if the program handles it (KILL never is), else the process ends (128 + signal number). */
  signal(pcb: Pcb, signal: Signal): void {
    const event = { type: 'sys.signal', signal };
    if (signal !== 'KILL' && pcb.snapshot.can(event)) {
      pcb.urgent.push(event);
      this.ctx.scheduler.schedule(pcb);
      return;
    }
    this.ctx.event('proc.signal', { pid: pcb.pid, signal, handled: false });
    this.terminate(pcb, 128 + signalNumbers[signal]);
  }

  /** A program that threw, or whose transition failed: its error goes to its console and it ends (EX_SOFTWARE). */
  crash(pcb: Pcb, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.ctx.log('error', `process ${pcb.pid} (${pcb.program.name}) crashed: ${message}`, { pid: pcb.pid });
    this.ctx.duties.homeCallFrom(pcb, 'write', [2, `${pcb.program.name}: ${message}\n`], null);
    this.terminate(pcb, CRASH_EXIT_CODE);
  }

  /** Takes a process off this host's table and disarms its timers (it exited or moved away). */
  leave(pcb: Pcb): void {
    pcb.alive = false;
    this.ctx.procs.delete(pcb.pid);
    for (const id of pcb.timers) {
      this.ctx.timers.delete(id);
      this.ctx.emit({ type: 'cancelTimer', id });
    }
    pcb.timers.clear();
  }

  /** Removes a process from this host and tells its home it exited. */
  terminate(pcb: Pcb, code: number): void {
    if (!pcb.alive) return;
    this.leave(pcb);
    for (const [fd, stream] of pcb.fds) this.ctx.files.fsCloseStream(stream, `close of fd ${fd} of exited ${pcb.pid}`, fenceOf(pcb));
    pcb.fds.clear();
    if (pcb.backed) this.ctx.migrator.dropBacking(pcb);
    this.ctx.records.close(pcb);
    this.ctx.migrator.ended(pcb.pid);
    this.ctx.emit({ type: 'unsubscribe', pid: pcb.pid });
    this.ctx.event('proc.exit', { pid: pcb.pid, code, host: this.ctx.hostId });
    this.ctx.duties.homeCallFrom(pcb, 'exit', [code], null);
  }
}

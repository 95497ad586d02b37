import { ErrorCode, WispError, type DirectoryOp, type FsFence, type ProcessImage, type Subjects, type TimerImage, type WireError } from '@wisp/protocol';
import type { Answer, Caller, Continuation } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import type { FsOp } from './effects.js';
import { isBlockingHomeCall } from './homeDuties.js';
import type { KernelPort, RequestOptions } from './migration/kernelPort.js';
import { participants } from './migration/participants.js';
import { createPcb, type Pcb } from './pcb.js';

/**
 * The kernel as the migration code sees it ({@link KernelPort}): the steps a migration asks
 * of the process table — freeze, thaw, take a process off this host, rebuild and adopt one that
 * arrives — and the kernel's plumbing. A class over the context rather than a bag of closures,
 * so a copy of the kernel (a model checker's) carries a port of its own.
 */
export class MigrationPort implements KernelPort {
  constructor(private readonly ctx: KernelContext) {}

  get hostId(): string {
    return this.ctx.hostId;
  }

  get subjects(): Subjects {
    return this.ctx.subjects;
  }

  get boot(): string {
    return this.ctx.boot;
  }

  now(): number {
    return this.ctx.now;
  }

  directory(op: DirectoryOp, k: Continuation): number {
    return this.ctx.directory(op, k);
  }

  process(pid: string): Pcb | undefined {
    return this.ctx.procs.get(pid);
  }

  foreign(): Pcb[] {
    return [...this.ctx.procs.values()].filter((p) => p.home !== this.ctx.hostId && p.alive);
  }

  hasProgram(program: string, version: string): boolean {
    return this.ctx.config.registry.get(program, version) !== undefined;
  }

  /** Only a record that has not ended learns it (a late report of a process that exited). */
  locate(pid: string, host: string): void {
    const rec = this.ctx.home.records.get(pid);
    if (rec && rec.state !== 'exited') rec.host = host;
  }

  request(subject: string, body: unknown, k: Continuation, opts?: RequestOptions): number {
    return this.ctx.request(subject, body, k, opts);
  }

  fs(op: FsOp, args: unknown[], k: Continuation, fence?: FsFence): number {
    return this.ctx.fs(op, args, k, fence);
  }

  answer(caller: Caller, answer: Answer): void {
    this.ctx.answer(caller, answer);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.ctx.log(level, msg, fields);
  }

  event(kind: string, data: Record<string, unknown>): void {
    this.ctx.event(kind, data);
  }

  freeze(pcb: Pcb): void {
    pcb.frozen = true;
  }

  thaw(pcb: Pcb): void {
    pcb.frozen = false;
    // Still (or again) the one receiving its messages: a target that committed and then
    // died may have taken its subject over.
    this.ctx.emit({ type: 'subscribe', pid: pcb.pid });
    this.ctx.scheduler.schedule(pcb);
  }

  blockingCalls(pcb: Pcb): ProcessImage['reissue'] {
    return [...pcb.calls].filter(([, c]) => isBlockingHomeCall(c)).map(([callId, c]) => ({ callId, call: c.call as 'wait' | 'read', args: c.args }));
  }

  quiesced(pcb: Pcb): boolean {
    // A background write of its pages first: they are clean but maybe not yet in the backing file.
    if (this.ctx.cleaner.writing(pcb.pid)) return false;
    for (const c of pcb.calls.values()) if (!isBlockingHomeCall(c) && c.call !== 'sleep') return false;
    return true;
  }

  /** A process's kernel timers as time left (clocks differ between hosts; durations do not). */
  timerImages(pcb: Pcb): TimerImage[] {
    const out: TimerImage[] = [];
    for (const id of pcb.timers) {
      const t = this.ctx.timers.get(id);
      if (!t) continue;
      const leftMs = Math.max(0, t.due - this.ctx.now);
      if (t.kind === 'raise') out.push({ kind: 'raise', leftMs, event: t.event, ...(t.sendId !== undefined ? { sendId: t.sendId } : {}) });
      else if (t.kind === 'sleep') out.push({ kind: 'sleep', leftMs, callId: t.callId });
    }
    return out;
  }

  /** A process that moved away leaves this host: no exit, no stream closes (they moved too). */
  release(pcb: Pcb): void {
    this.ctx.processes.leave(pcb);
    this.ctx.emit({ type: 'unsubscribe', pid: pcb.pid });
  }

  rebuild(image: ProcessImage): Pcb {
    const program = this.ctx.config.registry.get(image.program, image.version);
    if (!program) throw new WispError(ErrorCode.ENOPROG, `no program ${image.program}@${image.version}`);
    const pcb = createPcb({ pid: image.pid, home: image.home, parent: image.parent, program });
    participants.deencapsulate(image, pcb);
    return pcb;
  }

  /** An arrived process starts here: it receives its messages, its timers run, its blocking calls go out again. */
  adopt(pcb: Pcb, image: ProcessImage): void {
    this.ctx.procs.set(pcb.pid, pcb);
    this.ctx.cleaner.wake();
    this.ctx.emit({ type: 'subscribe', pid: pcb.pid });
    for (const t of image.timers) {
      if (t.kind === 'raise') {
        this.ctx.scheduler.armTimer({ kind: 'raise', pid: pcb.pid, due: this.ctx.now + t.leftMs, event: t.event, sendId: t.sendId }, t.leftMs, pcb);
      } else {
        pcb.calls.set(t.callId, { call: 'sleep', args: [t.leftMs] });
        pcb.outstanding++;
        this.ctx.scheduler.armTimer({ kind: 'sleep', pid: pcb.pid, due: this.ctx.now + t.leftMs, callId: t.callId }, t.leftMs, pcb);
      }
    }
    for (const c of image.reissue) {
      pcb.calls.set(c.callId, { call: c.call, args: c.args });
      pcb.outstanding++;
      this.ctx.duties.homeCallFrom(pcb, c.call, c.args, { kind: 'proc', pid: pcb.pid, callId: c.callId, call: c.call });
    }
    this.ctx.scheduler.schedule(pcb);
  }

  armSessionTimer(pid: string, ms: number, side?: 'source' | 'target'): string {
    return this.ctx.setTimer('s', { kind: 'session', pid, due: this.ctx.now + ms, ...(side ? { retry: side } : {}) }, ms);
  }

  disarmSessionTimer(id: string): void {
    if (this.ctx.timers.delete(id)) this.ctx.emit({ type: 'cancelTimer', id });
  }

  pagesIn(pcb: Pcb, error?: WireError): void {
    if (error) this.ctx.scheduler.pagesFailed(pcb, error);
    else this.ctx.scheduler.pagesIn(pcb);
  }

  moveEnded(pid: string): void {
    this.ctx.delivery.moveEnded(pid);
  }
}

/** The answers migration owns: every step of a session, both sides (see `migration/migrator.ts`). */
export const migrationAnswers: AnswerHandlers<'migration'> = {
  migration: (ctx, k, answer) => ctx.migrator.answered(k, answer),
};

/** The timers migration owns: a target's wait for the commit of a process arriving. */
export const migrationTimers: TimerHandlers<'session'> = {
  session: (ctx, t) => (t.retry ? ctx.migrator.retry(t.pid, t.retry) : ctx.migrator.abort(t.pid, null)),
};

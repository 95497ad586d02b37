import { SYSCALL, resolveArgs, withMemory, type PageFault, type SyscallName, type SyscallSpec } from '@wisp/proc';
import type { WireError } from '@wisp/protocol';
import type { Answer, Continuation } from './caller.js';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import { Fifo } from './fifo.js';
import { fenceOf } from './fileFence.js';
import { backingFileOf } from './migration/migrator.js';
import { halted, logicOf, type ExecutableAction, type Pcb, type ProcTimer } from './pcb.js';

/** An action of a completed transition, ready to perform. */
type Planned = { kind: 'syscall'; call: SyscallName; args: unknown[] } | { kind: 'action'; action: ExecutableAction } | { kind: 'done' };

/**
 * The scheduler: a round-robin run queue of processes with an event they can take, the atomic
 * step (one transition, its actions and its syscalls' arguments in one memory transaction; a
 * page fault rolls it back and brings the pages in), the actions a transition leaves
 * (raise, cancel, log, emit) and each process's own timers (delayed events, sleeps).
 */
export class Scheduler {
  constructor(private readonly ctx: KernelContext) {}

  private readonly runQueue = new Fifo<Pcb>();

  /** True while some process has an event it can take. */
  hasWork(): boolean {
    this.dropDeadHeads();
    return this.runQueue.length > 0;
  }

  /**
   * Runs up to `budget` slices, round-robin, one transition per slice. Returns true when
   * work remains. Control messages are handled as they arrive, so they always go first.
   */
  run(budget: number): boolean {
    while (budget > 0) {
      const pcb = this.runQueue.shift();
      if (!pcb) break;
      pcb.queued = false;
      // A process that ended, froze or faulted while queued costs no slice (it is queued again when it can run).
      if (!pcb.alive || halted(pcb)) continue;
      budget--;
      this.slice(pcb);
      this.schedule(pcb);
    }
    return this.hasWork();
  }

  /** Drops run-queue entries of processes that ended while queued, so `hasWork` is exact. */
  private dropDeadHeads(): void {
    for (let head = this.runQueue.peek(); head && (!head.alive || halted(head)); head = this.runQueue.peek()) {
      this.runQueue.shift();
      head.queued = false;
    }
  }

  /** A process's own timer fired: a sleep ends, a delayed event is delivered. */
  processTimer(t: Extract<ProcTimer, { kind: 'sleep' | 'raise' }>, id: string): void {
    const pcb = this.ctx.procs.get(t.pid);
    if (!pcb) return;
    pcb.timers.delete(id);
    if (t.kind === 'sleep') this.complete(pcb, t.callId, 'sleep', { ok: true, value: null });
    else this.enqueue(pcb, t.event);
  }

  /**
   * Runs one transition atomically (DESIGN §3). The transition, the program's own actions and
   * the syscalls' arguments all run inside one memory transaction; a page fault anywhere in
   * them rolls everything back, and `redeliver` puts the event back to be taken again once the
   * pages are in. Effects are performed only when the whole transition completed.
   */
  step(pcb: Pcb, transition: () => Pcb['snapshot'], redeliver?: () => void): void {
    pcb.actions.length = 0;
    const memory = pcb.memory;
    memory.begin();
    let next: Pcb['snapshot'] | undefined;
    let failure: unknown = null;
    const planned: Planned[] = [];
    try {
      next = withMemory(memory, transition);
      if (next.status !== 'error') for (const a of pcb.actions) planned.push(this.prepare(pcb, a));
    } catch (err) {
      failure = err;
    }
    pcb.actions.length = 0;
    // Checked even when nothing was thrown: xstate rewraps a guard's error, a program may catch it.
    const fault = memory.takeFault();
    if (fault) {
      memory.rollback();
      return this.pageFault(pcb, fault, redeliver);
    }
    if (failure !== null || !next) {
      memory.rollback();
      return this.ctx.processes.crash(pcb, failure);
    }
    memory.commit();
    pcb.snapshot = next;
    pcb.transitions++;
    if (next.status === 'error') return this.ctx.processes.crash(pcb, next.error);
    for (const p of planned) {
      if (!pcb.alive) return;
      this.perform(pcb, p);
    }
    if (pcb.alive && next.status === 'done') {
      this.ctx.processes.terminate(pcb, this.ctx.processes.exitCodeOf(pcb, next.output));
    }
  }

  /**
   * First pass over a transition's actions, inside its memory transaction: runs the program's
   * own actions and resolves syscall arguments (either may read memory, and so fault).
   */
  private prepare(pcb: Pcb, a: ExecutableAction): Planned {
    const spec = (a.exec as { [SYSCALL]?: SyscallSpec } | undefined)?.[SYSCALL];
    if (spec) return { kind: 'syscall', call: spec.call, args: resolveArgs(spec, a.info) };
    if (!a.type.startsWith('xstate.') && typeof a.exec === 'function') {
      const exec = a.exec;
      withMemory(pcb.memory, () => exec(a.info, a.params));
      return { kind: 'done' };
    }
    return { kind: 'action', action: a };
  }

  /** A transition touched pages that are not here: fetch them, then deliver its event again. */
  private pageFault(pcb: Pcb, fault: PageFault, redeliver: (() => void) | undefined): void {
    if (!redeliver) return this.ctx.processes.crash(pcb, new Error(`page fault outside a transition: ${fault.message}`));
    redeliver();
    pcb.faulting = true;
    pcb.faults++;
    const wanted = [...fault.pages, ...fault.hint];
    if (pcb.lazyFrom) {
      // Pages the lazy source still owes come from it; the rest from the backing file.
      const fromSource = wanted.filter((p) => pcb.memory.isOwed(p));
      if (fromSource.length > 0) return this.ctx.migrator.fetchFromSource(pcb, fromSource);
    }
    this.ctx.fs('pageIn', [backingFileOf(pcb.pid), wanted, pcb.memory.pageSize], { kind: 'pagein', pid: pcb.pid, pages: wanted }, fenceOf(pcb));
  }

  /** Pages from the backing file arrived (pages never written there read as zeros). */
  pagedIn(k: Extract<Continuation, { kind: 'pagein' }>, answer: Answer): void {
    const pcb = this.ctx.procs.get(k.pid);
    if (!pcb) return;
    if (!answer.ok) return this.pagesFailed(pcb, answer.error);
    const pages = answer.value as Map<number, Uint8Array>;
    // Asked-for pages the file does not have were never written there: zeros (else the fault repeats).
    for (const p of k.pages) if (pcb.memory.pageState(p) === 'absent') pcb.memory.install(p, pages.get(p) ?? new Uint8Array(0));
    this.pagesIn(pcb);
  }

  /** Pages a faulting process waited for are in: it runs again. */
  pagesIn(pcb: Pcb): void {
    pcb.faulting = false;
    this.schedule(pcb);
  }

  /** Pages that cannot be brought in end the process, as a bus error would. */
  pagesFailed(pcb: Pcb, error: WireError): void {
    pcb.faulting = false;
    this.ctx.processes.crash(pcb, new Error(`page-in failed: ${error.code} ${error.message}`));
  }

  /** One slice: the process takes its next event (results and signals first). */
  private slice(pcb: Pcb): void {
    const queue = pcb.urgent.length > 0 ? pcb.urgent : pcb.mailbox;
    const event = queue.shift();
    if (!event) return;
    this.step(pcb, () => logicOf(pcb).transition(pcb.snapshot, event, pcb.scope), () => queue.unshift(event));
  }

  /** Second pass, once the transition committed: its syscalls and the actions the kernel performs. */
  private perform(pcb: Pcb, p: Planned): void {
    if (p.kind === 'done') return;
    if (p.kind === 'syscall') return this.ctx.syscalls.syscall(pcb, p.call, p.args);
    const a = p.action;
    switch (a.type) {
      case 'xstate.raise':
        return this.armRaise(pcb, a.params as { event: { type: string }; delay: number | undefined; id?: string });
      case 'xstate.cancel':
        return this.cancelRaise(pcb, (a.params as { sendId: string }).sendId);
      case 'xstate.log':
        return this.ctx.log('info', String((a.params as { value: unknown }).value), { pid: pcb.pid });
      case 'xstate.emit':
        return this.ctx.event('proc.emit', { pid: pcb.pid, event: (a.params as { event: unknown }).event });
      case 'xstate.sendTo':
      case 'xstate.sendParent':
      case 'xstate.spawnChild':
      case 'xstate.stopChild':
        return this.ctx.log('warn', `${a.type} is not available to Wisp programs; use sys.send / sys.spawn`, { pid: pcb.pid });
    }
  }

  /** A delayed `raise`: a kernel timer (it moves with the process). */
  private armRaise(pcb: Pcb, p: { event: { type: string }; delay: number | undefined; id?: string }): void {
    // An undelayed raise is already handled inside the transition by xstate (internal queue);
    // xstate still reports it to the executor, so arming a timer would deliver it twice.
    if (typeof p.delay !== 'number') return;
    if (!(p.delay > 0) && p.id === undefined) {
      // `raise(e, { delay: 0 })` without an id is how a CPU-bound program yields: the event goes
      // straight to the back of its mailbox, with no timer round trip through the runtime.
      return this.enqueue(pcb, p.event);
    }
    this.armTimer({ kind: 'raise', pid: pcb.pid, due: this.ctx.now + p.delay, event: p.event, sendId: p.id }, p.delay, pcb);
  }

  /** `cancel(sendId)`: disarms the delayed raise with that id. */
  private cancelRaise(pcb: Pcb, sendId: string): void {
    for (const id of pcb.timers) {
      const t = this.ctx.timers.get(id);
      if (t?.kind === 'raise' && t.sendId === sendId) this.disarmTimer(pcb, id);
    }
  }

  /** Arms a timer of `pcb` (a delayed raise, a sleep); returns its id. */
  armTimer(t: ProcTimer, delayMs: number, pcb: Pcb): string {
    const id = this.ctx.nextTimerId('t');
    this.ctx.timers.set(id, t);
    pcb.timers.add(id);
    // A delay of Infinity never fires: the timer stays in the PCB (so it can be cancelled) but
    // nothing is armed. NaN and negative delays fire at once, as xstate's own scheduler does.
    if (delayMs === Infinity) return id;
    this.ctx.emit({ type: 'setTimer', id, delayMs: delayMs > 0 ? delayMs : 0 });
    return id;
  }

  /** Disarms a timer of `pcb`. */
  private disarmTimer(pcb: Pcb, id: string): void {
    this.ctx.timers.delete(id);
    pcb.timers.delete(id);
    this.ctx.emit({ type: 'cancelTimer', id });
  }

  /** A message or timer event for the process: to its mailbox, taken when no call is outstanding. */
  enqueue(pcb: Pcb, event: { type: string }): void {
    pcb.mailbox.push(event);
    this.schedule(pcb);
  }

  /** Queues the process to run if it has an event it can take now. */
  schedule(pcb: Pcb): void {
    if (pcb.queued || !pcb.alive || halted(pcb)) return;
    if (pcb.urgent.length > 0 || (pcb.outstanding === 0 && pcb.mailbox.length > 0)) {
      pcb.queued = true;
      this.runQueue.push(pcb);
    }
  }

  /** Delivers a call's result to the process that made it. */
  complete(pcb: Pcb, callId: number, call: SyscallName, answer: Answer): void {
    if (!pcb.alive || !pcb.calls.delete(callId)) return;
    pcb.outstanding--;
    pcb.urgent.push(answer.ok ? { type: 'sys.result', id: callId, call, ok: true, value: answer.value } as never : { type: 'sys.result', id: callId, call, ok: false, error: answer.error } as never);
    if (pcb.frozen) this.ctx.migrator.callDone(pcb);
    this.schedule(pcb);
  }
}

/** The answers the scheduler owns: pages a faulting process waited for. */
export const schedulerAnswers: AnswerHandlers<'pagein'> = {
  pagein: (ctx, k, answer) => ctx.scheduler.pagedIn(k, answer),
};

/** The timers the scheduler owns: a process's sleeps and delayed events. */
export const schedulerTimers: TimerHandlers<'sleep' | 'raise'> = {
  sleep: (ctx, t, id) => ctx.scheduler.processTimer(t, id),
  raise: (ctx, t, id) => ctx.scheduler.processTimer(t, id),
};

import type { Subjects } from '@wisp/protocol';
import { KernelContext, type KernelConfig } from './context.js';
import { onResponse, onTimer } from './dispatch.js';
import type { Answer } from './caller.js';
import type { Effect, KernelEvent } from './effects.js';
import { onRequest } from './requests.js';
import { rebindClosures, viewOf, type KernelView } from './inspect.js';

export type { KernelConfig } from './context.js';
export { CRASH_EXIT_CODE } from './processes.js';

/**
 * The host kernel: process table, round-robin scheduler, syscall dispatch, kernel timers and
 * the home host's duties. It is pure — no I/O, no clock: {@link handle} takes an event and
 * queues {@link Effect}s; {@link run} runs process slices. Drain effects with {@link takeEffects}.
 *
 * This class is the kernel's outside. Inside, rooms of one concern each share a
 * {@link KernelContext}: `requests.ts` (verbs from the world), `scheduler.ts` (run queue, the
 * atomic step, page faults), `processes.ts`, `syscalls.ts`, `delivery.ts`, `killRouting.ts`,
 * `fileCalls.ts`, `homeDuties.ts`, `placement.ts` and `migrationPort.ts`; answers and timers
 * reach them through the tables in `dispatch.ts`.
 */
export class Kernel {
  readonly hostId: string;
  readonly subjects: Subjects;
  private readonly ctx: KernelContext;

  constructor(config: KernelConfig) {
    this.ctx = new KernelContext(config);
    this.hostId = config.hostId;
    this.subjects = this.ctx.subjects;
  }

  /** This run of the host: a new id at every start; its replies carry it (see `KernelConfig.boot`). */
  get boot(): string {
    return this.ctx.boot;
  }

  /** Effects queued since the last call, in order. */
  takeEffects(): Effect[] {
    const out = this.ctx.effects;
    this.ctx.effects = [];
    return out;
  }

  /** True while some process has an event it can take. */
  get hasWork(): boolean {
    return this.ctx.scheduler.hasWork();
  }

  /** Number of processes running here whose home is another host. */
  get foreignCount(): number {
    return this.ctx.foreignCount();
  }

  /** Number of processes running here. */
  get processCount(): number {
    return this.ctx.procs.size;
  }

  /** Handles one event from the world. Never throws for bad input: it answers with an error. */
  handle(event: KernelEvent): void {
    this.ctx.now = event.now;
    switch (event.type) {
      case 'request':
        return onRequest(this.ctx, event.verb, event.body, event.replyTo, event.bytes);
      case 'response': {
        if (!event.ok) return onResponse(this.ctx, event.token, { ok: false, error: event.error, boot: event.boot });
        const answer: Answer = { ok: true, value: event.value, boot: event.boot };
        if (event.bytes) answer.bytes = event.bytes;
        return onResponse(this.ctx, event.token, answer);
      }
      case 'timer':
        return onTimer(this.ctx, event.id);
      case 'lease':
        return event.held ? this.ctx.lease.renewed() : this.ctx.lease.lapsed();
    }
  }

  /**
   * Runs up to `budget` slices, round-robin, one transition per slice. Returns true when
   * work remains. Control messages are handled as they arrive, so they always go first.
   */
  run(now: number, budget = 256): boolean {
    this.ctx.now = now;
    return this.ctx.scheduler.run(budget);
  }

  /** A plain-data view of this kernel: processes, migration sessions, home records (see {@link KernelView}). */
  view(): KernelView {
    return viewOf(this.ctx);
  }

  /**
   * A copy of this kernel that goes on independently: `copy` makes a structural copy of its object
   * graph (sharing functions and program code, as a model checker's copier does); the closures
   * that capture kernel state are then pointed at the copy.
   */
  clone(copy: (kernel: Kernel) => Kernel): Kernel {
    const twin = copy(this);
    rebindClosures(twin.ctx);
    return twin;
  }
}

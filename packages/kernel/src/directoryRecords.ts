import { ErrorCode, names, type DirectoryAnswer } from '@wisp/protocol';
import type { KernelContext } from './context.js';
import type { AnswerHandlers, TimerHandlers } from './dispatch.js';
import type { Pcb } from './pcb.js';

/** How long after an unanswered directory operation the host tries again, ms. */
export const DIRECTORY_RETRY_MS = 1000;

/**
 * A process's record in the process directory (DESIGN §5), from this host's side: the host a
 * process starts on opens its record (epoch 1), and the host it ends on closes it. In between
 * only migrations change it (by compare-and-set: see the migration machines). A record whose
 * creation got no answer is asked again — read, if the create turns out to have happened — so
 * a process is never left without one while the directory can be reached.
 */
export class DirectoryRecords {
  constructor(private readonly ctx: KernelContext) {}

  /** A process started here: its record names this host, this run, epoch 1. */
  open(pcb: Pcb): void {
    this.ctx.directory({ op: 'create', pid: pcb.pid, entry: { host: this.ctx.hostId, boot: this.ctx.boot, epoch: pcb.dir.epoch } }, { kind: 'directory', pid: pcb.pid, op: 'create' });
  }

  /** A process ended here: its record goes, at the revision this host wrote. */
  close(pcb: Pcb): void {
    // (Still unanswered: the create's answer closes it, finding the process gone.)
    if (pcb.dir.revision > 0) this.remove(pcb.pid, pcb.dir.revision);
  }

  private remove(pid: string, revision: number): void {
    this.ctx.directory({ op: 'delete', pid, revision }, { kind: 'directory', pid, op: 'delete' });
  }

  /** The answer to a create (or to the read after `EEXIST`): the revision is this host's to keep. */
  opened(pid: string, a: DirectoryAnswer): void {
    const pcb = this.ctx.procs.get(pid);
    const epoch = pcb?.dir.epoch ?? 1;
    if (!names(a.entry, this.ctx.hostId, this.ctx.boot, epoch)) {
      // (A record of another host or run: a pid handed out twice. Not ours to touch.)
      this.ctx.log('error', `directory record of ${pid} is not this host's: ${JSON.stringify(a.entry)}`, { pid });
      return;
    }
    if (pcb?.alive && pcb.dir.revision === 0) {
      pcb.dir.revision = a.revision;
      this.ctx.migrator.recordOpened(pid);
    } else if (!pcb) this.remove(pid, a.revision);
  }
}

/** The answers to directory operations on a process's record. */
export const directoryAnswers: AnswerHandlers<'directory'> = {
  directory: (ctx, k, answer) => {
    if (k.op === 'verify') return answer.ok ? ctx.lease.verified(k.pid, answer.value as DirectoryAnswer) : ctx.lease.retryLater(k.pid);
    if (k.op === 'delete') {
      if (!answer.ok) ctx.log('warn', `closing the directory record of ${k.pid} failed: ${answer.error.message}`, { pid: k.pid, code: answer.error.code });
      return;
    }
    if (answer.ok) return ctx.records.opened(k.pid, answer.value as DirectoryAnswer);
    // It was created (an earlier try whose answer was lost): read it.
    if (answer.error.code === ErrorCode.EEXIST) return void ctx.directory({ op: 'get', pid: k.pid }, k);
    ctx.log('warn', `opening the directory record of ${k.pid} failed: ${answer.error.message}; trying again`, { pid: k.pid, code: answer.error.code });
    ctx.setTimer('d', { kind: 'register', pid: k.pid, due: ctx.now + DIRECTORY_RETRY_MS }, DIRECTORY_RETRY_MS);
  },
};

/** The timer that tries a record's creation (or a suspended process's check) again. */
export const directoryTimers: TimerHandlers<'register'> = {
  register: (ctx, t) => {
    const pcb = ctx.procs.get(t.pid);
    if (t.verify) {
      if (pcb?.alive && pcb.suspended) ctx.lease.verify(pcb);
    } else if (pcb?.alive && pcb.dir.revision === 0) ctx.records.open(pcb);
  },
};

import { ErrorCode } from '@wisp/protocol';
import type { Answer, Continuation } from './caller.js';
import { cleanerAnswers, cleanerTimers } from './cleaner.js';
import type { KernelContext } from './context.js';
import { deliveryAnswers, deliveryTimers } from './delivery.js';
import { directoryAnswers, directoryTimers } from './directoryRecords.js';
import { fileCallAnswers } from './fileCalls.js';
import { homeAnswers } from './homeDuties.js';
import { killAnswers } from './killRouting.js';
import { migrationAnswers, migrationTimers } from './migrationPort.js';
import type { ProcTimer } from './pcb.js';
import { placementAnswers, placementTimers } from './placement.js';
import { schedulerAnswers, schedulerTimers } from './scheduler.js';

/** What the answer to a request whose continuation is of kind `K` does. */
export type AnswerHandler<K extends Continuation['kind']> = (ctx: KernelContext, k: Extract<Continuation, { kind: K }>, answer: Answer) => void;

/** The answer handlers a room registers: one per continuation kind it owns. */
export type AnswerHandlers<K extends Continuation['kind']> = { readonly [P in K]: AnswerHandler<P> };

/** What the firing of a kernel timer of kind `K` (armed as `id`) does. */
export type TimerHandler<K extends ProcTimer['kind']> = (ctx: KernelContext, t: Extract<ProcTimer, { kind: K }>, id: string) => void;

/** The timer handlers a room registers: one per timer kind it owns. */
export type TimerHandlers<K extends ProcTimer['kind']> = { readonly [P in K]: TimerHandler<P> };

/** Answers nobody but the caller cares about: passed on, or only logged. */
const plumbingAnswers: AnswerHandlers<'relay' | 'ignore'> = {
  relay: (ctx, k, answer) => {
    if (ctx.duties.retryForwarded(k, answer)) return;
    if (!answer.ok && answer.error.code === ErrorCode.EHOSTUNREACH && k.unreachable !== ErrorCode.EHOSTUNREACH) {
      answer = { ok: false, error: { code: k.unreachable, message: answer.error.message } };
    }
    ctx.answer(k.caller, answer);
  },
  ignore: (ctx, k, answer) => {
    if (!answer.ok) ctx.log('warn', `${k.what} failed: ${answer.error.message}`, { code: answer.error.code });
  },
};

/**
 * What happens when an answer comes back, by the kind of its continuation: every room's
 * handlers in one table, so a newcomer finds who handles `fs` by its room, not in a switch.
 */
const ANSWERS: AnswerHandlers<Continuation['kind']> = { ...plumbingAnswers, ...schedulerAnswers, ...fileCallAnswers, ...deliveryAnswers, ...killAnswers, ...placementAnswers, ...homeAnswers, ...migrationAnswers, ...directoryAnswers, ...cleanerAnswers };

/** What happens when a kernel timer fires, by its kind. */
const TIMERS: TimerHandlers<ProcTimer['kind']> = { ...schedulerTimers, ...deliveryTimers, ...placementTimers, ...migrationTimers, ...directoryTimers, ...cleanerTimers };

/** The answer to the request sent with `token` arrived: its continuation's handler takes it. */
export function onResponse(ctx: KernelContext, token: number, answer: Answer): void {
  const k = ctx.pending.get(token);
  if (!k) return;
  ctx.pending.delete(token);
  (ANSWERS[k.kind] as AnswerHandler<Continuation['kind']>)(ctx, k, answer);
}

/** Kernel timer `id` fired: its kind's handler takes it. */
export function onTimer(ctx: KernelContext, id: string): void {
  const t = ctx.timers.get(id);
  if (!t) return;
  ctx.timers.delete(id);
  (TIMERS[t.kind] as TimerHandler<ProcTimer['kind']>)(ctx, t, id);
}

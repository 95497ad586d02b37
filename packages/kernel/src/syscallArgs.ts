import { z } from 'zod';
import { ErrorCode, EventSchema, FdTableSchema, HostIdSchema, OpenModeSchema, PidSchema, WhenceSchema, WispError, parseSignal } from '@wisp/protocol';
import type { SyscallName } from '@wisp/proc';

const fd = z.number().int().min(0).max(1 << 20);
const path = z.string().min(1).max(4096);
const signal = z.string().transform((s, ctx) => {
  const sig = parseSignal(s);
  if (!sig) ctx.addIssue({ code: 'custom', message: `unknown signal '${s}'` });
  return sig ?? 'TERM';
});

/**
 * Event types only the kernel may deliver: syscall results and signals (`sys.*`) and xstate's
 * own events (`xstate.*`: delayed-transition timers, done and error events). A message with
 * one of these types could forge a result, a signal or a timer, so it is refused.
 */
export function isReservedEventType(type: string): boolean {
  return type.startsWith('sys.') || type.startsWith('xstate.');
}

const message = EventSchema.refine((e) => !isReservedEventType(e.type), {
  message: "event types starting with 'sys.' or 'xstate.' are reserved for the kernel",
});

/**
 * Argument schemas of every syscall, checked where the call is issued and again at home.
 * `spawn`'s `fds` option is internal: the kernel running the parent fills it in with the
 * parent's fds (already dup'ed for the child's host); so is `grant` (the requester holding the
 * migd grant of an `anywhere` child's host). A process may pass neither itself.
 */
const argSchemas: Record<SyscallName, z.ZodType<unknown[]>> = {
  getpid: z.tuple([]),
  time: z.tuple([]),
  sleep: z.tuple([z.number().min(0).max(2_147_483_647)]),
  send: z.tuple([PidSchema, message]),
  grow: z.tuple([z.number().int().min(0).max(2 ** 40)]),
  write: z.tuple([fd, z.string()]),
  read: z.tuple([fd, z.number().int().min(1).max(1 << 20)]),
  spawn: z.tuple([z.string().min(1).max(64), z.array(z.string()).max(256), z.object({ on: HostIdSchema.optional(), anywhere: z.boolean().optional(), fds: FdTableSchema.optional(), grant: PidSchema.optional() }).strict()]),
  exit: z.tuple([z.number().int().min(0).max(255)]),
  wait: z.tuple([PidSchema.nullable()]),
  kill: z.tuple([z.string(), signal]),
  open: z.tuple([path, OpenModeSchema]),
  close: z.tuple([fd]),
  seek: z.tuple([fd, z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), WhenceSchema]),
  stat: z.tuple([path]),
  unlink: z.tuple([path]),
  mkdir: z.tuple([path]),
  readdir: z.tuple([path]),
};

/** Validates and normalises a call's arguments; throws `EINVAL` with the reason. */
export function checkArgs(call: SyscallName, args: readonly unknown[]): unknown[] {
  // The calls without arguments (getpid, time: the commonest) need no parse when given none.
  if (args.length === 0 && (call === 'time' || call === 'getpid')) return [];
  const res = argSchemas[call].safeParse(args);
  if (!res.success) {
    const why = res.error.issues.slice(0, 2).map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ');
    throw new WispError(ErrorCode.EINVAL, `sys.${call}: ${why}`);
  }
  return res.data;
}

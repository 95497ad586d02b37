import { z } from 'zod';
import { HostIdSchema, PidSchema, ProcInfo } from './schemas.js';

/** `detail`: everything the dashboard shows about one process, asked of the host that runs it. */
export const DetailRequest = z.object({ pid: PidSchema }).strict();

/** One state node of a program's machine, named by its dotted path from the root (`''`). */
export const StateOutline = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  type: z.enum(['atomic', 'compound', 'parallel', 'final', 'history']),
  /** This node is its parent's initial state. */
  initial: z.boolean(),
});

/** An event's transition from one state node to another (`to` is null for a targetless one). */
export const TransitionOutline = z.object({ from: z.string(), event: z.string(), to: z.string().nullable() });

/** A program's machine as plain data: its state tree and transitions, for drawing it. */
export const MachineOutline = z.object({ id: z.string(), states: z.array(StateOutline), transitions: z.array(TransitionOutline) });

/** Reply to `detail`. */
export const ProcDetail = z.object({
  pid: PidSchema,
  program: z.string(),
  version: z.string(),
  home: HostIdSchema,
  host: HostIdSchema,
  parent: PidSchema.nullable(),
  state: ProcInfo.shape.state,
  /** Paths of the machine's active state nodes (every level, root `''` excluded). */
  active: z.array(z.string()),
  machine: MachineOutline,
  memory: z.object({ pageSize: z.number().int(), bytes: z.number().int(), pages: z.number().int(), resident: z.number().int(), dirty: z.number().int() }),
  /** Hosts other than home it still depends on. */
  residual: z.array(HostIdSchema),
  /** Open fds ≥ 3 and their file-system streams (`<server>:<stream>`). */
  fds: z.array(z.object({ fd: z.number().int(), stream: z.string() })),
  transitions: z.number().int(),
  faults: z.number().int(),
});

export type StateOutline = z.infer<typeof StateOutline>;
export type TransitionOutline = z.infer<typeof TransitionOutline>;
export type MachineOutline = z.infer<typeof MachineOutline>;
export type ProcDetail = z.infer<typeof ProcDetail>;

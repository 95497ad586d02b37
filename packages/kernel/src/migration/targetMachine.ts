import { setup } from 'xstate';

/** What the kernel tells a target session. */
export type TargetEvent = { type: 'pages' } | { type: 'transfer' } | { type: 'commit' } | { type: 'abort' } | { type: 'timeout' };

const noop = () => undefined;

/**
 * The target side of a migration (DESIGN §5), pure. It accepted an offer; pages may arrive
 * (`receiving`), then the image (`resuming`: the PCB is built and held frozen); `commit` runs
 * the process here. `abort`, or no commit in time, drops everything received.
 *
 * offered → receiving → resuming → committed | aborted
 */
export const targetMachine = setup({
  types: { context: {} as { pid: string; from: string }, events: {} as TargetEvent, input: {} as { pid: string; from: string } },
  actions: { install: noop, resume: noop, drop: noop },
}).createMachine({
  id: 'migration.target',
  context: ({ input }) => ({ pid: input.pid, from: input.from }),
  initial: 'offered',
  states: {
    offered: { on: { pages: 'receiving', transfer: 'resuming', abort: 'aborted', timeout: 'aborted' } },
    receiving: { on: { pages: 'receiving', transfer: 'resuming', abort: 'aborted', timeout: 'aborted' } },
    resuming: { entry: 'install', on: { commit: 'committed', abort: 'aborted', timeout: 'aborted' } },
    committed: { type: 'final', entry: 'resume' },
    aborted: { type: 'final', entry: 'drop' },
  },
});

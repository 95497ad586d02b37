import { setup } from 'xstate';
import { defineProgram, sys, type ProcInput } from '@wisp/proc';
import { passOutput, type ExitOutput, type KernelEvents } from './common.js';

/** A `ping` as it arrives: `from` is the sender's pid, set by the kernel. */
export interface PingEvent {
  type: 'ping';
  seq: number;
  from: string;
}

/**
 * `pong` — the child half of {@link pingpong}: answers every `ping` with a `pong` carrying the
 * same `seq`, sent back to the pinger (`from`), until it gets `stop`; then exits 0.
 */
export const pong = defineProgram({
  name: 'pong',
  version: '1',
  summary: 'pong — answer each ping with a pong to its sender until stop',
  logic: setup({
    types: {
      context: {} as Record<string, never>,
      input: {} as ProcInput,
      events: {} as KernelEvents | PingEvent | { type: 'stop'; from: string },
      output: {} as ExitOutput,
    },
  }).createMachine({
    id: 'pong',
    context: {},
    output: passOutput,
    initial: 'serving',
    states: {
      serving: {
        on: {
          ping: {
            actions: sys.send(
              ({ event }) => (event as PingEvent).from,
              ({ event }) => ({ type: 'pong', seq: (event as PingEvent).seq }),
            ),
          },
          stop: 'done',
        },
      },
      done: { type: 'final', output: { code: 0 } },
    },
  }),
});

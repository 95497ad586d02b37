import { and, assign, setup } from 'xstate';
import { defineProgram, resultOf, sys, type ProcInput } from '@wisp/proc';
import { USAGE_EXIT_CODE, parseArgs } from './args.js';
import { onHost, passOutput, resultError, resultValue, type ExitOutput, type KernelEvents } from './common.js';

interface PingpongContext {
  rounds: number;
  on: string | null;
  child: string;
  /** Sequence number of the ping in flight. */
  seq: number;
  error: string | null;
}

type PongEvent = { type: 'pong'; seq: number; from: string };

/**
 * `pingpong [rounds=5] [on=HOST]` — spawns a {@link pong} child (on host `on` when given, an
 * exec-time remote creation), then plays `rounds` rounds: sends `ping` with a sequence number,
 * waits for the matching `pong` and prints `ping N -> pong N`. Then it sends `stop`, waits for
 * the child with `sys.wait`, prints `child <pid> exited <code>` and exits 0.
 *
 * Shows messages between processes by pid, wherever they run, and exit status reaching the
 * parent through the home host. Exits 1 when the child cannot be started or waited for.
 */
export const pingpong = defineProgram({
  name: 'pingpong',
  version: '1',
  summary: 'pingpong [rounds=5] [on=HOST] — ping a pong child, print round trips, stop and wait for it',
  logic: setup({
    types: {
      context: {} as PingpongContext,
      input: {} as ProcInput,
      events: {} as KernelEvents | PongEvent,
      output: {} as ExitOutput,
    },
    guards: {
      isPong: ({ context, event }) => event.type === 'pong' && event.from === context.child && event.seq === context.seq,
      lastRound: ({ context }) => context.seq >= context.rounds,
    },
    actions: {
      fail: assign({ error: ({ event }) => resultError(event) }),
      printRound: sys.write(1, ({ context }) => `ping ${context.seq} -> pong ${context.seq}\n`),
    },
  }).createMachine({
    id: 'pingpong',
    context: ({ input }) => {
      const p = parseArgs('pingpong', input.args, [
        { name: 'rounds', kind: 'int', default: 5, max: 1_000_000 },
        { name: 'on', kind: 'string', default: null },
      ]);
      return { ...p.values, child: '', seq: 0, error: p.error };
    },
    output: passOutput,
    initial: 'start',
    states: {
      start: {
        always: [{ guard: ({ context }) => context.error !== null, target: 'usage' }, { target: 'spawning' }],
      },
      spawning: {
        entry: sys.spawn('pong', [], ({ context }) => onHost(context.on)),
        on: {
          'sys.result': [
            {
              guard: ({ context, event }) => resultOf('spawn', true)({ event }) && context.rounds === 0,
              target: 'stopping',
              actions: assign({ child: ({ event }) => resultValue<{ pid: string }>(event).pid }),
            },
            {
              guard: resultOf('spawn', true),
              target: 'pinging',
              actions: assign({ child: ({ event }) => resultValue<{ pid: string }>(event).pid }),
            },
            { guard: resultOf('spawn', false), target: 'failed', actions: 'fail' },
          ],
        },
      },
      pinging: {
        entry: [
          assign({ seq: ({ context }) => context.seq + 1 }),
          sys.send(({ context }) => context.child, ({ context }) => ({ type: 'ping', seq: context.seq })),
        ],
        on: {
          pong: [
            { guard: and(['isPong', 'lastRound']), target: 'stopping', actions: 'printRound' },
            { guard: 'isPong', target: 'pinging', reenter: true, actions: 'printRound' },
          ],
          'sys.result': { guard: resultOf('send', false), target: 'failed', actions: 'fail' },
        },
      },
      stopping: {
        entry: [sys.send(({ context }) => context.child, { type: 'stop' }), sys.wait(({ context }) => context.child)],
        on: {
          'sys.result': [
            {
              guard: resultOf('wait', true),
              target: 'done',
              actions: sys.write(1, ({ event }) => {
                const r = resultValue<{ pid: string; code: number }>(event);
                return `child ${r.pid} exited ${r.code}\n`;
              }),
            },
            { guard: resultOf('wait', false), target: 'failed', actions: 'fail' },
          ],
        },
      },
      done: { type: 'final', output: { code: 0 } },
      failed: { type: 'final', entry: sys.write(2, ({ context }) => `pingpong: ${context.error}\n`), output: { code: 1 } },
      usage: { type: 'final', entry: sys.write(2, ({ context }) => `${context.error}\n`), output: { code: USAGE_EXIT_CODE } },
    },
  }),
});

import { ErrorCode, WispError } from '@wisp/protocol';
import type { Readable } from 'node:stream';
import type { WispClient } from '@wisp/runtime';

/**
 * `wisp run`: starts a program, streams its console, resolves with its exit code. Its own
 * standard input becomes the process's console input (fd 0), in order, closed at end of file;
 * the process reads it wherever it runs.
 */
export async function runCommand(
  client: WispClient,
  program: string,
  args: string[],
  o: { on?: string; home?: string; stdin?: Readable },
): Promise<number> {
  const hosts = (await client.hosts()).map((h) => h.id);
  if (hosts.length === 0) throw new WispError(ErrorCode.EHOSTUNREACH, 'no hosts in the cluster');
  for (const h of [o.on, o.home]) {
    if (h && !hosts.includes(h)) throw new WispError(ErrorCode.EHOSTUNREACH, `unknown host '${h}' (hosts: ${hosts.join(', ')})`);
  }
  const home = o.home ?? hosts[0]!;
  const stdin = o.stdin ?? process.stdin;
  const run = await client.run(program, args, {
    home,
    on: o.on,
    stdin: true,
    onOutput: (m) => (m.fd === 2 ? process.stderr : process.stdout).write(m.data),
  });
  const stopInput = forwardInput(client, run.pid, stdin, run.exit);
  // Ctrl-C interrupts the process, as a terminal would.
  const onInt = () => void client.kill(run.pid, 'INT').catch(() => undefined);
  process.on('SIGINT', onInt);
  try {
    return await run.exit;
  } finally {
    process.off('SIGINT', onInt);
    stopInput();
  }
}

/** Sends what `from` gives to `pid`'s console input, one request at a time, until it ends or the process exits. */
function forwardInput(client: WispClient, pid: string, from: Readable, exited: Promise<number>): () => void {
  let done = false;
  let chain = Promise.resolve();
  const send = (text: string, close: boolean) => {
    // After the exit the home answers ESRCH: nobody is left to read it.
    chain = chain.then(() => (done ? undefined : client.input(pid, text, close).catch((err: unknown) => void (done || process.stderr.write(`wisp run: console input: ${(err as Error).message}\n`)))));
  };
  const onData = (chunk: Buffer | string) => send(chunk.toString(), false);
  const onEnd = () => send('', true);
  from.setEncoding?.('utf8');
  from.on('data', onData);
  from.once('end', onEnd);
  const stop = () => {
    done = true;
    from.off('data', onData);
    from.off('end', onEnd);
    from.pause();
    // process.stdin keeps the event loop alive while it is read.
    if (from === process.stdin) process.stdin.unref?.();
  };
  void exited.then(stop);
  return stop;
}

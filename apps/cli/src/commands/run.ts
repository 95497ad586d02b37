import { ErrorCode, WispError } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';

/** `wisp run`: starts a program, streams its console, resolves with its exit code. */
export async function runCommand(client: WispClient, program: string, args: string[], o: { on?: string; home?: string }): Promise<number> {
  const hosts = (await client.hosts()).map((h) => h.id);
  if (hosts.length === 0) throw new WispError(ErrorCode.EHOSTUNREACH, 'no hosts in the cluster');
  for (const h of [o.on, o.home]) {
    if (h && !hosts.includes(h)) throw new WispError(ErrorCode.EHOSTUNREACH, `unknown host '${h}' (hosts: ${hosts.join(', ')})`);
  }
  const home = o.home ?? hosts[0]!;
  const run = await client.run(program, args, {
    home,
    on: o.on,
    onOutput: (m) => (m.fd === 2 ? process.stderr : process.stdout).write(m.data),
  });
  // Ctrl-C interrupts the process, as a terminal would.
  const onInt = () => void client.kill(run.pid, 'INT').catch(() => undefined);
  process.on('SIGINT', onInt);
  try {
    return await run.exit;
  } finally {
    process.off('SIGINT', onInt);
  }
}

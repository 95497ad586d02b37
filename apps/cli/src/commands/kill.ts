import { parseSignal, signalNames } from '@wisp/protocol';
import type { WispClient } from '@wisp/runtime';
import { UsageError } from '../usage.js';

/** `wisp kill <pid> [signal]`. */
export async function killCommand(client: WispClient, pid: string, sig = 'TERM'): Promise<void> {
  const signal = parseSignal(sig);
  if (!signal) throw new UsageError(`unknown signal '${sig}' (one of ${signalNames.join(', ')})`);
  await client.kill(pid, signal);
}

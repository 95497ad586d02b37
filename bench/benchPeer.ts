// One OS process of the forward bench: `host <url> <id>` (a Wisp host running the bench
// programs) or `echo <url>` (a raw NATS responder). Prints `ready` once it serves.
import { connect } from '@nats-io/transport-node';
import { ProgramRegistry } from '@wisp/proc';
import { Host, createLogger } from '@wisp/runtime';
import { benchPrograms } from './callLoop.js';

const [role, url, id] = process.argv.slice(2);
const nc = await connect({ servers: url, noAsyncTraces: true });
if (role === 'host') {
  await Host.start({ id: id!, nc, registry: new ProgramRegistry(benchPrograms), logger: createLogger('bench', 'silent'), console: () => {} });
} else {
  nc.subscribe('bench.echo', { callback: (_err, m) => void m.respond(m.data) });
  await nc.flush();
}
process.stdout.write('ready\n');
// Stops when the bench closes stdin.
process.stdin.resume().on('end', () => process.exit(0));

// The raw-NATS side of the migrate bench, its own OS process as Wisp hosts are:
// `bench.echo` answers with what it got (round trips), `bench.sink` with a few bytes
// (throughput of large requests, as page batches are acknowledged). Prints `ready` once it serves.
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.argv[2], noAsyncTraces: true });
const ack = new TextEncoder().encode('{"ok":true,"value":{}}');
nc.subscribe('bench.echo', { callback: (_err, m) => void m.respond(m.data) });
nc.subscribe('bench.sink', { callback: (_err, m) => void m.respond(ack) });
await nc.flush();
process.stdout.write('ready\n');
// Stops when the bench closes stdin.
process.stdin.resume().on('end', () => process.exit(0));

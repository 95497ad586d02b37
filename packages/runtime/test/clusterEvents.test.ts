import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { encode, subjects } from '@wisp/protocol';
import { clusterEvents, type ClusterEvent } from '../src/clusterEvents.js';
import { startNatsServer, type NatsServerHandle } from '../src/natsServer.js';

describe('clusterEvents', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  const s = subjects('ev');
  const publish = (kind: string, n: number) => nc.publish(s.event(kind), encode({ kind, host: 'h1', at: 0, data: { n } } satisfies ClusterEvent));

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('streams every event, in order, and skips a malformed one', async () => {
    const got = firstValueFrom(clusterEvents(nc, 'ev').pipe(take(3), toArray()));
    await nc.flush();
    publish('proc.migrating', 1);
    nc.publish(s.event('proc.arrived'), new TextEncoder().encode('not json'));
    publish('proc.arrived', 2);
    publish('proc.migrated', 3);
    expect((await got).map((e) => `${e.kind} ${e.data.n}`)).toEqual(['proc.migrating 1', 'proc.arrived 2', 'proc.migrated 3']);
  });

  it('with kinds, only those reach the subscriber', async () => {
    const got = firstValueFrom(clusterEvents(nc, 'ev', ['proc.residual', 'host.evicted']).pipe(take(2), toArray()));
    await nc.flush();
    publish('proc.migrating', 1);
    publish('proc.residual', 2);
    publish('proc.migrated', 3);
    publish('host.evicted', 4);
    expect((await got).map((e) => `${e.kind} ${e.data.n}`)).toEqual(['proc.residual 2', 'host.evicted 4']);
  });
});

import { errors } from '@nats-io/nats-core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServerHandle } from '@wisp/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionGate } from '@wisp/protocol';
import { retryJetStream, transientJetStreamError } from '../src/storage/jetstreamRetry.js';

describe('transientJetStreamError', () => {
  it('takes timeouts, nobody answering, dropped connections and 503s as transient, also as causes', () => {
    expect(transientJetStreamError(new errors.TimeoutError())).toBe(true);
    expect(transientJetStreamError(new errors.NoRespondersError('$JS.API.STREAM.INFO.x'))).toBe(true);
    expect(transientJetStreamError(new errors.RequestError('connection disconnected'))).toBe(true);
    expect(transientJetStreamError(Object.assign(new Error('JetStream system temporarily unavailable'), { code: 503 }))).toBe(true);
    expect(transientJetStreamError(new Error('put failed', { cause: new errors.TimeoutError() }))).toBe(true);
  });

  it('takes anything else as final, a closed connection first of all', () => {
    expect(transientJetStreamError(new errors.ClosedConnectionError())).toBe(false);
    expect(transientJetStreamError(new Error('invalid key'))).toBe(false);
    expect(transientJetStreamError('timeout')).toBe(false);
  });
});

describe('retryJetStream', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let gate: ConnectionGate;
  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: false });
    nc = await connect({ servers: nats.url, noAsyncTraces: true });
    gate = new ConnectionGate(nc);
  });
  afterAll(async () => {
    gate.stop();
    await nc.close();
    await nats.stop();
  });

  it('tries again after transient errors until the operation succeeds', async () => {
    let tries = 0;
    const op = async () => {
      if (++tries < 3) throw new errors.TimeoutError();
      return 'done';
    };
    await expect(retryJetStream(gate, op)).resolves.toBe('done');
    expect(tries).toBe(3);
  });

  it('throws a final error at once, and a transient one once the bound is spent', async () => {
    let tries = 0;
    await expect(
      retryJetStream(gate, async () => {
        tries++;
        throw new Error('invalid key');
      }),
    ).rejects.toThrow('invalid key');
    expect(tries).toBe(1);
    tries = 0;
    await expect(
      retryJetStream(
        gate,
        async () => {
          tries++;
          throw new errors.TimeoutError();
        },
        300,
      ),
    ).rejects.toThrow(errors.TimeoutError);
    expect(tries).toBeGreaterThan(1);
  });
});

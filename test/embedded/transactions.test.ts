// Transactions on the embedded broker: kafkajs commits and aborts; readAll reads committed or
// uncommitted data; fault hooks fail EndTxn (the client retries) or the markers (EndTxn is answered,
// the transaction stays prepared and invisible until the markers land); and a disk broker stopped with
// a prepared commit finishes it when it starts again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { startBroker } from '../../src/embedded/index.js';

const { Kafka, logLevel } = kafkajs;

function client(bootstrap: string) {
  return new Kafka({
    clientId: 'embedded-txn',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 20, retries: 10 },
  });
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const values = (records: { value: string | null }[]) => records.map((r) => r.value).sort();

test('embedded: transactions commit and abort; readAll by isolation level; a failed EndTxn', async () => {
  const broker = await startBroker({
    topics: { out: 2 },
    config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 100 },
  });
  try {
    const producer = client(broker.bootstrapServers).producer({
      transactionalId: 'embedded-1',
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 1000,
    });
    await producer.connect();
    const ok = await producer.transaction();
    await ok.send({
      topic: 'out',
      messages: [
        { value: 'c1', partition: 0 },
        { value: 'c2', partition: 1 },
      ],
    });
    await ok.commit();
    const no = await producer.transaction();
    await no.send({ topic: 'out', messages: [{ value: 'a1', partition: 0 }] });
    await no.abort();
    // An EndTxn failed by a hook: kafkajs gives up (it does not retry EndTxn); the transaction stays
    // open on the broker until the coordinator aborts it at its 1 s timeout.
    const lost = await producer.transaction();
    await lost.send({ topic: 'out', messages: [{ value: 'lost', partition: 1 }] });
    const failed = broker.faults.failNext('EndTxn', { error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    await assert.rejects(lost.commit(), /loading/);
    assert.equal(failed.hits, 1);
    await producer.disconnect().catch(() => {});
    const committed = () => broker.readAll('out', { isolationLevel: 'read_committed', encoding: 'utf8' });
    assert.deepEqual(values(await committed()), ['c1', 'c2']);
    await until(async () => (await broker.describeTransaction('embedded-1'))?.state === 'CompleteAbort');
    assert.deepEqual(values(await committed()), ['c1', 'c2']);
    assert.deepEqual(values(await broker.readAll('out', { encoding: 'utf8' })), ['a1', 'c1', 'c2', 'lost']);
  } finally {
    await broker.stop();
  }
});

test('embedded: failed markers keep a committed transaction invisible until they are written', async () => {
  const broker = await startBroker({ topics: { out: 1 } });
  try {
    const markers = broker.faults.failMarkers({ times: 3, when: (m) => m.commit });
    const producer = client(broker.bootstrapServers).producer({
      transactionalId: 'embedded-2',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const t = await producer.transaction();
    await t.send({ topic: 'out', messages: [{ value: 'x' }] });
    await t.commit(); // answered once PrepareCommit is written
    assert.ok(markers.hits >= 1);
    assert.deepEqual(await broker.readAll('out', { isolationLevel: 'read_committed' }), []);
    // The coordinator writes them again after its backoff; the third retry goes through.
    await until(() => markers.hits === 3 && !markers.active);
    await until(async () => (await broker.readAll('out', { isolationLevel: 'read_committed' })).length === 1);
    await producer.disconnect();
  } finally {
    await broker.stop();
  }
});

test('embedded disk broker: a commit prepared before a stop completes after the restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-txn-'));
  try {
    let broker = await startBroker({ storage: 'disk', dataDir, topics: { out: 3 } });
    const port = broker.port;
    try {
      broker.faults.failMarkers({ times: Number.POSITIVE_INFINITY });
      const producer = client(broker.bootstrapServers).producer({
        transactionalId: 'embedded-3',
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      const t = await producer.transaction();
      await t.send({
        topic: 'out',
        messages: [0, 1, 2].map((partition) => ({ value: `p${partition}`, partition })),
      });
      await t.commit();
      await producer.disconnect();
      assert.deepEqual(await broker.readAll('out', { isolationLevel: 'read_committed' }), []);
    } finally {
      await broker.stop();
    }
    broker = await startBroker({ storage: 'disk', dataDir, port });
    try {
      await until(
        async () => (await broker.readAll('out', { isolationLevel: 'read_committed' })).length === 3,
      );
      assert.deepEqual(
        values(await broker.readAll('out', { isolationLevel: 'read_committed', encoding: 'utf8' })),
        ['p0', 'p1', 'p2'],
      );
    } finally {
      await broker.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

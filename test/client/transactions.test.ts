// Samsa's transactional producer and read_committed consumer against an embedded broker: transactions
// V2 (the broker's default) and V1 (the broker made to finalize transaction.version 0), commits and
// aborts with a consumer group's offsets, the transaction() helper, a fenced zombie, and the misuse a
// transactional producer refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerNode } from '../../src/broker/node.js';
import { Consumer, type KafkaError, Producer } from '../../src/client/index.js';
import { type EmbeddedBroker, startBroker } from '../../src/embedded/index.js';

async function consumeAll(
  broker: EmbeddedBroker,
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
  count: number,
) {
  const consumer = new Consumer({
    bootstrapServers: broker.bootstrapServers,
    isolationLevel,
    autoOffsetReset: 'earliest',
    fetchMaxWaitMs: 50,
  });
  consumer.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })));
  const values: string[] = [];
  const deadline = Date.now() + 10_000;
  try {
    while (values.length < count && Date.now() < deadline) {
      for (const r of await consumer.poll(100)) values.push(String(r.value));
    }
    // Nothing more arrives.
    for (const r of await consumer.poll(200)) values.push(String(r.value));
  } finally {
    await consumer.close();
  }
  return values.sort();
}

for (const version of [2, 0] as const) {
  test(`transactions V${version === 2 ? 2 : 1}: commit and abort with a group's offsets; read_committed sees the commits`, async () => {
    const broker = await startBroker({ topics: { in: 1, out: 3 } });
    try {
      // The broker's finalized transaction.version, as the client reads it from ApiVersions.
      (broker as unknown as { node: BrokerNode }).node.txns.settings.transactionVersion = version;
      let adds = 0;
      broker.faults.intercept('AddPartitionsToTxn', () => {
        adds++;
        return undefined;
      });
      const producer = new Producer({
        bootstrapServers: broker.bootstrapServers,
        transactionalId: `v${version}`,
        lingerMs: 1,
      });
      await producer.initTransactions();
      await producer.transaction(async (tx) => {
        await Promise.all(
          [0, 1, 2, 3, 4, 5].map((i) => tx.send({ topic: 'out', value: `c${i}`, partition: i % 3 })),
        );
        await tx.sendOffsets([{ topic: 'in', partition: 0, offset: 6 }], { groupId: `g${version}` });
      });
      await assert.rejects(
        producer.transaction(async (tx) => {
          await tx.send({ topic: 'out', value: 'a0', partition: 0 });
          await tx.sendOffsets([{ topic: 'in', partition: 0, offset: 99 }], { groupId: `g${version}` });
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      // The helper aborted; the producer goes on with the next transaction.
      await producer.transaction(async (tx) => {
        await tx.send({ topic: 'out', value: 'c6', partition: 2 });
      });
      await producer.close();
      assert.deepEqual(await broker.committedOffsets(`g${version}`), { in: { 0: 6 } });
      const committed = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
      assert.deepEqual(await consumeAll(broker, 'out', 'read_committed', 7), committed);
      assert.deepEqual(await consumeAll(broker, 'out', 'read_uncommitted', 8), ['a0', ...committed].sort());
      // V1 registers each partition of a transaction first; V2 leaves that to the partition leaders.
      if (version === 2) assert.equal(adds, 0);
      else assert.ok(adds >= 3, `${adds} AddPartitionsToTxn`);
      const d = await broker.describeTransaction(`v${version}`);
      assert.equal(d?.state, 'CompleteCommit');
      // V2 bumps the epoch at every end: 3 transactions after epoch 0.
      assert.equal(d?.producerEpoch, version === 2 ? 3 : 0);
    } finally {
      await broker.stop();
    }
  });
}

test('a second producer with the same transactional.id fences the first', async () => {
  const broker = await startBroker({ topics: { out: 1 } });
  try {
    const zombie = new Producer({
      bootstrapServers: broker.bootstrapServers,
      transactionalId: 'app',
      lingerMs: 1,
    });
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic: 'out', value: 'zombie' });
    const next = new Producer({
      bootstrapServers: broker.bootstrapServers,
      transactionalId: 'app',
      lingerMs: 1,
    });
    await next.initTransactions(); // aborts the zombie's open transaction
    await next.transaction(async (tx) => {
      await tx.send({ topic: 'out', value: 'next' });
    });
    await assert.rejects(zombie.commitTransaction(), (e: KafkaError) => {
      assert.ok(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'].includes(e.code), e.message);
      return true;
    });
    // Fenced for good.
    await assert.rejects(
      zombie.send({ topic: 'out', value: 'late' }),
      (e: KafkaError) => e.code === 'PRODUCER_FENCED' || e.code === 'INVALID_PRODUCER_EPOCH',
    );
    await Promise.all([zombie.close(), next.close()]);
    assert.deepEqual(
      (await broker.readAll('out', { isolationLevel: 'read_committed', encoding: 'utf8' })).map(
        (r) => r.value,
      ),
      ['next'],
    );
  } finally {
    await broker.stop();
  }
});

test('a transactional producer refuses sends outside a transaction and ends only what it began', async () => {
  const broker = await startBroker({ topics: { out: 1 } });
  try {
    const producer = new Producer({ bootstrapServers: broker.bootstrapServers, transactionalId: 'strict' });
    assert.throws(
      () => producer.beginTransaction(),
      (e: KafkaError) => e.code === 'ILLEGAL_STATE',
    );
    await producer.initTransactions();
    await assert.rejects(
      producer.send({ topic: 'out', value: 'x' }),
      (e: KafkaError) => e.code === 'ILLEGAL_STATE',
    );
    await assert.rejects(producer.commitTransaction(), (e: KafkaError) => e.code === 'ILLEGAL_STATE');
    producer.beginTransaction();
    assert.throws(
      () => producer.beginTransaction(),
      (e: KafkaError) => e.code === 'ILLEGAL_STATE',
    );
    // An empty transaction ends without asking the coordinator.
    await producer.commitTransaction();
    const plain = new Producer({ bootstrapServers: broker.bootstrapServers });
    await assert.rejects(plain.initTransactions(), (e: KafkaError) => e.code === 'ILLEGAL_STATE');
    assert.throws(
      () =>
        new Producer({
          bootstrapServers: broker.bootstrapServers,
          transactionalId: 't',
          enableIdempotence: false,
        }),
      (e: KafkaError) => e.code === 'INVALID_CONFIG',
    );
    await Promise.all([producer.close(), plain.close()]);
  } finally {
    await broker.stop();
  }
});

test('a batch that fails inside a transaction makes the commit fail; the abort goes through', async () => {
  const broker = await startBroker({ topics: { out: 1 } });
  try {
    const producer = new Producer({
      bootstrapServers: broker.bootstrapServers,
      transactionalId: 'failing',
      lingerMs: 1,
    });
    await producer.initTransactions();
    producer.beginTransaction();
    broker.faults.failNext('Produce', { error: 'INVALID_TXN_STATE' });
    await assert.rejects(
      producer.send({ topic: 'out', value: 'lost' }),
      (e: KafkaError) => e.code === 'INVALID_TXN_STATE',
    );
    await assert.rejects(producer.commitTransaction(), (e: KafkaError) => e.code === 'INVALID_TXN_STATE');
    await producer.abortTransaction();
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 'out', value: 'ok' });
    });
    await producer.close();
    assert.deepEqual(
      (await broker.readAll('out', { isolationLevel: 'read_committed', encoding: 'utf8' })).map(
        (r) => r.value,
      ),
      ['ok'],
    );
  } finally {
    await broker.stop();
  }
});

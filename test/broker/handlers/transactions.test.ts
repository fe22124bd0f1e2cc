// The transaction APIs on the wire, request by request: a transactional write to a partition that is
// not in the transaction is refused (verification, KIP-890 part 1) with the error each Produce version
// expects; Produce v12 adds the partition (transactions V2) even with verification off; EndTxn v5 gives
// the bumped epoch; old versions see INVALID_PRODUCER_EPOCH where new ones see PRODUCER_FENCED;
// WriteTxnMarkers writes markers on this node; TxnOffsetCommit requires the group's partition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

// biome-ignore lint/suspicious/noExplicitAny: wire bodies
type Body = any;

let node: BrokerNode;
let client: RawClient;

before(async () => {
  const started = await startTestNode({ 'transaction.state.log.num.partitions': '1' });
  node = started.node;
  client = await RawClient.connect(started.port);
  await node.controller.createTopics([
    { name: 'out', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
  ]);
  // The first FindCoordinator creates __transaction_state (answered COORDINATOR_NOT_AVAILABLE meanwhile).
  for (let i = 0; (await client.request<Body>(10, 3, { key: 'tx', keyType: 1 })).errorCode !== E.NONE; i++) {
    assert.ok(i < 1000, 'the topic is created');
    await new Promise((r) => setTimeout(r, 5));
  }
  for (let i = 0; i < 200 && node.txns.runtime.status(0) !== 'active'; i++)
    await new Promise((r) => setTimeout(r, 5));
});

after(async () => {
  client.close();
  await node.stop();
});

async function init(id: string, version = 4): Promise<{ producerId: number; producerEpoch: number }> {
  for (;;) {
    const r = await client.request<Body>(22, version, {
      transactionalId: id,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    if (r.errorCode === E.NONE) return r;
    assert.ok(
      [E.COORDINATOR_LOAD_IN_PROGRESS, E.CONCURRENT_TRANSACTIONS].includes(r.errorCode),
      `InitProducerId: ${r.errorCode}`,
    );
  }
}

function produce(
  version: number,
  id: string,
  p: { producerId: number; producerEpoch: number },
  partition: number,
  seq: number,
) {
  const records = buildBatch([{ value: `v${seq}` }], {
    transactional: true,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    baseSequence: seq,
  });
  return client.request<Body>(0, version, {
    transactionalId: id,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'out', partitionData: [{ index: partition, records }] }],
  });
}

const errorOf = (r: Body) => r.responses[0].partitionResponses[0].errorCode;

test('verification: a transactional write to a partition outside the transaction is refused', async () => {
  const p = await init('verify-1');
  // Not added to the transaction (no transaction at all yet): Produce v9 gets INVALID_TXN_STATE,
  // v11 (clients that know it) TRANSACTION_ABORTABLE.
  assert.equal(errorOf(await produce(9, 'verify-1', p, 0, 0)), E.INVALID_TXN_STATE);
  assert.equal(errorOf(await produce(11, 'verify-1', p, 0, 0)), E.TRANSACTION_ABORTABLE);
  const add = await client.request<Body>(24, 3, {
    v3AndBelowTransactionalId: 'verify-1',
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: 'out', partitions: [0] }],
  });
  assert.equal(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, E.NONE);
  assert.equal(errorOf(await produce(9, 'verify-1', p, 0, 0)), E.NONE);
  // Partition 1 was not added.
  assert.equal(errorOf(await produce(9, 'verify-1', p, 1, 0)), E.INVALID_TXN_STATE);
  // A fenced epoch: INVALID_PRODUCER_EPOCH (the coordinator's PRODUCER_FENCED, as producers expect it).
  assert.equal(
    errorOf(await produce(9, 'verify-1', { ...p, producerEpoch: p.producerEpoch - 1 }, 0, 1)),
    E.INVALID_PRODUCER_EPOCH,
  );
  const end = await client.request<Body>(26, 3, {
    transactionalId: 'verify-1',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    committed: false,
  });
  assert.equal(end.errorCode, E.NONE);
});

test('Produce v12 adds the partition to the transaction; EndTxn v5 gives the next epoch', async () => {
  const p = await init('v2-1', 5);
  assert.equal(errorOf(await produce(12, 'v2-1', p, 1, 0)), E.NONE);
  const [d] = await node.txns.describe(['v2-1']);
  assert.deepEqual([d.transactionState, d.topics], ['Ongoing', [{ topic: 'out', partitions: [1] }]]);
  const end = await client.request<Body>(26, 5, {
    transactionalId: 'v2-1',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    committed: true,
  });
  assert.deepEqual(
    [end.errorCode, end.producerId, end.producerEpoch],
    [E.NONE, p.producerId, p.producerEpoch + 1],
  );
  // EndTxn v4 (V1) with the same request: the epoch is not the current one any more.
  const stale = await client.request<Body>(26, 1, {
    transactionalId: 'v2-1',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch - 5,
    committed: true,
  });
  assert.equal(stale.errorCode, E.INVALID_PRODUCER_EPOCH, 'EndTxn v1 knows no PRODUCER_FENCED');
  const fenced = await client.request<Body>(26, 3, {
    transactionalId: 'v2-1',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch - 5,
    committed: true,
  });
  assert.equal(fenced.errorCode, E.PRODUCER_FENCED);
});

test('InitProducerId: the transaction timeout is bounded; an empty id is invalid', async () => {
  const long = await client.request<Body>(22, 4, {
    transactionalId: 'x',
    transactionTimeoutMs: 900_001,
    producerId: -1,
    producerEpoch: -1,
  });
  assert.equal(long.errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  const empty = await client.request<Body>(22, 4, {
    transactionalId: '',
    transactionTimeoutMs: 1000,
    producerId: -1,
    producerEpoch: -1,
  });
  assert.equal(empty.errorCode, E.INVALID_REQUEST);
});

test('WriteTxnMarkers writes markers on this node; a stale producer epoch is refused', async () => {
  const p = await init('markers-1');
  await client.request<Body>(24, 3, {
    v3AndBelowTransactionalId: 'markers-1',
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: 'out', partitions: [0] }],
  });
  assert.equal(errorOf(await produce(9, 'markers-1', p, 0, 0)), E.NONE);
  const lso = () => node.replicas.get('out', 0)?.log.lastStableOffset;
  const before = lso();
  const write = (epoch: number) =>
    client.request<Body>(27, 1, {
      markers: [
        {
          producerId: p.producerId,
          producerEpoch: epoch,
          transactionResult: false,
          coordinatorEpoch: 0,
          topics: [{ name: 'out', partitionIndexes: [0] }],
        },
      ],
    });
  const ok = await write(p.producerEpoch + 1);
  assert.equal(ok.markers[0].topics[0].partitions[0].errorCode, E.NONE);
  assert.ok((lso() ?? 0) > (before ?? 0), 'the abort marker moved the LSO');
  const stale = await write(p.producerEpoch);
  assert.equal(stale.markers[0].topics[0].partitions[0].errorCode, E.INVALID_PRODUCER_EPOCH);
  const unknown = await client.request<Body>(27, 1, {
    markers: [
      {
        producerId: p.producerId,
        producerEpoch: 9,
        transactionResult: true,
        coordinatorEpoch: 0,
        topics: [{ name: 'nope', partitionIndexes: [0] }],
      },
    ],
  });
  assert.equal(unknown.markers[0].topics[0].partitions[0].errorCode, E.UNKNOWN_TOPIC_OR_PARTITION);
});

test('TxnOffsetCommit before AddOffsetsToTxn is refused (v3: INVALID_TXN_STATE)', async () => {
  const p = await init('offsets-1');
  for (
    let i = 0;
    (await client.request<Body>(10, 3, { key: 'g-offsets', keyType: 0 })).errorCode !== E.NONE;
    i++
  ) {
    assert.ok(i < 1000, '__consumer_offsets is created');
    await new Promise((r) => setTimeout(r, 5));
  }
  const partition = node.groups.partitionFor('g-offsets');
  for (let i = 0; i < 200 && node.groups.runtime.status(partition) !== 'active'; i++)
    await new Promise((r) => setTimeout(r, 5));
  const commit = (version: number) =>
    client.request<Body>(28, version, {
      transactionalId: 'offsets-1',
      groupId: 'g-offsets',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'out',
          partitions: [
            { partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
  assert.equal((await commit(3)).topics[0].partitions[0].errorCode, E.INVALID_TXN_STATE);
  const added = await client.request<Body>(25, 3, {
    transactionalId: 'offsets-1',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    groupId: 'g-offsets',
  });
  assert.equal(added.errorCode, E.NONE);
  assert.equal((await commit(3)).topics[0].partitions[0].errorCode, E.NONE);
});

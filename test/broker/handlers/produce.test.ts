// Produce handler rules checked over the wire against an in-process node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let client: RawClient;

before(async () => {
  const started = await startTestNode();
  node = started.node;
  client = await RawClient.connect(started.port);
  const topics = [
    { name: 'plain', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    {
      name: 'compacted',
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
    },
    {
      name: 'small',
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: [{ name: 'max.message.bytes', value: '200' }],
    },
    {
      name: 'appendtime',
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
    },
  ];
  const r = await client.request(19, 7, { topics, timeoutMs: 5000, validateOnly: false });
  for (const t of r.topics) assert.equal(t.errorCode, 0, `${t.name}: ${t.errorMessage}`);
});

after(async () => {
  client.close();
  await node.stop();
});

async function produce(topic: string, records: Buffer, acks = 1, partition = 0) {
  const r = await client.request(0, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return r.responses[0].partitionResponses[0];
}

test('offsets are assigned in order and reported back', async () => {
  const a = await produce('plain', buildBatch([{ value: 'a' }, { value: 'b' }]));
  const b = await produce('plain', buildBatch([{ value: 'c' }]));
  assert.deepEqual([a.errorCode, a.baseOffset, b.errorCode, b.baseOffset], [0, 0, 0, 2]);
});

test('a corrupt batch is CORRUPT_MESSAGE, an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const batch = buildBatch([{ value: 'x' }]);
  batch[batch.length - 1] ^= 0xff;
  assert.equal((await produce('plain', batch)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(
    (await produce('nope', buildBatch([{ value: 'x' }]))).errorCode,
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  );
  assert.equal(
    (await produce('plain', buildBatch([{ value: 'x' }]), 1, 7)).errorCode,
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  );
});

test('two batches in one partition, a bad acks value and a control batch are refused', async () => {
  const two = Buffer.concat([buildBatch([{ value: 'x' }]), buildBatch([{ value: 'y' }])]);
  assert.equal((await produce('plain', two)).errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(
    (await produce('plain', buildBatch([{ value: 'x' }]), 2)).errorCode,
    ErrorCode.INVALID_REQUIRED_ACKS,
  );
  assert.equal(
    (await produce('plain', buildBatch([{ value: 'x' }], { control: true }))).errorCode,
    ErrorCode.INVALID_RECORD,
  );
});

test('max.message.bytes gives MESSAGE_TOO_LARGE; compacted topics need keys', async () => {
  assert.equal(
    (await produce('small', buildBatch([{ value: Buffer.alloc(500) }]))).errorCode,
    ErrorCode.MESSAGE_TOO_LARGE,
  );
  assert.equal(
    (await produce('compacted', buildBatch([{ key: 'k', value: 'v' }, { value: 'no key' }]))).errorCode,
    ErrorCode.INVALID_RECORD,
  );
  assert.equal(
    (await produce('compacted', buildBatch([{ key: 'k', value: 'v' }]))).errorCode,
    ErrorCode.NONE,
  );
});

test('LogAppendTime topics answer with the broker time', async () => {
  const before = Date.now();
  const r = await produce('appendtime', buildBatch([{ value: 'x', timestamp: 1 }]));
  assert.equal(r.errorCode, 0);
  assert.ok(
    r.logAppendTimeMs >= before && r.logAppendTimeMs <= Date.now(),
    `logAppendTimeMs ${r.logAppendTimeMs}`,
  );
});

test('acks=0 gets no answer, and what it wrote is there', async () => {
  client.socket.write(
    Buffer.concat(
      (await import('../../../src/protocol/frame.js')).encodeRequestFrame(0, 9, 999, 'raw', {
        transactionalId: null,
        acks: 0,
        timeoutMs: 5000,
        topicData: [
          {
            name: 'plain',
            partitionData: [{ index: 0, records: buildBatch([{ value: 'fire-and-forget' }]) }],
          },
        ],
      }),
    ),
  );
  // The next answer on the connection is the ListOffsets below, not a produce answer.
  const r = await client.request(2, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'plain', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  assert.equal(r.topics[0].partitions[0].offset, 4);
});

// Metadata, DescribeTopicPartitions, DescribeCluster, DescribeConfigs and InitProducerId over the
// wire against an in-process node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { record } from '../../../src/metadata/records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let client: RawClient;

before(async () => {
  const started = await startTestNode({ 'auto.create.topics.enable': 'true', 'num.partitions': '2' });
  node = started.node;
  client = await RawClient.connect(started.port);
  const topics = ['a', 'b', 'c'].map((name) => ({
    name,
    numPartitions: 3,
    replicationFactor: 1,
    assignments: [],
    configs: [],
  }));
  await client.request(19, 7, { topics, timeoutMs: 5000, validateOnly: false });
});

after(async () => {
  client.close();
  await node.stop();
});

test('Metadata creates an unknown topic when allowed: LEADER_NOT_AVAILABLE first, then its leaders', async () => {
  const ask = () =>
    client.request(3, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
  const first = await ask();
  assert.deepEqual(
    [first.topics[0].errorCode, first.topics[0].name, first.topics[0].partitions],
    [ErrorCode.LEADER_NOT_AVAILABLE, 'auto', []],
  );
  let r = await ask();
  for (let i = 0; r.topics[0].errorCode !== ErrorCode.NONE; i++) {
    assert.equal(r.topics[0].errorCode, ErrorCode.LEADER_NOT_AVAILABLE, 'while it is created');
    assert.ok(i < 1000);
    await new Promise((resolve) => setTimeout(resolve, 2));
    r = await ask();
  }
  const t = r.topics[0];
  assert.equal(node.controller.image.topicsByName.get('auto')?.id, t.topicId, 'created once');
  assert.equal(t.partitions.length, 2, 'num.partitions');
  assert.ok(t.partitions.every((p: { leaderId: number }) => p.leaderId === 1));
  assert.notEqual(t.topicId, 'AAAAAAAAAAAAAAAAAAAAAA');
  const refused = await client.request(3, 12, {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'not-created' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(refused.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const bad = await client.request(3, 12, {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad name' }],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const byId = await client.request(3, 12, {
    topics: [{ topicId: t.topicId, name: null }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(byId.topics[0].name, 'auto');
  assert.equal(r.controllerId, 1);
});

test('DescribeTopicPartitions pages through partitions with a cursor', async () => {
  const seen: string[] = [];
  let cursor: { topicName: string; partitionIndex: number } | null = null;
  for (let page = 0; page < 10; page++) {
    const r: {
      topics: { name: string; partitions: { partitionIndex: number; eligibleLeaderReplicas: number[] }[] }[];
      nextCursor: typeof cursor;
    } = await client.request(75, 0, {
      topics: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      responsePartitionLimit: 2,
      cursor,
    });
    for (const t of r.topics) for (const p of t.partitions) seen.push(`${t.name}-${p.partitionIndex}`);
    for (const t of r.topics) for (const p of t.partitions) assert.deepEqual(p.eligibleLeaderReplicas, []);
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, ['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'b-2', 'c-0', 'c-1', 'c-2']);
});

test('DescribeCluster names this broker and the cluster id', async () => {
  const r = await client.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
  assert.equal(r.clusterId, 'test-cluster-id-000000');
  assert.deepEqual(
    r.brokers.map((b: { brokerId: number }) => b.brokerId),
    [1],
  );
});

test('DescribeCluster v2 lists fenced brokers, marked, only when asked (KIP-1073)', async () => {
  // A second broker registers fenced (as a broker does until its metadata has caught up).
  await node.controller.apply(() => ({
    records: [
      record('RegisterBroker', {
        brokerId: 2,
        incarnationId: 'AAAAAAAAAAAAAAAAAAAAAg',
        brokerEpoch: 0,
        endPoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 1, securityProtocol: 0 }],
        features: [],
        rack: null,
        fenced: true,
      }),
    ],
    result: undefined,
  }));
  const brokers = async (version: number, includeFencedBrokers: boolean) =>
    (
      await client.request(60, version, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
        includeFencedBrokers,
      })
    ).brokers.map((b: { brokerId: number; isFenced?: boolean }) => [b.brokerId, b.isFenced ?? false]);
  assert.deepEqual(await brokers(2, true), [
    [1, false],
    [2, true],
  ]);
  assert.deepEqual(await brokers(2, false), [[1, false]]);
  assert.deepEqual(await brokers(1, true), [[1, false]], 'v1 has no such flag');
});

test('DescribeConfigs reports a topic override as DYNAMIC_TOPIC_CONFIG and defaults as DEFAULT_CONFIG', async () => {
  await client.request(44, 1, {
    resources: [
      {
        resourceType: 2,
        resourceName: 'a',
        configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }],
      },
    ],
    validateOnly: false,
  });
  const r = await client.request(32, 4, {
    resources: [
      { resourceType: 2, resourceName: 'a', configurationKeys: ['retention.ms', 'cleanup.policy'] },
    ],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const byName = Object.fromEntries(r.results[0].configs.map((c: { name: string }) => [c.name, c]));
  assert.equal(byName['retention.ms'].value, '1000');
  assert.equal(byName['retention.ms'].configSource, 1);
  assert.equal(byName['cleanup.policy'].value, 'delete');
  assert.equal(byName['cleanup.policy'].configSource, 5);
  const bad = await client.request(44, 1, {
    resources: [
      {
        resourceType: 2,
        resourceName: 'a',
        configs: [{ name: 'retention.ms', configOperation: 0, value: 'soon' }],
      },
    ],
    validateOnly: false,
  });
  assert.equal(bad.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
  const unknown = await client.request(32, 4, {
    resources: [{ resourceType: 2, resourceName: 'zzz', configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.equal(unknown.results[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('InitProducerId hands out distinct producer ids', async () => {
  const ids = new Set<number>();
  for (let i = 0; i < 5; i++) {
    const r = await client.request(22, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.equal(r.errorCode, 0);
    assert.equal(r.producerEpoch, 0);
    ids.add(r.producerId);
  }
  assert.equal(ids.size, 5);
});

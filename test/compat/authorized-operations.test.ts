// Authorized operations as Kafka answers them without an authorizer: when a client asks (Metadata
// v8+, DescribeCluster, DescribeGroups v3+; DescribeTopicPartitions always), every operation the
// resource supports, as a bit field of Kafka's AclOperation codes; -2147483648 when not asked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { createTopic } from '../helpers/raw-ops.js';

/** READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11. */
const TOPIC_OPERATIONS = 3576;
/** CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12. */
const CLUSTER_OPERATIONS = 8096;
const NOT_REQUESTED = -2147483648;

let broker: BrokerProcess;
let c: RawClient;

before(async () => {
  broker = await startBrokerProcess();
  c = await RawClient.connect(broker.port);
  await createTopic(c, 'guarded', 2);
});

after(async () => {
  c?.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('Metadata v8-v10 gives topic and cluster operations when asked, v11+ topic operations only', async () => {
  for (const version of [8, 9, 10, 11, 12]) {
    for (const asked of [true, false]) {
      const topics =
        version >= 10 ? [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'guarded' }] : [{ name: 'guarded' }];
      const r = await c.request(3, version, {
        topics,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: asked,
        includeTopicAuthorizedOperations: asked,
      });
      assert.equal(
        r.topics[0].topicAuthorizedOperations,
        asked ? TOPIC_OPERATIONS : NOT_REQUESTED,
        `v${version}`,
      );
      if (version <= 10)
        assert.equal(
          r.clusterAuthorizedOperations,
          asked ? CLUSTER_OPERATIONS : NOT_REQUESTED,
          `v${version}`,
        );
    }
  }
  // An unknown topic gets them too, as in Kafka; an unknown topic id does not.
  const unknown = await c.request(3, 12, {
    topics: [
      { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'nowhere' },
      { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null },
    ],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: true,
  });
  assert.deepEqual(
    unknown.topics.map((t: { errorCode: number; topicAuthorizedOperations: number }) => [
      t.errorCode,
      t.topicAuthorizedOperations,
    ]),
    [
      [3, TOPIC_OPERATIONS],
      [100, NOT_REQUESTED],
    ],
  );
});

test('DescribeCluster v0 and v1 give the cluster operations when asked', async () => {
  for (const version of [0, 1]) {
    for (const asked of [true, false]) {
      const r = await c.request(60, version, { includeClusterAuthorizedOperations: asked, endpointType: 1 });
      assert.equal(r.clusterAuthorizedOperations, asked ? CLUSTER_OPERATIONS : NOT_REQUESTED, `v${version}`);
    }
  }
});

test('DescribeTopicPartitions always gives the topic operations', async () => {
  const r = await c.request(75, 0, {
    topics: [{ name: 'guarded' }],
    responsePartitionLimit: 10,
    cursor: null,
  });
  assert.equal(r.topics[0].topicAuthorizedOperations, TOPIC_OPERATIONS);
});

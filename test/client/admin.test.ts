// The admin client against a Samsa broker process: topics, partitions, cluster, typed errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { API } from '../../src/client/versions.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { brokerApis, skipWithout } from './broker-apis.js';

let broker: BrokerProcess;
let admin: Admin;

before(async () => {
  broker = await startBrokerProcess();
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap, clientId: 'admin-test' });
});

after(async () => {
  await admin.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('creates, lists, describes, grows and deletes topics', async () => {
  const created = await admin.createTopics([
    { name: 'adm-a', numPartitions: 3, replicationFactor: 1 },
    { name: 'adm-b', numPartitions: 1 },
  ]);
  assert.deepEqual(
    created.map((t) => [t.name, t.numPartitions]),
    [
      ['adm-a', 3],
      ['adm-b', 1],
    ],
  );
  assert.ok(created[0].topicId.length === 22);
  const listed = await admin.listTopics();
  assert.ok(listed.includes('adm-a') && listed.includes('adm-b'));
  const [a] = await admin.describeTopics(['adm-a']);
  assert.equal(a.partitions.length, 3);
  assert.deepEqual(
    a.partitions.map((p) => p.leader),
    [1, 1, 1],
  );
  await admin.createPartitions({ 'adm-a': 5 });
  const [a2] = await admin.describeTopics(['adm-a']);
  assert.equal(a2.partitions.length, 5);
  await admin.deleteTopics(['adm-a', 'adm-b']);
  const after = await admin.listTopics();
  assert.ok(!after.includes('adm-a') && !after.includes('adm-b'));
});

test('every per-topic error is reported with its topic', async () => {
  await admin.createTopics([{ name: 'adm-dup', numPartitions: 1 }]);
  await assert.rejects(
    admin.createTopics([
      { name: 'adm-dup', numPartitions: 1 },
      { name: 'bad name!', numPartitions: 1 },
      { name: 'adm-fine', numPartitions: 1 },
    ]),
    (err: KafkaError) => {
      assert.ok(err instanceof KafkaError);
      assert.equal(err.code, 'MULTIPLE_ERRORS');
      const byTopic = new Map(err.errors.map((e) => [e.topic, e]));
      assert.equal(byTopic.get('adm-dup')?.code, 'TOPIC_ALREADY_EXISTS');
      assert.equal(byTopic.get('adm-dup')?.errorCode, 36);
      assert.equal(byTopic.get('bad name!')?.code, 'INVALID_TOPIC_EXCEPTION');
      assert.equal(byTopic.get('bad name!')?.retriable, false);
      return true;
    },
  );
  assert.ok((await admin.listTopics()).includes('adm-fine'));
  await assert.rejects(admin.describeTopics(['adm-missing']), (err: KafkaError) => {
    assert.equal(err.code, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(err.topic, 'adm-missing');
    return true;
  });
});

test('describes the cluster', async () => {
  const c = await admin.describeCluster();
  assert.equal(c.brokers.length, 1);
  assert.equal(c.brokers[0].nodeId, 1);
  assert.equal(c.controllerId, 1);
  assert.equal(c.brokers[0].port, broker.port);
});

test('config errors name the key and suggest the closest one', () => {
  assert.throws(
    () => new Admin({ 'bootstrap.servers': broker.bootstrap, 'request.timeout.m': 5 } as never),
    (err: KafkaError) =>
      err.code === 'INVALID_CONFIG' &&
      /request\.timeout\.m'.*did you mean 'request\.timeout\.ms'/.test(err.message),
  );
  assert.throws(() => new Admin({} as never), /bootstrap\.servers/);
});

test('an unreachable cluster fails with a retriable connection error', async () => {
  const lonely = new Admin({
    bootstrapServers: ['127.0.0.1:1'],
    defaultApiTimeoutMs: 300,
    reconnectBackoffMs: 10,
  });
  try {
    await assert.rejects(
      lonely.listTopics(),
      (err: KafkaError) => err.code === 'CONNECTION_FAILED' && err.retriable,
    );
  } finally {
    await lonely.close();
  }
});

test('describes and alters topic configs', async (t) => {
  const apis = await brokerApis(broker.bootstrap);
  if (skipWithout(t, apis, [API.DescribeConfigs, API.IncrementalAlterConfigs])) return;
  await admin.createTopics([{ name: 'adm-conf', numPartitions: 1, configs: { 'retention.ms': '3600000' } }]);
  const [before] = await admin.describeConfigs([{ type: 'topic', name: 'adm-conf' }]);
  const retention = before.configs.find((c) => c.name === 'retention.ms');
  assert.equal(retention?.value, '3600000');
  assert.equal(retention?.source, 'dynamic-topic');
  await admin.incrementalAlterConfigs([
    {
      type: 'topic',
      name: 'adm-conf',
      ops: [
        { op: 'set', name: 'cleanup.policy', value: 'compact' },
        { op: 'delete', name: 'retention.ms' },
      ],
    },
  ]);
  const [after] = await admin.describeConfigs([
    { type: 'topic', name: 'adm-conf', keys: ['cleanup.policy', 'retention.ms'] },
  ]);
  assert.equal(after.configs.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
  assert.equal(after.configs.find((c) => c.name === 'retention.ms')?.isDefault, true);
  await assert.rejects(
    admin.incrementalAlterConfigs([
      { type: 'topic', name: 'adm-conf', ops: [{ op: 'set', name: 'no.such.config', value: '1' }] },
    ]),
    (err: KafkaError) => err.code === 'INVALID_CONFIG' && err.topic === 'adm-conf',
  );
  await assert.rejects(
    admin.describeConfigs([{ type: 'topic', name: 'adm-nope' }]),
    (err: KafkaError) => err.code === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
});

test('offsets by time, record deletion and log dirs', async (t) => {
  const apis = await brokerApis(broker.bootstrap);
  if (skipWithout(t, apis, [API.Produce, API.ListOffsets, API.DeleteRecords, API.DescribeLogDirs])) return;
  await admin.createTopics([{ name: 'adm-off', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  try {
    for (let i = 0; i < 10; i++)
      await producer.send({ topic: 'adm-off', value: `v${i}`, timestamp: 1000 + i * 10 });
  } finally {
    await producer.close();
  }
  const tp = { topic: 'adm-off', partition: 0 };
  const [earliest, latest, at] = await admin.listOffsets([
    { ...tp, at: 'earliest' },
    { ...tp, at: 'latest' },
    { ...tp, at: 1045 },
  ]);
  assert.equal(earliest.offset, 0);
  assert.equal(latest.offset, 10);
  assert.equal(at.offset, 5);
  const [deleted] = await admin.deleteRecords([{ ...tp, offset: 4 }]);
  assert.equal(deleted.lowWatermark, 4);
  const [again] = await admin.listOffsets([{ ...tp, at: 'earliest' }]);
  assert.equal(again.offset, 4);
  const dirs = await admin.describeLogDirs();
  assert.ok(dirs.length >= 1);
  assert.ok(dirs.some((d) => d.partitions.some((p) => p.topic === 'adm-off' && p.sizeBytes > 0)));
});

test('lists, describes and deletes groups and their offsets', async (t) => {
  const apis = await brokerApis(broker.bootstrap);
  if (
    skipWithout(t, apis, [
      API.ListGroups,
      API.DescribeGroups,
      API.DeleteGroups,
      API.OffsetCommit,
      API.OffsetFetch,
      API.OffsetDelete,
    ])
  )
    return;
  await admin.createTopics([{ name: 'adm-grp', numPartitions: 2 }]);
  await admin.alterGroupOffsets('adm-g', [
    { topic: 'adm-grp', partition: 0, offset: 3 },
    { topic: 'adm-grp', partition: 1, offset: 9 },
  ]);
  const offsets = await admin.listGroupOffsets('adm-g');
  assert.deepEqual(offsets.map((o) => [o.partition, o.offset]).sort(), [
    [0, 3],
    [1, 9],
  ]);
  assert.ok((await admin.listGroups()).some((g) => g.groupId === 'adm-g'));
  const [described] = await admin.describeGroups(['adm-g']);
  assert.equal(described.state, 'Empty');
  assert.deepEqual(described.members, []);
  await admin.deleteGroupOffsets('adm-g', [{ topic: 'adm-grp', partition: 0 }]);
  assert.deepEqual(
    (await admin.listGroupOffsets('adm-g')).map((o) => o.partition),
    [1],
  );
  await admin.deleteGroups(['adm-g']);
  assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'adm-g'));
  await assert.rejects(
    admin.deleteGroups(['adm-none']),
    (err: KafkaError) => err.code === 'GROUP_ID_NOT_FOUND' && err.groupId === 'adm-none',
  );
});

// The admin client against a Samsa broker process: topics, partitions, cluster, typed errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaError } from '../../src/client/errors.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';

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

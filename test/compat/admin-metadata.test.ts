// Third-party clients list, create and delete topics on a Samsa broker process.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { needs, run, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess();
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('kcat lists the broker as controller and auto-creates a topic', async (t) => {
  if (!needs(t, 'kcat')) return;
  const all = await run('kcat', ['-b', broker.bootstrap, '-L']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /broker 1 at 127\.0\.0\.1:\d+ \(controller\)/);
  // The request that creates the topic is answered "leader not available" for it, as Kafka does.
  const first = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'kcat-auto']);
  assert.match(first.stdout, /topic "kcat-auto" with 0 partitions: Broker: Leader not available/);
  // The next ones get the partitions once the creation is done (at once on a quiet machine).
  let one = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'kcat-auto']);
  for (let i = 0; i < 20 && /Leader not available/.test(one.stdout); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    one = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'kcat-auto']);
  }
  assert.match(
    one.stdout,
    /topic "kcat-auto" with 1 partitions:\s+partition 0, leader 1, replicas: 1, isrs: 1/,
  );
});

test('kafkajs admin creates, lists, describes and deletes topics', async () => {
  const kafka = new Kafka({ clientId: 'compat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(
      await admin.createTopics({ topics: [{ topic: 'js-topic', numPartitions: 3 }], waitForLeaders: true }),
      true,
    );
    assert.equal(await admin.createTopics({ topics: [{ topic: 'js-topic', numPartitions: 3 }] }), false);
    assert.ok((await admin.listTopics()).includes('js-topic'));
    const meta = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
    assert.equal(meta.topics[0].partitions.length, 3);
    await admin.deleteTopics({ topics: ['js-topic'] });
    assert.ok(!(await admin.listTopics()).includes('js-topic'));
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'bad name!' }] }),
      (err: { errors?: { type: string }[] }) => {
        assert.equal(err.errors?.[0]?.type, 'INVALID_TOPIC_EXCEPTION');
        return true;
      },
    );
  } finally {
    await admin.disconnect();
  }
});

test('kafka-python admin creates, lists and deletes topics; replication factor above the brokers is refused', async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const script = `
import sys
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import InvalidReplicationFactorError, TopicAlreadyExistsError
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='compat')
a.create_topics([NewTopic('py-topic', 2, 1)])
print('listed', 'py-topic' in a.list_topics())
d = a.describe_topics(['py-topic'])[0]
print('described', d['topic'], len(d['partitions']))
from kafka.admin import ConfigResource, ConfigResourceType
cfg = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'py-topic')])[0]
print('configs', dict((e[0], e[1]) for e in cfg.resources[0][4])['cleanup.policy'])
print('cluster', a.describe_cluster()['controller_id'])
try:
    a.create_topics([NewTopic('py-topic', 2, 1)])
except TopicAlreadyExistsError:
    print('exists-error')
try:
    a.create_topics([NewTopic('py-rf', 1, 3)])
except InvalidReplicationFactorError:
    print('rf-error')
a.delete_topics(['py-topic'])
print('deleted', 'py-topic' not in a.list_topics())
a.close()
`;
  const r = await runPython(script, [broker.bootstrap]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'listed True',
    'described py-topic 2',
    'configs delete',
    'cluster 1',
    'exists-error',
    'rf-error',
    'deleted True',
  ]);
});

test('confluent-kafka admin creates and deletes topics', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const script = `
import sys
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({'bootstrap.servers': sys.argv[1]})
for t, f in a.create_topics([NewTopic('ck-topic', 4, 1)]).items():
    f.result()
md = a.list_topics(timeout=10)
print('partitions', len(md.topics['ck-topic'].partitions))
from confluent_kafka.admin import ConfigResource
for res, f in a.describe_configs([ConfigResource('topic', 'ck-topic')]).items():
    print('retention', f.result()['retention.ms'].value)
for t, f in a.delete_topics(['ck-topic']).items():
    f.result()
print('deleted', 'ck-topic' not in a.list_topics(timeout=10).topics)
`;
  const r = await runPython(script, [broker.bootstrap]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['partitions 4', 'retention 604800000', 'deleted True']);
});

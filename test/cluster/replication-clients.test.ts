// Replication between three broker processes (combined broker+controller nodes started with
// kafka-server-start.sh), a topic with replication factor 3 and min.insync.replicas=2: kcat,
// confluent-kafka and kafkajs produce with acks=all through different brokers, and every replica's log
// ends byte-identical (the same batches at the same offsets).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { needs, run, runPython } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

const { Kafka, logLevel } = kafkajs;

let cluster: ProcessCluster;

before(async () => {
  cluster = await ProcessCluster.start({
    nodes: 3,
    configs: {
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
      'replica.lag.time.max.ms': '3000',
      'offsets.topic.num.partitions': '3',
    },
  });
});

after(async () => {
  await cluster?.close();
});

const PYTHON_PRODUCER = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'acks': 'all', 'linger.ms': 5, 'enable.idempotence': True})
acked = 0
def report(err, msg):
    global acked
    if err is None:
        acked += 1
for i in range(int(sys.argv[3])):
    p.produce(sys.argv[2], key=('py%d' % (i % 7)).encode(), value=('py-%d' % i).encode(), on_delivery=report)
    if i % 200 == 0:
        p.poll(0)
p.flush(30)
print('acked', acked)
`;

test('kcat, confluent-kafka and kafkajs produce with acks=all; every replica of every partition ends byte-identical', {
  timeout: 120_000,
}, async (t) => {
  if (!needs(t, 'kcat', 'confluent-kafka')) return;
  await cluster.createTopic('acks-all', 3, 3, { 'min.insync.replicas': '2' });
  // kcat through node 1, each record keyed so all partitions get some.
  const lines = Array.from({ length: 3000 }, (_, i) => `k${i % 11}:kcat-${i}`).join('\n');
  const kc = await run(
    'kcat',
    ['-b', cluster.node(1).bootstrap, '-P', '-t', 'acks-all', '-K', ':', '-X', 'acks=all'],
    { input: `${lines}\n`, timeoutMs: 60_000 },
  );
  assert.equal(kc.code, 0, kc.stderr);
  // confluent-kafka through node 2 (idempotent: acks=all is implied too).
  const py = await runPython(PYTHON_PRODUCER, [cluster.node(2).bootstrap, 'acks-all', '3000'], 90_000);
  assert.equal(py.code, 0, py.stderr);
  assert.match(py.stdout, /acked 3000/);
  // kafkajs through node 3, acks=-1.
  const kafka = new Kafka({
    brokers: [cluster.node(3).bootstrap],
    clientId: 'kafkajs-acks-all',
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let b = 0; b < 30; b++) {
      const messages = Array.from({ length: 100 }, (_, i) => ({
        key: `js${i % 5}`,
        value: `js-${b * 100 + i}`,
      }));
      await producer.send({ topic: 'acks-all', acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
  // Every replica of every partition: the same bytes once the followers have caught up.
  for (let p = 0; p < 3; p++) {
    await until(
      async () => [1, 2, 3].map((n) => cluster.segmentBytes(n, 'acks-all', p)),
      (logs) => logs.every((l) => l.equals(logs[0])) && logs[0].length > 0,
      `identical replicas of acks-all-${p}`,
    );
  }
  const all = await run('kcat', ['-b', cluster.bootstrap, '-C', '-t', 'acks-all', '-e', '-q'], {
    timeoutMs: 30_000,
  });
  const values = all.stdout.trim().split('\n');
  assert.equal(values.length, 9000, 'every acknowledged record is readable once');
  assert.equal(new Set(values).size, 9000);
});

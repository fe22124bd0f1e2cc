// The group coordinator moves with the leadership of its __consumer_offsets partition: on three broker
// processes (offsets.topic.replication.factor 3, as Kafka's default with three brokers), a consumer
// group commits offsets, the broker leading the group's __consumer_offsets partition is SIGKILLed, and
// the new leader of that partition loads the group: the committed offsets are still there, and the
// group's consumers go on from them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { needs, run, runPython } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

let cluster: ProcessCluster;

before(async () => {
  cluster = await ProcessCluster.start({
    nodes: 3,
    configs: {
      'broker.session.timeout.ms': '2000',
      'broker.heartbeat.interval.ms': '500',
      'offsets.topic.num.partitions': '5',
      'group.initial.rebalance.delay.ms': '0',
    },
  });
});

after(async () => {
  await cluster?.close();
});

/** The node FindCoordinator names for a group, asked of a live broker. */
async function coordinatorOf(group: string, via: number): Promise<number> {
  const client = await RawClient.connect(cluster.node(via).port);
  try {
    const r = await client.request(10, 3, { key: group, keyType: 0 });
    return r.errorCode === 0 ? r.nodeId : -1;
  } finally {
    client.close();
  }
}

// Consumes up to N records of the topic in the group, commits them, and prints the offsets it read.
const CONSUMER = `
import sys
from confluent_kafka import Consumer
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': sys.argv[2], 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'session.timeout.ms': 6000})
c.subscribe([sys.argv[3]])
want = int(sys.argv[4])
got = []
while len(got) < want:
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        continue
    got.append(m.offset())
    if len(got) == want:
        c.commit(message=m, asynchronous=False)
c.close()
print(' '.join(str(o) for o in got))
`;

test('a group keeps its committed offsets when the broker leading its __consumer_offsets partition is killed', {
  timeout: 180_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  await cluster.createTopic('work', 1, 3);
  const lines = Array.from({ length: 100 }, (_, i) => `job-${i}`).join('\n');
  const produced = await run('kcat', ['-b', cluster.bootstrap, '-P', '-t', 'work', '-X', 'acks=all'], {
    input: `${lines}\n`,
  });
  assert.equal(produced.code, 0, produced.stderr);
  const first = await runPython(CONSUMER, [cluster.bootstrap, 'survivor', 'work', '60'], 90_000);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    first.stdout.trim().split(' ').map(Number),
    Array.from({ length: 60 }, (_, i) => i),
  );
  const offsetsTopic = await cluster.tool('kafka-topics.sh', ['--describe', '--topic', '__consumer_offsets']);
  assert.match(offsetsTopic, /ReplicationFactor: 3/, 'offsets.topic.replication.factor 3 with three brokers');
  const coordinator = await coordinatorOf('survivor', 1);
  assert.ok(coordinator > 0, 'a coordinator is known');
  await cluster.kill(coordinator);
  const survivor = [1, 2, 3].find((n) => n !== coordinator) as number;
  const moved = await until(
    () => coordinatorOf('survivor', survivor),
    (n) => n > 0 && n !== coordinator,
    'a new coordinator',
  );
  assert.notEqual(moved, coordinator);
  const described = await until(
    () => cluster.tool('kafka-consumer-groups.sh', ['--describe', '--group', 'survivor']),
    (out) => /work\s+0\s+60\s+100\s+40/.test(out),
    'the committed offset 60 on the new coordinator',
  );
  assert.match(described, /work\s+0\s+60\s+100\s+40/);
  const second = await runPython(CONSUMER, [cluster.bootstrap, 'survivor', 'work', '40'], 90_000);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(
    second.stdout.trim().split(' ').map(Number),
    Array.from({ length: 40 }, (_, i) => 60 + i),
    'the group goes on from its committed offset',
  );
});

// A cluster in one process: three combined nodes elect a controller over the wire, register and are
// unfenced; a topic created through any node is placed over all brokers and shows in every node's
// image and Metadata; a request that needs the controller is forwarded by a broker that is not it;
// a stopped leader hands over and the others go on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { type InProcessCluster, inProcessCluster } from './in-process.js';

let cluster: InProcessCluster;

async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  cluster = await inProcessCluster(
    [1, 2, 3].map((id) => ({ id, roles: 'broker,controller' as const })),
    { 'broker.session.timeout.ms': '3000', 'broker.heartbeat.interval.ms': '300' },
  );
  await Promise.all([1, 2, 3].map((id) => cluster.start(id)));
});

after(async () => {
  await cluster.stopAll();
});

function leaderId(): number {
  return [...cluster.nodes.values()][0].quorum.status().leaderId;
}

test('three combined nodes form one quorum and register three unfenced brokers', async () => {
  const leaders = new Set([...cluster.nodes.values()].map((n) => n.quorum.status().leaderId));
  assert.equal(leaders.size, 1, 'every node follows the same leader');
  const leader = leaderId();
  assert.ok([1, 2, 3].includes(leader));
  assert.equal(cluster.nodes.get(leader)?.quorum.status().role, 'leader');
  for (const n of cluster.nodes.values()) {
    await until('all brokers registered', () => {
      const brokers = [...n.publisher.image.brokers.values()];
      return brokers.length === 3 && brokers.every((b) => !b.fenced);
    });
  }
});

test('a topic created through a node that is not the controller is spread over all brokers and visible everywhere', async () => {
  const other = [1, 2, 3].find((id) => id !== leaderId()) as number;
  const admin = new Admin({ bootstrapServers: cluster.bootstrap(other) });
  try {
    await admin.createTopics([{ name: 'spread', numPartitions: 6, replicationFactor: 3 }]);
    for (const n of cluster.nodes.values()) {
      const topic = await until('the topic on every node', () =>
        n.publisher.image.topicsByName.get('spread'),
      );
      assert.equal(topic.partitions.length, 6);
      for (const p of topic.partitions) {
        assert.equal(p.replicas.length, 3);
        assert.deepEqual([...p.isr].sort(), [1, 2, 3]);
      }
      const leaders = new Map<number, number>();
      for (const p of topic.partitions) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
      assert.deepEqual([...leaders.keys()].sort(), [1, 2, 3], 'every broker leads some partition');
    }
    const described = await admin.describeCluster();
    assert.equal(described.brokers.length, 3);
    const more = await admin
      .createTopics([{ name: 'too-wide', numPartitions: 1, replicationFactor: 4 }])
      .catch((e) => e);
    assert.match(String(more.message ?? more), /INVALID_REPLICATION_FACTOR|replication factor/i);
  } finally {
    await admin.close();
  }
});

test('a producer writes to each partition leader; a broker that does not lead answers NOT_LEADER_OR_FOLLOWER', async () => {
  const producer = new Producer({ bootstrapServers: cluster.bootstrap(1) });
  try {
    for (let p = 0; p < 6; p++) {
      const r = await producer.send({ topic: 'spread', partition: p, value: `v${p}` });
      assert.equal(r.partition, p);
    }
  } finally {
    await producer.close();
  }
  const node1 = cluster.nodes.get(1);
  const topic = node1?.publisher.image.topicsByName.get('spread');
  const notLed = topic?.partitions.find((p) => p.leader !== 1);
  assert.ok(notLed);
  assert.equal(node1?.replicas.leader('spread', notLed.partition), undefined);
  assert.ok(node1?.replicas.get('spread', notLed.partition), 'the replica is hosted, not led');
});

test('the leader stops: the others elect a new controller and creating a topic works again', async () => {
  const old = leaderId();
  await cluster.stop(old);
  const survivor = [...cluster.nodes.values()][0];
  const leader = await until('a new leader', () => {
    const s = survivor.quorum.status();
    return s.leaderId >= 0 && s.leaderId !== old && s.leaderId;
  });
  assert.notEqual(leader, old);
  const admin = new Admin({ bootstrapServers: cluster.bootstrap() });
  try {
    await admin.createTopics([{ name: 'after-failover', numPartitions: 2, replicationFactor: 2 }]);
    for (const n of cluster.nodes.values())
      await until('the new topic everywhere', () => n.publisher.image.topicsByName.get('after-failover'));
    // The stopped broker was fenced by its controlled shutdown: it leads nothing.
    const image = survivor.publisher.image;
    assert.equal(image.brokers.get(old)?.fenced, true);
    for (const t of image.topicsByName.values()) for (const p of t.partitions) assert.notEqual(p.leader, old);
  } finally {
    await admin.close();
  }
  await cluster.start(old);
  await until(
    'the restarted node unfenced',
    () => survivor.publisher.image.brokers.get(old)?.fenced === false,
  );
  const back = cluster.nodes.get(old);
  await until('the restarted node caught up', () => back?.publisher.image.topicsByName.get('after-failover'));
});

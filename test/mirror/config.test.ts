// mm2.properties resolved as MirrorMaker 2's dedicated mode resolves it: flows, defaults, flow-level
// overrides, client settings per cluster and role, and readable errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FlowConfig, type Props, parseMirrorConfig } from '../../src/mirror/config.js';

const BASE: Props = {
  clusters: 'A, B',
  'A.bootstrap.servers': 'a:9092',
  'B.bootstrap.servers': 'b:9092',
  'A->B.enabled': 'true',
};

function flows(props: Props, targets?: string[]): FlowConfig[] {
  const r = parseMirrorConfig(props, { targets });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config.flows;
}

test("MirrorMaker's defaults, and a heartbeat-only flow back", () => {
  const [ab, ba] = flows(BASE);
  assert.equal(`${ab.source}->${ab.target}`, 'A->B');
  assert.equal(ab.enabled, true);
  assert.equal(`${ba.source}->${ba.target} ${ba.enabled}`, 'B->A false', 'B->A emits heartbeats into A');
  assert.equal(ab.replicationFactor, 2);
  assert.equal(ab.offsetLagMax, 100);
  assert.equal(ab.refreshTopicsIntervalMs, 600_000);
  assert.equal(ab.emitCheckpointsIntervalMs, 60_000);
  assert.equal(ab.syncGroupOffsetsIntervalMs, null, 'sync.group.offsets.enabled is false by default');
  assert.equal(ab.emitHeartbeatsIntervalMs, 1000);
  assert.equal(ab.offsetSyncsTopic, 'mm2-offset-syncs.B.internal');
  assert.equal(ab.checkpointsTopic, 'A.checkpoints.internal');
  assert.equal(ab.offsetStorageTopic, 'mm2-offsets.A.internal');
  assert.equal(ab.offsetStoragePartitions, 25);
  assert.equal(ab.offsetFlushIntervalMs, 60_000);
  assert.equal(ab.policy.formatRemoteTopic('A', 'orders'), 'A.orders');
  assert.ok(ab.topicFilter.matches('orders'));
  for (const t of ['mm2-offsets.A.internal', 'x-internal', 'orders.replica', '__consumer_offsets'])
    assert.ok(!ab.topicFilter.matches(t), t);
  assert.ok(ab.groupFilter.matches('billing'));
  for (const g of ['console-consumer-1234', 'connect-x', '__g']) assert.ok(!ab.groupFilter.matches(g), g);
  assert.ok(ab.configPropertyFilter.matches('min.insync.replicas'));
  assert.ok(!ab.configPropertyFilter.matches('retention.ms'));
});

test('flow settings beat top-level ones; patterns match whole names', () => {
  const [ab] = flows({
    ...BASE,
    topics: 'x.*',
    'A->B.topics': 'orders.*, payments',
    'offset.lag.max': '10',
    'A->B.sync.group.offsets.enabled': 'true',
    'A->B.sync.group.offsets.interval.seconds': '5',
    'refresh.topics.interval.seconds': '-1',
    'emit.heartbeats.enabled': 'false',
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
  });
  assert.ok(ab.topicFilter.matches('orders-eu') && ab.topicFilter.matches('payments'));
  assert.ok(!ab.topicFilter.matches('payments-2') && !ab.topicFilter.matches('x1'));
  assert.equal(ab.offsetLagMax, 10);
  assert.equal(ab.syncGroupOffsetsIntervalMs, 5000);
  assert.equal(ab.refreshTopicsIntervalMs, null);
  assert.equal(ab.emitHeartbeatsIntervalMs, null);
  assert.equal(ab.policy.formatRemoteTopic('A', 'orders'), 'orders');
  assert.equal(flows({ ...BASE, 'emit.heartbeats.enabled': 'false' }).length, 1, 'no heartbeat-only flow');
});

test('client settings: the cluster, then A->B.consumer.*, then A.consumer.*', () => {
  const [ab] = flows({
    ...BASE,
    'security.protocol': 'PLAINTEXT',
    'A->B.consumer.max.poll.records': '100',
    'A->B.consumer.fetch.min.bytes': '10',
    'A.consumer.max.poll.records': '200',
    'B.producer.linger.ms': '7',
    'A->B.producer.compression.type': 'lz4',
    'consumer.poll.timeout.ms': '500',
  });
  const c = ab.clients.sourceConsumer;
  assert.equal(c['bootstrap.servers'], 'a:9092');
  assert.equal(c['security.protocol'], 'PLAINTEXT');
  assert.equal(c['max.poll.records'], '200');
  assert.equal(c['fetch.min.bytes'], '10');
  assert.equal(c['enable.auto.commit'], 'false');
  assert.equal(c['auto.offset.reset'], 'earliest');
  assert.match(c['client.id'], /^A->B\|MirrorSourceConnector\|replication-consumer$/);
  const p = ab.clients.targetProducer;
  assert.equal(p['bootstrap.servers'], 'b:9092');
  assert.equal(p['linger.ms'], '7');
  assert.equal(p['compression.type'], 'lz4');
  assert.equal(
    ab.clients.offsetSyncsProducer['bootstrap.servers'],
    'a:9092',
    'offset syncs go to the source',
  );
  assert.equal(ab.consumerPollTimeoutMs, 500);
  assert.equal(c['poll.timeout.ms'], undefined);
  assert.equal(p['linger.ms'], '7', "the user's linger.ms");
  assert.equal(p['max.in.flight.requests.per.connection'], undefined);
  const [nonIdempotent] = flows({ ...BASE, 'B.producer.acks': '1' });
  assert.equal(nonIdempotent.clients.targetProducer['linger.ms'], '1', "the mirror's default linger.ms");
  assert.equal(
    nonIdempotent.clients.targetProducer['max.in.flight.requests.per.connection'],
    '1',
    'without idempotence, one request in flight keeps the order',
  );
});

test('worker settings come from the target cluster', () => {
  const [ab] = flows({ ...BASE, 'B.offset.flush.interval.ms': '1000', 'offset.storage.topic': 'my-offsets' });
  assert.equal(ab.offsetFlushIntervalMs, 1000);
  assert.equal(ab.offsetStorageTopic, 'my-offsets');
});

test('--clusters keeps the flows into the named clusters', () => {
  const props = { ...BASE, clusters: 'A, B, C', 'C.bootstrap.servers': 'c:9092', 'A->C.enabled': 'true' };
  assert.deepEqual(
    flows(props, ['C']).map((f) => `${f.source}->${f.target}`),
    ['A->C', 'B->C'],
  );
});

test('mistakes are readable errors; unknown keys are warnings', () => {
  const bad = (props: Props) => {
    const r = parseMirrorConfig(props);
    assert.ok(!r.ok);
    return r.errors.join('\n');
  };
  assert.match(bad({}), /Missing required configuration "clusters"/);
  assert.match(bad({ ...BASE, 'B.bootstrap.servers': '' }), /B\.bootstrap\.servers: required/);
  assert.match(
    bad({ ...BASE, 'A->B.topics': 'orders(' }),
    /topics: 'orders\(' is not a valid regular expression/,
  );
  assert.match(bad({ ...BASE, 'sync.topic.configs.enabled': 'yes' }), /expected true or false, got 'yes'/);
  assert.match(bad({ ...BASE, 'offset.lag.max': 'ten' }), /offset\.lag\.max: expected a whole number/);
  assert.match(bad({ ...BASE, 'replication.policy.class': 'com.x.Mine' }), /not supported/);
  assert.match(bad({ ...BASE, 'A->B.enabled': 'false' }), /no replication flow is enabled/);
  const r = parseMirrorConfig({
    ...BASE,
    'topic.whatever': 'x',
    'A->B.refresh.topic.interval.seconds': '1',
    'A.anything': '1',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.config.warnings, [
    "The configuration 'topic.whatever' was supplied but isn't a known config.",
    "The configuration 'A->B.refresh.topic.interval.seconds' was supplied but isn't a known config.",
  ]);
});

test('an active/active setup with every internal topic at replication factor 1 parses without warnings', () => {
  const r = parseMirrorConfig({
    clusters: 'A, B',
    'A.bootstrap.servers': 'a1:9092, a2:9092',
    'B.bootstrap.servers': 'b1:9092, b2:9092',
    'A->B.enabled': 'true',
    'A->B.topics': '.*',
    'B->A.enabled': 'true',
    'B->A.topics': '.*',
    'replication.factor': '1',
    'checkpoints.topic.replication.factor': '1',
    'heartbeats.topic.replication.factor': '1',
    'offset-syncs.topic.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'config.storage.replication.factor': '1',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.config.warnings, []);
  assert.deepEqual(
    r.config.flows.map(
      (f) => `${f.source}->${f.target} ${f.enabled} rf=${f.checkpointsTopicReplicationFactor}`,
    ),
    ['A->B true rf=1', 'B->A true rf=1'],
  );
  assert.deepEqual(r.config.flows[0].clients.sourceConsumer['bootstrap.servers'], 'a1:9092, a2:9092');
});

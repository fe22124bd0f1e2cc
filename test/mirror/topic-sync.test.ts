// MirrorSourceConnector's rules without brokers: which topics are replicated, how remote topics are
// created and grown, which configs and ACLs are copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Props, parseMirrorConfig } from '../../src/mirror/config.js';
import { silentLogger } from '../../src/mirror/logger.js';
import { TopicSync } from '../../src/mirror/topic-sync.js';
import { entry, fakeAdmin, fakeCluster } from './fake-admin.js';

function flow(extra: Props = {}) {
  const r = parseMirrorConfig({
    clusters: 'A, B',
    'A.bootstrap.servers': 'a:1',
    'B.bootstrap.servers': 'b:1',
    'A->B.enabled': 'true',
    ...extra,
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config.flows[0];
}

test('topics: filters, internal topics and cycles; remote topics with partition count and configs', async () => {
  const a = fakeCluster();
  const b = fakeCluster(2);
  a.topics.set('orders', {
    partitions: 3,
    configs: {
      'retention.ms': entry('retention.ms', '1000'),
      'cleanup.policy': entry('cleanup.policy', 'delete', { isDefault: true, source: 'default' }),
      'min.insync.replicas': entry('min.insync.replicas', '2'),
      'log.dir': entry('log.dir', '/x', { readOnly: true }),
      secret: entry('secret', 'x', { isSensitive: true }),
      'segment.bytes': entry('segment.bytes', '1', { source: 'static-broker' }),
    },
  });
  for (const t of ['__consumer_offsets', 'mm2-offsets.A.internal', 'B.orders', 'C.payments', 'x.replica'])
    a.topics.set(t, { partitions: 1, configs: {} });
  b.topics.set('A.grown', { partitions: 1, configs: {} });
  a.topics.set('grown', { partitions: 4, configs: {} });
  const ts = new TopicSync(flow(), fakeAdmin(a), fakeAdmin(b), silentLogger);
  const parts = await ts.refresh();
  assert.deepEqual(
    [...new Set(parts.map((p) => `${p.topic}->${p.remoteTopic}`))],
    ['C.payments->A.C.payments', 'grown->A.grown', 'orders->A.orders'],
  );
  assert.equal(parts.length, 1 + 4 + 3);
  assert.ok(b.calls.includes('create A.orders 3 rf=2 {"retention.ms":"1000"}'), b.calls.join('\n'));
  assert.ok(b.calls.includes('grow A.grown 4'));
});

test('the replication factor is lowered to the brokers there are', async () => {
  const a = fakeCluster();
  const b = fakeCluster(1);
  a.topics.set('t', { partitions: 1, configs: {} });
  await new TopicSync(
    flow({ 'replication.factor': '3' }),
    fakeAdmin(a),
    fakeAdmin(b),
    silentLogger,
  ).refresh();
  assert.deepEqual(b.calls, ['create A.t 1 rf=1 {}']);
});

test('config sync sets what the source sets and deletes what it leaves at the default', async () => {
  const a = fakeCluster();
  const b = fakeCluster();
  a.topics.set('t', { partitions: 1, configs: { 'retention.ms': entry('retention.ms', '1000') } });
  const ts = new TopicSync(flow(), fakeAdmin(a), fakeAdmin(b), silentLogger);
  await ts.refresh();
  a.topics.set('t', {
    partitions: 1,
    configs: {
      'retention.ms': entry('retention.ms', '604800000', { isDefault: true, source: 'default' }),
      'max.message.bytes': entry('max.message.bytes', '5000'),
      'message.timestamp.type': entry('message.timestamp.type', 'LogAppendTime'),
    },
  });
  await ts.syncConfigs();
  assert.equal(b.calls.at(-1), 'alter A.t -retention.ms max.message.bytes=5000');
  assert.deepEqual(Object.keys(b.topics.get('A.t')?.configs ?? {}), ['max.message.bytes']);
  const fromSource = new TopicSync(
    flow({ 'use.defaults.from': 'source' }),
    fakeAdmin(a),
    fakeAdmin(b),
    silentLogger,
  );
  await fromSource.refresh();
  await fromSource.syncConfigs();
  assert.equal(b.calls.at(-1), 'alter A.t retention.ms=604800000 max.message.bytes=5000');
});

test('ACLs: literal topic ACLs renamed, ALLOW WRITE left out, ALLOW ALL downgraded to READ', async () => {
  const a = fakeCluster();
  const b = fakeCluster();
  a.topics.set('t', { partitions: 1, configs: {} });
  const acl = (operation: 'READ' | 'WRITE' | 'ALL', permission: 'ALLOW' | 'DENY', resourceName = 't') => ({
    resourceType: 'TOPIC' as const,
    resourceName,
    patternType: 'LITERAL' as const,
    principal: 'User:alice',
    host: '*',
    operation,
    permission,
  });
  a.acls = [
    acl('READ', 'ALLOW'),
    acl('WRITE', 'ALLOW'),
    acl('ALL', 'ALLOW'),
    acl('WRITE', 'DENY'),
    acl('READ', 'ALLOW', '__x'),
  ];
  const ts = new TopicSync(flow(), fakeAdmin(a), fakeAdmin(b), silentLogger);
  await ts.syncAcls();
  assert.deepEqual(b.calls, [
    'acl A.t User:alice READ ALLOW',
    'acl A.t User:alice READ ALLOW',
    'acl A.t User:alice WRITE DENY',
  ]);
  a.acls = 'no-authorizer';
  await ts.syncAcls();
  assert.equal(b.calls.length, 3, 'no authorizer on the source: nothing to copy');
});

test('the identity policy keeps names and still never copies back what came from the target', async () => {
  const a = fakeCluster();
  const b = fakeCluster();
  a.topics.set('orders', { partitions: 2, configs: {} });
  a.topics.set('heartbeats', { partitions: 1, configs: {} });
  const f = flow({
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    'A->B.topics': 'orders',
  });
  const parts = await new TopicSync(f, fakeAdmin(a), fakeAdmin(b), silentLogger).refresh();
  assert.deepEqual(
    [...new Set(parts.map((p) => `${p.topic}->${p.remoteTopic}`))],
    ['heartbeats->A.heartbeats', 'orders->orders'],
  );
});

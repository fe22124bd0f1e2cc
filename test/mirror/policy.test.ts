// Replication policies: remote topic names, sources, cycles and internal topics, as MirrorMaker 2's
// DefaultReplicationPolicy and IdentityReplicationPolicy define them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isCycle,
  isHeartbeatsTopic,
  isInternalTopic,
  originalTopic,
  replicationPolicy,
} from '../../src/mirror/policy.js';

const dflt = replicationPolicy('org.apache.kafka.connect.mirror.DefaultReplicationPolicy')!;

test('the default policy prefixes the source alias and finds it again', () => {
  assert.equal(dflt.formatRemoteTopic('A', 'orders'), 'A.orders');
  assert.equal(dflt.topicSource('A.orders'), 'A');
  assert.equal(dflt.upstreamTopic('B.A.orders'), 'A.orders');
  assert.equal(originalTopic(dflt, 'B.A.orders'), 'orders');
  assert.equal(dflt.topicSource('orders'), null);
  assert.equal(dflt.topicSource('A.'), null, 'Java split drops trailing empty parts');
  assert.equal(dflt.topicSource('.orders'), '');
  assert.equal(dflt.offsetSyncsTopic('B'), 'mm2-offset-syncs.B.internal');
  assert.equal(dflt.checkpointsTopic('A'), 'A.checkpoints.internal');
});

test('a custom separator applies to remote and internal topics unless turned off for internal ones', () => {
  const p = replicationPolicy('DefaultReplicationPolicy', { separator: '_' })!;
  assert.equal(p.formatRemoteTopic('A', 'orders'), 'A_orders');
  assert.equal(p.topicSource('A_orders'), 'A');
  assert.equal(p.offsetSyncsTopic('B'), 'mm2-offset-syncs_B_internal');
  assert.equal(p.checkpointsTopic('A'), 'A_checkpoints_internal');
  const q = replicationPolicy('DefaultReplicationPolicy', {
    separator: '_',
    internalTopicSeparatorEnabled: false,
  })!;
  assert.equal(q.checkpointsTopic('A'), 'A.checkpoints.internal');
});

test('the identity policy keeps names, heartbeats excepted', () => {
  const p = replicationPolicy('org.apache.kafka.connect.mirror.IdentityReplicationPolicy', {
    sourceClusterAlias: 'A',
  })!;
  assert.equal(p.formatRemoteTopic('A', 'orders'), 'orders');
  assert.equal(p.formatRemoteTopic('A', 'heartbeats'), 'A.heartbeats');
  assert.equal(p.topicSource('orders'), 'A');
  assert.equal(isCycle(p, 'orders', 'B'), false, 'identity cannot see cycles');
  assert.equal(replicationPolicy('com.example.MyPolicy'), null);
});

test('cycles, heartbeats and internal topics', () => {
  assert.equal(isCycle(dflt, 'B.orders', 'B'), true);
  assert.equal(isCycle(dflt, 'C.B.orders', 'B'), true);
  assert.equal(isCycle(dflt, 'C.orders', 'B'), false);
  assert.equal(isHeartbeatsTopic(dflt, 'B.A.heartbeats'), true);
  for (const t of [
    '__consumer_offsets',
    '.hidden',
    'mm2-offsets.A.internal',
    'connect-configs-internal',
    'A.checkpoints.internal',
  ])
    assert.equal(isInternalTopic(dflt, t), true, t);
  assert.equal(isInternalTopic(dflt, 'orders'), false);
});

// Consumer lag computed by the broker, in offsets and in seconds, for groups that are caught up,
// behind (inside a batch, at a batch start, in a compressed batch, below the log start), left by their
// members, and gone (deleted): through ConsumerLag and through /metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import '../../src/protocol/records/compression.js'; // the codecs, for the gzip batch
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
} from '../../src/protocol/internal/index.js';
import { Compression } from '../../src/protocol/records/batch.js';
import { encodeToBuffer } from '../../src/protocol/schema/codec.js';
import { find, Kafka, type MetricsNode, scrape, startMetricsNode, value } from './metrics-helpers.js';

let m: MetricsNode;
let k: Kafka;
/** When the records were stamped; their ages are measured from here. */
let t0: number;
const SECOND = 1000;

before(async () => {
  m = await startMetricsNode();
  k = await Kafka.connect(m.port);
  await k.createTopic('events', 1);
  await k.createTopic('zipped', 1);
  t0 = Date.now();
  // Offsets 0-2 in one batch, 300, 240 and 180 s old; offsets 3-4 in a second batch, 120 and 60 s old.
  const stamped = (ages: number[]) =>
    ages.map((age, i) => ({ value: `r${i}`, timestamp: t0 - age * SECOND }));
  assert.equal((await k.produce('events', 0, stamped([300, 240, 180]))).errorCode, 0);
  assert.equal((await k.produce('events', 0, stamped([120, 60]))).errorCode, 0);
  const gz = await k.produce('zipped', 0, stamped([50, 40, 30, 20]), { compression: Compression.Gzip });
  assert.equal(gz.errorCode, 0);
});

after(async () => {
  k.close();
  await m.node.stop();
});

/** Lag seconds are measured against the clock when asked: allow for the time the test has taken. */
function assertAge(actual: number | null, ageSeconds: number): void {
  assert.ok(actual !== null, 'lag in seconds is known');
  const elapsed = (Date.now() - t0) / SECOND;
  assert.ok(
    actual >= ageSeconds && actual <= ageSeconds + elapsed + 0.001,
    `lag ${actual} s, expected ${ageSeconds} s (+ up to ${elapsed} s)`,
  );
}

test('a caught-up group has no lag, in offsets or seconds', async () => {
  await k.commit('caught-up', 'events', { 0: 5 });
  const g = await m.node.consumerLag.describeGroup('caught-up');
  assert.ok(g);
  assert.equal(g.state, 'Empty');
  assert.deepEqual(
    g.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag, p.lagSeconds]),
    [['events', 0, 5, 5, 0, 0]],
  );
  assert.deepEqual([g.maxLag, g.maxLagSeconds, g.sumLag], [0, 0, 0]);
});

test('a group behind is as many records behind as it has not read, as old as the first of them', async () => {
  await k.commit('behind-in-batch', 'events', { 0: 1 });
  await k.commit('behind-at-batch', 'events', { 0: 3 });
  const inBatch = await m.node.consumerLag.describeGroup('behind-in-batch');
  assert.equal(inBatch?.partitions[0].lag, 4);
  assertAge(inBatch?.partitions[0].lagSeconds ?? null, 240);
  const atBatch = await m.node.consumerLag.describeGroup('behind-at-batch');
  assert.equal(atBatch?.partitions[0].lag, 2);
  assertAge(atBatch?.partitions[0].lagSeconds ?? null, 120);
  assert.equal(atBatch?.maxLag, 2);
  assertAge(atBatch?.maxLagSeconds ?? null, 120);
  // Inside a compressed batch the record's own timestamp is found too.
  await k.commit('behind-zipped', 'zipped', { 0: 2 });
  const zipped = await m.node.consumerLag.describeGroup('behind-zipped');
  assert.equal(zipped?.partitions[0].lag, 2);
  assertAge(zipped?.partitions[0].lagSeconds ?? null, 30);
});

test('lag comes out in /metrics under kafka-lag-exporter names, per partition and per group', async () => {
  await k.commit('scraped', 'events', { 0: 2 });
  const { samples: s } = await scrape(m.base);
  const labels = {
    cluster_name: 'metrics-test-cluster-0',
    group: 'scraped',
    topic: 'events',
    partition: '0',
    member_host: '',
    consumer_id: '',
    client_id: '',
  };
  assert.equal(value(s, 'kafka_consumergroup_group_offset', labels, true), 2);
  assert.equal(value(s, 'kafka_consumergroup_group_lag', labels, true), 3);
  assertAge(value(s, 'kafka_consumergroup_group_lag_seconds', labels, true), 180);
  const group = { cluster_name: 'metrics-test-cluster-0', group: 'scraped' };
  assert.equal(
    value(s, 'kafka_consumergroup_group_max_lag', { ...group, is_simple_consumer: 'true' }, true),
    3,
  );
  assertAge(value(s, 'kafka_consumergroup_group_max_lag_seconds', group), 180);
  assert.equal(value(s, 'kafka_consumergroup_group_sum_lag', group, true), 3);
  assert.equal(value(s, 'kafka_consumergroup_group_topic_sum_lag', { ...group, topic: 'events' }, true), 3);
  const tp = { cluster_name: 'metrics-test-cluster-0', topic: 'events', partition: '0' };
  assert.equal(value(s, 'kafka_partition_latest_offset', tp, true), 5);
  assert.equal(value(s, 'kafka_partition_earliest_offset', tp, true), 0);
  assert.equal(value(s, 'kafka_consumergroup_group_lag', { group: 'caught-up' }), 0);
  assert.equal(value(s, 'kafka_consumergroup_group_lag_seconds', { group: 'caught-up' }), 0);
  assert.ok(value(s, 'kafka_coordinator_group_groupmetadatamanager_numgroups') >= 5);
  assert.equal(value(s, 'samsa_consumergroup_state', { group: 'scraped', state: 'Empty' }), 1);
});

test('members label their partitions; a group whose members left keeps its lag', async () => {
  const subscription = versioned(
    0,
    encodeToBuffer(ConsumerProtocolSubscription, 0, { topics: ['events'], userData: null }),
  );
  const join = await k.raw.request(11, 3, {
    groupId: 'members',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription }],
  });
  assert.equal(join.errorCode, ErrorCode.NONE);
  const assignment = versioned(
    0,
    encodeToBuffer(ConsumerProtocolAssignment, 0, {
      assignedPartitions: [{ topic: 'events', partitions: [0] }],
      userData: null,
    }),
  );
  const sync = await k.raw.request(14, 1, {
    groupId: 'members',
    generationId: join.generationId,
    memberId: join.memberId,
    assignments: [{ memberId: join.memberId, assignment }],
  });
  assert.equal(sync.errorCode, ErrorCode.NONE);
  const commit = await k.raw.request(8, 2, {
    groupId: 'members',
    generationIdOrMemberEpoch: join.generationId,
    memberId: join.memberId,
    retentionTimeMs: -1,
    topics: [
      { name: 'events', partitions: [{ partitionIndex: 0, committedOffset: 4, committedMetadata: null }] },
    ],
  });
  assert.equal(commit.topics[0].partitions[0].errorCode, ErrorCode.NONE);
  const stable = await m.node.consumerLag.describeGroup('members');
  assert.equal(stable?.state, 'Stable');
  assert.equal(stable?.members, 1);
  assert.deepEqual(
    stable?.partitions.map((p) => [p.memberId, p.clientId, p.host, p.lag]),
    [[join.memberId, 'raw-test', '/127.0.0.1', 1]], // Kafka's spelling of the client host
  );
  const { samples: withMember } = await scrape(m.base);
  assert.equal(
    value(withMember, 'kafka_consumergroup_group_lag', {
      group: 'members',
      consumer_id: join.memberId,
      client_id: 'raw-test',
      member_host: '/127.0.0.1',
    }),
    1,
  );
  assert.equal(
    value(withMember, 'kafka_consumergroup_group_max_lag', { group: 'members', is_simple_consumer: 'false' }),
    1,
  );

  const leave = await k.raw.request(13, 1, { groupId: 'members', memberId: join.memberId });
  assert.equal(leave.errorCode, ErrorCode.NONE);
  const empty = await m.node.consumerLag.describeGroup('members');
  assert.equal(empty?.state, 'Empty');
  assert.deepEqual(
    empty?.partitions.map((p) => [p.memberId, p.lag]),
    [['', 1]],
  );
  assertAge(empty?.partitions[0].lagSeconds ?? null, 60);
});

test('a deleted group is gone from lag and from /metrics', async () => {
  await k.commit('doomed', 'events', { 0: 0 });
  assert.equal((await m.node.consumerLag.describeGroup('doomed'))?.partitions[0].lag, 5);
  assert.equal(
    find((await scrape(m.base)).samples, 'kafka_consumergroup_group_lag', { group: 'doomed' }).length,
    1,
  );
  assert.deepEqual(await k.deleteGroups(['doomed']), [ErrorCode.NONE]);
  assert.equal(await m.node.consumerLag.describeGroup('doomed'), null);
  assert.ok(!(await m.node.consumerLag.allGroups()).some((g) => g.group === 'doomed'));
  const { samples } = await scrape(m.base);
  for (const name of [
    'kafka_consumergroup_group_lag',
    'kafka_consumergroup_group_max_lag',
    'samsa_consumergroup_state',
  ])
    assert.equal(find(samples, name, { group: 'doomed' }).length, 0, name);
  assert.equal(await m.node.consumerLag.describeGroup('never-existed'), null);
  const res = await fetch(`${m.base}/lag?group=doomed`);
  assert.equal(res.status, 404);
});

test('records deleted below the committed offset: lag counts from the commit, age from the oldest left', async () => {
  await k.createTopic('trimmed', 1);
  const now = Date.now();
  for (const age of [90, 80, 70])
    await k.produce('trimmed', 0, [{ value: 'x', timestamp: now - age * SECOND }]);
  await k.commit('trimmed-group', 'trimmed', { 0: 0 });
  const del = await k.raw.request(21, 1, {
    topics: [{ name: 'trimmed', partitions: [{ partitionIndex: 0, offset: 2 }] }],
    timeoutMs: 5000,
  });
  assert.equal(del.topics[0].partitions[0].errorCode, ErrorCode.NONE);
  const g = await m.node.consumerLag.describeGroup('trimmed-group');
  const p = g?.partitions[0];
  assert.deepEqual([p?.committedOffset, p?.logStartOffset, p?.logEndOffset, p?.lag], [0, 2, 3, 3]);
  const age = (Date.now() - (now - 70 * SECOND)) / SECOND;
  assert.ok(p?.lagSeconds !== null && Math.abs((p?.lagSeconds ?? 0) - age) < 1, `${p?.lagSeconds} vs ${age}`);
  const body = (await (await fetch(`${m.base}/lag?group=trimmed-group`)).json()) as {
    partitions: { lag: number }[];
  };
  assert.equal(body.partitions[0].lag, 3);
});

function versioned(version: number, body: Buffer): Buffer {
  const v = Buffer.alloc(2);
  v.writeInt16BE(version);
  return Buffer.concat([v, body]);
}

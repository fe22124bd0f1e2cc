// Transcripts of committed offsets: who may commit, what a fetch returns, deletion, expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupCoordinator } from '../../../src/broker/coordinator/group/coordinator.js';
import type { CommitPartition } from '../../../src/broker/coordinator/group/offset-ops.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { consumerSubscription, type Harness, harness, joinRequest } from './harness.js';

function commit(
  c: GroupCoordinator,
  groupId: string,
  who: { generationId?: number; memberId?: string; apiVersion?: number; retentionTimeMs?: number },
  topics: Record<string, [number, number, string?][]>,
) {
  return c.commitOffsets({
    groupId,
    generationId: who.generationId ?? -1,
    memberId: who.memberId ?? '',
    groupInstanceId: null,
    retentionTimeMs: who.retentionTimeMs ?? -1,
    apiVersion: who.apiVersion ?? 8,
    topics: Object.entries(topics).map(([name, ps]) => ({
      name,
      partitions: ps.map(
        ([partition, offset, metadata]): CommitPartition => ({
          partition,
          offset,
          leaderEpoch: 7,
          metadata: metadata ?? '',
          commitTimestamp: -1,
        }),
      ),
    })),
  });
}

const codes = (r: { partitions: { errorCode: number }[] }[]) =>
  r.flatMap((t) => t.partitions.map((p) => p.errorCode));

/** One member in a Stable group at generation 1, subscribed to `topics`. */
async function oneMemberGroup(h: Harness, groupId: string, topics = ['orders'], sessionTimeoutMs = 10_000) {
  const c = h.coordinator;
  const j = c.joinGroup(joinRequest(groupId, { version: 3, topics, sessionTimeoutMs }));
  await h.advance(0);
  const { memberId } = await j;
  await c.syncGroup({
    groupId,
    memberId,
    generationId: 1,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [],
  });
  return memberId;
}

test('a simple consumer (generation -1) commits to an empty or new group; fetch returns what was committed', async () => {
  const h = await harness();
  const c = h.coordinator;
  const r = await commit(
    c,
    'simple',
    {},
    {
      orders: [
        [0, 42, 'hello'],
        [1, 7],
      ],
    },
  );
  assert.deepEqual(codes(r), [E.NONE, E.NONE]);
  const group = h.shard('simple').groups.get('simple');
  assert.deepEqual([group?.state, group?.protocolType], ['Empty', null]);

  const f = await c.fetchOffsets('simple', [{ name: 'orders', partitions: [0, 1, 2] }]);
  assert.deepEqual(f.topics[0].partitions, [
    { partition: 0, offset: 42, leaderEpoch: 7, metadata: 'hello', errorCode: E.NONE },
    { partition: 1, offset: 7, leaderEpoch: 7, metadata: '', errorCode: E.NONE },
    { partition: 2, offset: -1, leaderEpoch: -1, metadata: '', errorCode: E.NONE },
  ]);
  // All offsets of the group (topics null).
  const all = await c.fetchOffsets('simple', null);
  assert.deepEqual(
    all.topics.map((t) => [t.name, t.partitions.map((p) => p.offset)]),
    [['orders', [42, 7]]],
  );
  // Unknown group: nothing committed.
  assert.equal(
    (await c.fetchOffsets('nobody', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    -1,
  );
  assert.deepEqual((await c.fetchOffsets('nobody', null)).topics, []);
});

test('a member commits with its generation; strangers, old generations and simple commits are refused', async () => {
  const h = await harness();
  const c = h.coordinator;
  // Committing to a group that does not exist with a generation: ILLEGAL_GENERATION (v9: GROUP_ID_NOT_FOUND).
  assert.deepEqual(codes(await commit(c, 'g', { generationId: 3, memberId: 'm' }, { t: [[0, 1]] })), [
    E.ILLEGAL_GENERATION,
  ]);
  assert.deepEqual(
    codes(await commit(c, 'g', { generationId: 3, memberId: 'm', apiVersion: 9 }, { t: [[0, 1]] })),
    [E.GROUP_ID_NOT_FOUND],
  );
  const m = await oneMemberGroup(h, 'g');
  assert.deepEqual(codes(await commit(c, 'g', { generationId: 1, memberId: m }, { t: [[0, 10]] })), [E.NONE]);
  assert.deepEqual(codes(await commit(c, 'g', { generationId: 0, memberId: m }, { t: [[0, 11]] })), [
    E.ILLEGAL_GENERATION,
  ]);
  assert.deepEqual(codes(await commit(c, 'g', { generationId: 1, memberId: 'x' }, { t: [[0, 12]] })), [
    E.UNKNOWN_MEMBER_ID,
  ]);
  // Generation -1 while the group has members.
  assert.deepEqual(codes(await commit(c, 'g', {}, { t: [[0, 13]] })), [E.UNKNOWN_MEMBER_ID]);
  // offset.metadata.max.bytes: only that partition is refused.
  const big = 'x'.repeat(4097);
  assert.deepEqual(
    codes(
      await commit(
        c,
        'g',
        { generationId: 1, memberId: m },
        {
          t: [
            [1, 1, big],
            [2, 2, 'x'.repeat(4096)],
          ],
        },
      ),
    ),
    [E.OFFSET_METADATA_TOO_LARGE, E.NONE],
  );
  const f = await c.fetchOffsets('g', [{ name: 't', partitions: [0, 1, 2] }]);
  assert.deepEqual(
    f.topics[0].partitions.map((p) => p.offset),
    [10, -1, 2],
  );
});

test('OffsetDelete: refused for a group with members unless for topics it does not subscribe to', async () => {
  const h = await harness();
  const c = h.coordinator;
  const m = await oneMemberGroup(h, 'g', ['orders']);
  await commit(c, 'g', { generationId: 1, memberId: m }, { orders: [[0, 5]], old: [[0, 9]] });
  const r = await c.deleteOffsets('g', [
    { name: 'orders', partitions: [0] },
    { name: 'old', partitions: [0, 1] },
  ]);
  assert.deepEqual(
    [r.errorCode, r.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])],
    [
      E.NONE,
      [
        ['orders', [E.GROUP_SUBSCRIBED_TO_TOPIC]],
        ['old', [E.NONE, E.NONE]],
      ],
    ],
  );
  assert.deepEqual(
    (await c.fetchOffsets('g', null)).topics.map((t) => t.name),
    ['orders'],
  );
  assert.equal((await c.deleteOffsets('nope', [])).errorCode, E.GROUP_ID_NOT_FOUND);
  // A non-consumer group with members: NON_EMPTY_GROUP.
  const j = c.joinGroup(joinRequest('connect', { version: 3, protocolType: 'connect' }));
  await h.advance(0);
  await j;
  assert.equal(
    (await c.deleteOffsets('connect', [{ name: 'x', partitions: [0] }])).errorCode,
    E.NON_EMPTY_GROUP,
  );
});

test('DeleteGroups: empty groups go with their offsets; others are refused', async () => {
  const h = await harness({ offsetsTopicPartitions: 3 });
  const c = h.coordinator;
  await commit(
    c,
    'simple',
    {},
    {
      t: [
        [0, 1],
        [1, 2],
      ],
    },
  );
  await oneMemberGroup(h, 'busy');
  const r = await c.deleteGroups(['simple', 'busy', 'missing', 'simple']);
  assert.deepEqual(r, [
    { groupId: 'simple', errorCode: E.NONE },
    { groupId: 'busy', errorCode: E.NON_EMPTY_GROUP },
    { groupId: 'missing', errorCode: E.GROUP_ID_NOT_FOUND },
  ]);
  assert.equal((await c.describeGroups(['simple']))[0].groupState, 'Dead');
  assert.equal(
    (await c.fetchOffsets('simple', [{ name: 't', partitions: [0] }])).topics[0].partitions[0].offset,
    -1,
  );
});

test('ListGroups and DescribeGroups, with state and type filters', async () => {
  const h = await harness({ offsetsTopicPartitions: 4 });
  const c = h.coordinator;
  await commit(c, 'simple', {}, { t: [[0, 1]] });
  const m = await oneMemberGroup(h, 'busy', ['orders']);
  const names = (gs: { groupId: string }[]) => gs.map((g) => g.groupId).sort();
  assert.deepEqual(names((await c.listGroups([], [])).groups), ['busy', 'simple']);
  assert.deepEqual(names((await c.listGroups(['STABLE '], [])).groups), ['busy']);
  assert.deepEqual(names((await c.listGroups(['empty'], ['Classic'])).groups), ['simple']);
  assert.deepEqual((await c.listGroups([], ['consumer'])).groups, []);
  const [busy, simple, missing] = await c.describeGroups(['busy', 'simple', 'missing']);
  assert.deepEqual(
    [busy.groupState, busy.protocolType, busy.protocolData, busy.members.map((x) => x.memberId)],
    ['Stable', 'consumer', 'range', [m]],
  );
  assert.deepEqual(busy.members[0].memberMetadata, consumerSubscription(['orders']));
  assert.deepEqual([simple.groupState, simple.protocolType, simple.members], ['Empty', '', []]);
  assert.deepEqual([missing.errorCode, missing.groupState], [E.NONE, 'Dead']);
});

test('offsets retention: an empty group\u2019s offsets expire, then the group itself goes', async () => {
  const minute = 60_000;
  const h = await harness({ offsetsRetentionMs: 60 * minute, offsetsRetentionCheckIntervalMs: minute });
  const c = h.coordinator;
  const m = await oneMemberGroup(h, 'g', ['orders'], 5 * minute);
  await commit(c, 'g', { generationId: 1, memberId: m }, { orders: [[0, 100]], gone: [[0, 5]] });
  await commit(c, 'simple', {}, { orders: [[0, 1]] });

  // With a member, subscribed topics keep their offsets; an unsubscribed topic's offsets expire from commit.
  for (let i = 0; i < 61; i++) {
    await h.advance(minute);
    await c.heartbeat({ groupId: 'g', memberId: m, generationId: 1, groupInstanceId: null });
  }
  assert.deepEqual(
    (await c.fetchOffsets('g', null)).topics.map((t) => t.name),
    ['orders'],
  );
  // A simple group's offsets expire from their commit; then the group is deleted.
  assert.equal((await c.describeGroups(['simple']))[0].groupState, 'Dead');

  // The member leaves: the group is Empty; its offsets last the retention from then.
  await c.leaveGroup('g', [{ memberId: m, groupInstanceId: null }]);
  await h.advance(59 * minute);
  assert.equal(
    (await c.fetchOffsets('g', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    100,
  );
  await h.advance(2 * minute);
  assert.equal(
    (await c.fetchOffsets('g', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    -1,
  );
  assert.equal((await c.describeGroups(['g']))[0].groupState, 'Dead');
});

test('a commit with a retention time (OffsetCommit v2-v4) expires at its own time', async () => {
  const h = await harness({ offsetsRetentionCheckIntervalMs: 1000 });
  const c = h.coordinator;
  await commit(c, 's', { retentionTimeMs: 5000 }, { t: [[0, 1]] });
  await h.advance(4000);
  assert.equal(
    (await c.fetchOffsets('s', [{ name: 't', partitions: [0] }])).topics[0].partitions[0].offset,
    1,
  );
  await h.advance(1000);
  assert.equal(
    (await c.fetchOffsets('s', [{ name: 't', partitions: [0] }])).topics[0].partitions[0].offset,
    -1,
  );
});

// Transcripts of the classic group protocol against the coordinator on a fake clock: each test reads as
// the conversation between members and the coordinator, with the answers Kafka gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupCoordinator } from '../../../src/broker/coordinator/group/coordinator.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { type Harness, harness, isPending, type JoinOptions, joinRequest, settle } from './harness.js';

const bytes = (s: string) => Buffer.from(s);

/** Joins with v4+'s round trip: MEMBER_ID_REQUIRED, then the real join (returned still pending). */
async function joinNew(c: GroupCoordinator, group: string, o: JoinOptions = {}) {
  const first = await c.joinGroup(joinRequest(group, o));
  assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
  return {
    memberId: first.memberId,
    join: c.joinGroup(joinRequest(group, { ...o, memberId: first.memberId })),
  };
}

/** A group of members a, b (a leads) that has reached Stable at generation 1 with assignments. */
async function stableGroup(h: Harness, group = 'g', o: JoinOptions = {}) {
  const c = h.coordinator;
  const a = await joinNew(c, group, { ...o, clientId: 'a' });
  const b = await joinNew(c, group, { ...o, clientId: 'b' });
  await h.advance(0);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  const sb = c.syncGroup({ ...sync(group, jb.memberId, 1), assignments: [] });
  const sa = c.syncGroup({
    ...sync(group, ja.memberId, 1),
    assignments: [
      { memberId: ja.memberId, assignment: bytes('A') },
      { memberId: jb.memberId, assignment: bytes('B') },
    ],
  });
  assert.deepEqual([(await sa).assignment, (await sb).assignment], [bytes('A'), bytes('B')]);
  return { a: ja.memberId, b: jb.memberId };
}

function sync(
  groupId: string,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null = null,
) {
  return {
    groupId,
    memberId,
    generationId,
    groupInstanceId,
    protocolType: null,
    protocolName: null,
    assignments: [],
  };
}

function hb(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null) {
  return { groupId, memberId, generationId, groupInstanceId };
}

test('a new group: member id round trip, the initial delay gathers members, the leader assigns, Stable', async () => {
  const h = await harness({ groupInitialRebalanceDelayMs: 3000 });
  const c = h.coordinator;
  const group = () => h.shard('g').groups.get('g');

  // a (JoinGroup v9, no member id) is told to come back with the id it is given.
  const r1 = await c.joinGroup(joinRequest('g', { clientId: 'a' }));
  assert.deepEqual([r1.errorCode, r1.memberId], [E.MEMBER_ID_REQUIRED, 'a-uuid1']);
  // It does; its JoinGroup waits while the new group gives others 3 s to arrive.
  const aJoin = c.joinGroup(joinRequest('g', { memberId: 'a-uuid1' }));
  assert.equal(group()?.state, 'PreparingRebalance');
  await h.advance(2000);
  // b (JoinGroup v2, as kafka-python sends) is added at once, without the round trip.
  const bJoin = c.joinGroup(joinRequest('g', { clientId: 'b', version: 2 }));
  await h.advance(1000);
  // b's arrival extended the delay by another 3 s.
  assert.ok(await isPending(aJoin));
  await h.advance(3000);
  const [ja, jb] = await Promise.all([aJoin, bJoin]);

  // Generation 1; a leads and alone gets the member list with their subscriptions.
  assert.deepEqual(
    [ja.errorCode, ja.generationId, ja.protocolName, ja.protocolType, ja.leader, ja.memberId],
    [E.NONE, 1, 'range', 'consumer', 'a-uuid1', 'a-uuid1'],
  );
  assert.deepEqual(
    ja.members.map((m) => m.memberId),
    ['a-uuid1', 'b-uuid2'],
  );
  assert.deepEqual([jb.generationId, jb.leader, jb.memberId, jb.members], [1, 'a-uuid1', 'b-uuid2', []]);
  assert.equal(group()?.state, 'CompletingRebalance');

  // b asks for its assignment first and waits; meanwhile heartbeats are fine, commits are not.
  const bSync = c.syncGroup(sync('g', 'b-uuid2', 1));
  assert.equal(await c.heartbeat(hb('g', 'a-uuid1', 1)), E.NONE);
  const commit = await c.commitOffsets({
    groupId: 'g',
    generationId: 1,
    memberId: 'a-uuid1',
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 8,
    topics: [
      {
        name: 'orders',
        partitions: [{ partition: 0, offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }],
      },
    ],
  });
  assert.equal(commit[0].partitions[0].errorCode, E.REBALANCE_IN_PROGRESS);
  assert.ok(await isPending(bSync));

  // The leader's SyncGroup carries everyone's assignment; each member gets its own.
  const aSync = await c.syncGroup({
    ...sync('g', 'a-uuid1', 1),
    assignments: [
      { memberId: 'a-uuid1', assignment: bytes('orders-0') },
      { memberId: 'b-uuid2', assignment: bytes('orders-1') },
    ],
  });
  assert.deepEqual(
    [aSync.errorCode, aSync.assignment, aSync.protocolName],
    [E.NONE, bytes('orders-0'), 'range'],
  );
  assert.deepEqual((await bSync).assignment, bytes('orders-1'));
  assert.equal(group()?.state, 'Stable');
  assert.equal(await c.heartbeat(hb('g', 'b-uuid2', 1)), E.NONE);
  // Two records: the group's creation and its generation 1 with assignments.
  assert.equal(h.logs.get(0)?.records.length, 2);
});

test('rebalance: a third member joins, the others learn it from heartbeats and rejoin', async () => {
  const h = await harness();
  const c = h.coordinator;
  const { a, b } = await stableGroup(h);

  const cm = await joinNew(c, 'g', { clientId: 'c' });
  assert.equal(h.shard('g').groups.get('g')?.state, 'PreparingRebalance');
  assert.equal(await c.heartbeat(hb('g', a, 1)), E.REBALANCE_IN_PROGRESS);
  assert.equal(await c.heartbeat(hb('g', b, 1)), E.REBALANCE_IN_PROGRESS);
  // A follower that asks for its assignment now is told to rejoin too.
  assert.equal((await c.syncGroup(sync('g', b, 1))).errorCode, E.REBALANCE_IN_PROGRESS);

  const aJoin = c.joinGroup(joinRequest('g', { memberId: a }));
  assert.ok(await isPending(aJoin));
  const bJoin = c.joinGroup(joinRequest('g', { memberId: b }));
  // Everyone is back: generation 2 at once, no timer needed.
  const [ja, jb, jc] = await Promise.all([aJoin, bJoin, cm.join]);
  assert.deepEqual(
    [ja.generationId, jb.generationId, jc.generationId, ja.leader, ja.members.length, jc.members.length],
    [2, 2, 2, a, 3, 0],
  );
  // Old generation: ILLEGAL_GENERATION.
  assert.equal(await c.heartbeat(hb('g', b, 1)), E.ILLEGAL_GENERATION);
  assert.equal(await c.heartbeat(hb('g', b, 2)), E.NONE);
});

test('the protocol is one every member supports, chosen by the members\u2019 preferences', async () => {
  const h = await harness();
  const c = h.coordinator;
  const meta = bytes('m');
  const coop = { name: 'cooperative-sticky', metadata: meta };
  const range = { name: 'range', metadata: meta };
  const rr = { name: 'roundrobin', metadata: meta };
  const a = await joinNew(c, 'g', { protocols: [coop, range] });
  const b = await joinNew(c, 'g', { protocols: [rr, coop, range] });
  await h.advance(0);
  assert.equal((await a.join).protocolName, 'cooperative-sticky');
  await b.join;
  // A member supporting none of the group's protocols cannot join.
  const d = await c.joinGroup(joinRequest('g', { protocols: [rr] }));
  assert.equal(d.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const e = await c.joinGroup(joinRequest('g', { protocolType: 'connect', protocols: [coop] }));
  assert.equal(e.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
});

test('cooperative rebalancing: members rejoin with what they own, the coordinator just relays it', async () => {
  const h = await harness();
  const c = h.coordinator;
  const { a, b } = await stableGroup(h, 'g', {
    protocols: [{ name: 'cooperative-sticky', metadata: bytes('v1') }],
  });
  // a rejoins with new metadata (its owned partitions): a rebalance, but b keeps consuming meanwhile.
  const aJoin = c.joinGroup(
    joinRequest('g', { memberId: a, protocols: [{ name: 'cooperative-sticky', metadata: bytes('v2') }] }),
  );
  const bJoin = c.joinGroup(
    joinRequest('g', { memberId: b, protocols: [{ name: 'cooperative-sticky', metadata: bytes('v1') }] }),
  );
  const [ja] = await Promise.all([aJoin, bJoin]);
  assert.deepEqual(
    ja.members.map((m) => m.metadata.toString()),
    ['v2', 'v1'],
  );
  assert.equal(ja.generationId, 2);
});

test('session expiry: a member that stops heartbeating is removed and the others rebalance without it', async () => {
  const h = await harness();
  const c = h.coordinator;
  const { a, b } = await stableGroup(h); // session timeout 10 s
  await h.advance(5000);
  assert.equal(await c.heartbeat(hb('g', a, 1)), E.NONE); // b stays silent
  await h.advance(5000);
  const group = h.shard('g').groups.get('g');
  assert.deepEqual([group?.state, [...(group?.members.keys() ?? [])]], ['PreparingRebalance', [a]]);
  assert.equal(await c.heartbeat(hb('g', b, 1)), E.UNKNOWN_MEMBER_ID);
  assert.equal(await c.heartbeat(hb('g', a, 1)), E.REBALANCE_IN_PROGRESS);
  const ja = await c.joinGroup(joinRequest('g', { memberId: a }));
  assert.deepEqual([ja.generationId, ja.members.map((m) => m.memberId)], [2, [a]]);
});

test('rebalance timeout: a member that does not rejoin in time is dropped; one that does not sync too', async () => {
  const h = await harness();
  const c = h.coordinator;
  const { a, b } = await stableGroup(h, 'g', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 });
  const aJoin = c.joinGroup(
    joinRequest('g', { memberId: a, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 }),
  );
  await h.advance(19_999);
  assert.ok(await isPending(aJoin));
  await h.advance(1);
  const ja = await aJoin;
  assert.deepEqual([ja.generationId, ja.members.map((m) => m.memberId)], [2, [a]]);
  assert.equal(await c.heartbeat(hb('g', b, 1)), E.UNKNOWN_MEMBER_ID);

  // A new member joins; a rejoins; then only a syncs: the new one is dropped after the rebalance timeout.
  const d = await joinNew(c, 'g', { clientId: 'd', rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 });
  const aJoin3 = c.joinGroup(
    joinRequest('g', { memberId: a, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 }),
  );
  const [j3] = await Promise.all([aJoin3, d.join]);
  assert.equal(j3.generationId, 3);
  await c.syncGroup({ ...sync('g', a, 3), assignments: [{ memberId: a, assignment: bytes('all') }] });
  await h.advance(20_000);
  const group = h.shard('g').groups.get('g');
  assert.deepEqual([group?.state, [...(group?.members.keys() ?? [])]], ['PreparingRebalance', [a]]);
});

test('static membership: a restarted member takes over its instance id without a rebalance; the old id is fenced', async () => {
  const h = await harness();
  const c = h.coordinator;
  // Static members (instance ids) join without the member id round trip.
  const aJoin = c.joinGroup(joinRequest('g', { instanceId: 'i-a', clientId: 'a' }));
  const bJoin = c.joinGroup(joinRequest('g', { instanceId: 'i-b', clientId: 'b' }));
  await h.advance(0);
  const [ja, jb] = await Promise.all([aJoin, bJoin]);
  assert.deepEqual([ja.memberId, jb.memberId, ja.leader], ['i-a-uuid1', 'i-b-uuid2', 'i-a-uuid1']);
  const bSync = c.syncGroup(sync('g', jb.memberId, 1, 'i-b'));
  await c.syncGroup({
    ...sync('g', ja.memberId, 1, 'i-a'),
    assignments: [
      { memberId: ja.memberId, assignment: bytes('A') },
      { memberId: jb.memberId, assignment: bytes('B') },
    ],
  });
  await bSync;

  // a restarts: same instance id, no member id. Same generation, no rebalance; as leader (v9) it is
  // told to skip the assignment.
  const again = await c.joinGroup(joinRequest('g', { instanceId: 'i-a', clientId: 'a' }));
  assert.deepEqual(
    [
      again.errorCode,
      again.memberId,
      again.generationId,
      again.leader,
      again.skipAssignment,
      again.members.length,
    ],
    [E.NONE, 'i-a-uuid3', 1, 'i-a-uuid3', true, 2],
  );
  assert.equal(h.shard('g').groups.get('g')?.state, 'Stable');
  assert.equal(await c.heartbeat(hb('g', jb.memberId, 1, 'i-b')), E.NONE);
  // The old incarnation is fenced; the new one gets the old assignment.
  assert.equal(await c.heartbeat(hb('g', ja.memberId, 1, 'i-a')), E.FENCED_INSTANCE_ID);
  assert.deepEqual((await c.syncGroup(sync('g', 'i-a-uuid3', 1, 'i-a'))).assignment, bytes('A'));

  // Before v9 the answer names the previous leader id, so the new incarnation does not assign.
  const v5 = await c.joinGroup(joinRequest('g', { instanceId: 'i-a', clientId: 'a', version: 5 }));
  assert.deepEqual(
    [v5.memberId, v5.leader, v5.skipAssignment, v5.members],
    ['i-a-uuid4', 'i-a-uuid3', false, []],
  );

  // A static member leaves only by session timeout or LeaveGroup (here by instance id, as an admin).
  const left = await c.leaveGroup('g', [{ memberId: '', groupInstanceId: 'i-b' }]);
  assert.deepEqual(left.members, [{ memberId: '', groupInstanceId: 'i-b', errorCode: E.NONE }]);
  assert.equal(h.shard('g').groups.get('g')?.state, 'PreparingRebalance');
});

test('leave: members leave one by one, the last leaving empties the group (by a record)', async () => {
  const h = await harness();
  const c = h.coordinator;
  const { a, b } = await stableGroup(h);
  const r = await c.leaveGroup('g', [
    { memberId: b, groupInstanceId: null },
    { memberId: 'nobody', groupInstanceId: null },
  ]);
  assert.deepEqual(
    r.members.map((m) => m.errorCode),
    [E.NONE, E.UNKNOWN_MEMBER_ID],
  );
  const ja = await c.joinGroup(joinRequest('g', { memberId: a }));
  assert.equal(ja.generationId, 2);
  await c.leaveGroup('g', [{ memberId: a, groupInstanceId: null }]);
  await settle();
  const group = h.shard('g').groups.get('g');
  assert.deepEqual([group?.state, group?.generationId, group?.protocolName], ['Empty', 3, null]);
  // Leaving an unknown group: UNKNOWN_MEMBER_ID per member.
  const unknown = await c.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null }]);
  assert.equal(unknown.members[0].errorCode, E.UNKNOWN_MEMBER_ID);
});

test('errors Kafka answers before and around joining', async () => {
  const h = await harness({ groupSizeMax: 2 });
  const c = h.coordinator;
  assert.equal((await c.joinGroup(joinRequest(''))).errorCode, E.INVALID_GROUP_ID);
  assert.equal(
    (await c.joinGroup(joinRequest('g', { sessionTimeoutMs: 5999 }))).errorCode,
    E.INVALID_SESSION_TIMEOUT,
  );
  assert.equal(
    (await c.joinGroup(joinRequest('g', { sessionTimeoutMs: 1_800_001 }))).errorCode,
    E.INVALID_SESSION_TIMEOUT,
  );
  // A member id the coordinator never gave, for a group that does not exist.
  assert.equal(
    (await c.joinGroup(joinRequest('g2', { memberId: 'made-up' }))).errorCode,
    E.UNKNOWN_MEMBER_ID,
  );
  assert.equal((await c.syncGroup(sync('g2', 'x', 1))).errorCode, E.UNKNOWN_MEMBER_ID);
  assert.equal(await c.heartbeat(hb('g2', 'x', 1)), E.UNKNOWN_MEMBER_ID);

  const { a } = await stableGroup(h);
  // group.max.size 2: a third member is refused.
  const third = await c.joinGroup(joinRequest('g', { version: 3 }));
  assert.deepEqual([third.errorCode, third.memberId], [E.GROUP_MAX_SIZE_REACHED, '']);
  assert.equal((await c.syncGroup(sync('g', a, 7))).errorCode, E.ILLEGAL_GENERATION);
  assert.equal(
    (await c.syncGroup({ ...sync('g', a, 1), protocolName: 'roundrobin' })).errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
  );
  assert.equal(await c.heartbeat(hb('g', 'stranger', 1)), E.UNKNOWN_MEMBER_ID);
});

test('a pending member (MEMBER_ID_REQUIRED) that never comes back expires after its session timeout', async () => {
  const h = await harness({ groupInitialRebalanceDelayMs: 3000 });
  const c = h.coordinator;
  const first = await c.joinGroup(joinRequest('g', { sessionTimeoutMs: 10_000 }));
  assert.equal(h.shard('g').groups.get('g')?.pendingJoinMembers.size, 1);
  await h.advance(10_000);
  assert.equal(h.shard('g').groups.get('g')?.pendingJoinMembers.size, 0);
  // Coming back late is like coming back with an unknown id.
  const late = await c.joinGroup(joinRequest('g', { memberId: first.memberId }));
  assert.equal(late.errorCode, E.UNKNOWN_MEMBER_ID);
});

test('a JoinGroup that repeats an unchanged membership during CompletingRebalance gets the same answer', async () => {
  const h = await harness();
  const c = h.coordinator;
  const a = await joinNew(c, 'g');
  await h.advance(0);
  const first = await a.join;
  const again = await c.joinGroup(joinRequest('g', { memberId: a.memberId }));
  assert.deepEqual(again, first);
});

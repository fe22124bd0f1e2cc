// The group APIs on the wire, against an in-process node: every version each handler advertises, with
// the fields that version carries (and the answers old clients depend on).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { consumerSubscription } from './harness.js';
import { startNode, WireClient } from './wire.js';

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Body = Record<string, any>;

let node: BrokerNode;
let client: WireClient;
let port: number;

before(async () => {
  node = await startNode();
  port = node.listeners[0].boundPort;
  client = await WireClient.connect(port);
  await node.controller.createTopics([
    { name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] },
  ]);
});

after(async () => {
  client.close();
  await node.stop();
});

const meta = consumerSubscription(['orders']);

function join(version: number, groupId: string, memberId = '', extra: Body = {}) {
  return client.request<Body>(11, version, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta }],
    reason: null,
    ...extra,
  });
}

function sync(
  version: number,
  groupId: string,
  memberId: string,
  generationId: number,
  assignments: Body[] = [],
) {
  return client.request<Body>(14, version, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments,
  });
}

function commit(version: number, groupId: string, generation: number, memberId: string, topics: Body[]) {
  return client.request<Body>(8, version, {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics,
  });
}

const partitionsOf = (offsets: [number, number][]) =>
  offsets.map(([partitionIndex, committedOffset]) => ({
    partitionIndex,
    committedOffset,
    committedLeaderEpoch: 4,
    commitTimestamp: -1,
    committedMetadata: 'meta',
  }));

test('ApiVersions advertises every group API from version 0', async () => {
  const r = await client.request<Body>(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  const ranges = Object.fromEntries(r.apiKeys.map((k: Body) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  assert.deepEqual(
    [8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 47].map((k) => ranges[k]),
    [
      [0, 9],
      [0, 9],
      [0, 6],
      [0, 9],
      [0, 4],
      [0, 5],
      [0, 5],
      [0, 6],
      [0, 5],
      [0, 2],
      [0, 0],
    ],
  );
});

test('FindCoordinator v0-v6: creates __consumer_offsets on first use and names this node', async () => {
  // The first request starts the creation and, as in Kafka, is answered COORDINATOR_NOT_AVAILABLE.
  const first = await client.request<Body>(10, 0, { key: 'g', keyType: 0 });
  assert.deepEqual([first.errorCode, first.nodeId], [E.COORDINATOR_NOT_AVAILABLE, -1]);
  for (let i = 0; (await client.request<Body>(10, 0, { key: 'g', keyType: 0 })).errorCode !== E.NONE; i++) {
    assert.ok(i < 1000, 'the topic is created');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (let v = 0; v <= 6; v++) {
    const r = await client.request<Body>(10, v, {
      key: `g${v}`,
      keyType: 0,
      coordinatorKeys: [`g${v}`, 'other'],
    });
    const c = v >= 4 ? r.coordinators[0] : r;
    assert.deepEqual([c.errorCode, c.nodeId, c.host, c.port], [E.NONE, 1, '127.0.0.1', port], `v${v}`);
    if (v >= 1 && v <= 3) assert.equal(r.errorMessage, 'NONE');
    if (v >= 4)
      assert.deepEqual(
        r.coordinators.map((x: Body) => x.key),
        [`g${v}`, 'other'],
      );
  }
  const topic = node.controller.image.topicsByName.get('__consumer_offsets');
  assert.equal(topic?.partitions.length, 50);
  assert.equal(topic?.partitions[0].replicas.length, 1);
  // Transactions: __transaction_state is created on first use too, with its 50 partitions.
  const firstTxn = await client.request<Body>(10, 3, { key: 'tx', keyType: 1 });
  assert.deepEqual([firstTxn.errorCode, firstTxn.nodeId], [E.COORDINATOR_NOT_AVAILABLE, -1]);
  for (let i = 0; ; i++) {
    const txn = await client.request<Body>(10, 3, { key: 'tx', keyType: 1 });
    if (txn.errorCode === E.NONE) {
      assert.equal(txn.nodeId, 1);
      break;
    }
    assert.ok(i < 1000, 'the topic is created');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(node.controller.image.topicsByName.get('__transaction_state')?.partitions.length, 50);
});

test('kafka-python 2.0.2 versions: JoinGroup v2 gives the member id and the leader the member list', async () => {
  const j = await join(2, 'kp');
  assert.equal(j.errorCode, E.NONE);
  assert.match(j.memberId, /^wire-test-/);
  assert.deepEqual([j.generationId, j.leader, j.protocolName], [1, j.memberId, 'range']);
  assert.deepEqual(
    j.members.map((m: Body) => [m.memberId, m.metadata]),
    [[j.memberId, meta]],
  );
  const s = await sync(1, 'kp', j.memberId, 1, [{ memberId: j.memberId, assignment: Buffer.from('all') }]);
  assert.deepEqual([s.errorCode, s.assignment], [E.NONE, Buffer.from('all')]);
  assert.equal(
    (await client.request<Body>(12, 1, { groupId: 'kp', generationId: 1, memberId: j.memberId })).errorCode,
    E.NONE,
  );
  const c = await commit(2, 'kp', 1, j.memberId, [
    {
      name: 'orders',
      partitions: partitionsOf([
        [0, 10],
        [1, 20],
      ]),
    },
  ]);
  assert.deepEqual(
    c.topics[0].partitions.map((p: Body) => p.errorCode),
    [E.NONE, E.NONE],
  );
  const f = await client.request<Body>(9, 1, {
    groupId: 'kp',
    topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }],
  });
  assert.deepEqual(
    f.topics[0].partitions.map((p: Body) => [p.committedOffset, p.metadata, p.errorCode]),
    [
      [10, 'meta', 0],
      [20, 'meta', 0],
      [-1, '', 0],
    ],
  );
  const l = await client.request<Body>(13, 1, { groupId: 'kp', memberId: j.memberId });
  assert.equal(l.errorCode, E.NONE);
  assert.equal(
    (await client.request<Body>(13, 1, { groupId: 'kp', memberId: j.memberId })).errorCode,
    E.UNKNOWN_MEMBER_ID,
  );
});

test('JoinGroup v0-v9 and SyncGroup v0-v5: each version answered in its own shape', async () => {
  for (let v = 0; v <= 9; v++) {
    const group = `jv${v}`;
    let j = await join(v, group);
    if (v >= 4) {
      assert.equal(j.errorCode, E.MEMBER_ID_REQUIRED, `v${v}`);
      // Before v7 the protocol name is "" rather than null.
      assert.equal(j.protocolName, v < 7 ? '' : null);
      j = await join(v, group, j.memberId);
    }
    assert.deepEqual(
      [j.errorCode, j.generationId, j.protocolName, j.leader],
      [E.NONE, 1, 'range', j.memberId],
      `v${v}`,
    );
    if (v >= 7) assert.equal(j.protocolType, 'consumer');
    const sv = Math.min(v, 5);
    const s = await sync(sv, group, j.memberId, 1, [{ memberId: j.memberId, assignment: Buffer.from([v]) }]);
    assert.deepEqual([s.errorCode, s.assignment], [E.NONE, Buffer.from([v])], `sync v${sv}`);
    if (sv >= 5) assert.deepEqual([s.protocolType, s.protocolName], ['consumer', 'range']);
    const hv = Math.min(v, 4);
    const h = await client.request<Body>(12, hv, {
      groupId: group,
      generationId: 1,
      memberId: j.memberId,
      groupInstanceId: null,
    });
    assert.equal(h.errorCode, E.NONE, `heartbeat v${hv}`);
  }
  // From v5 SyncGroup must carry the protocol type and name.
  const missing = await client.request<Body>(14, 5, {
    groupId: 'jv9',
    generationId: 1,
    memberId: 'x',
    groupInstanceId: null,
    protocolType: null,
    protocolName: 'range',
    assignments: [],
  });
  assert.equal(missing.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const badSession = await join(5, 'jv-bad', '', { sessionTimeoutMs: 1000 });
  assert.equal(badSession.errorCode, E.INVALID_SESSION_TIMEOUT);
});

test('OffsetCommit v0-v9 and OffsetFetch v0-v9; unknown topics and partitions are refused', async () => {
  for (let v = 0; v <= 9; v++) {
    const group = `oc${v}`;
    const c = await commit(v, group, -1, '', [
      {
        name: 'orders',
        partitions: partitionsOf([
          [0, 100 + v],
          [7, 1],
        ]),
      },
      { name: 'nope', partitions: partitionsOf([[0, 1]]) },
    ]);
    assert.deepEqual(
      c.topics.map((t: Body) => [t.name, t.partitions.map((p: Body) => p.errorCode)]),
      [
        ['orders', [E.NONE, E.UNKNOWN_TOPIC_OR_PARTITION]],
        ['nope', [E.UNKNOWN_TOPIC_OR_PARTITION]],
      ],
      `commit v${v}`,
    );
    const topics = [{ name: 'orders', partitionIndexes: [0] }];
    const f = await client.request<Body>(9, v, {
      groupId: group,
      topics,
      groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics }],
      requireStable: true,
    });
    const partition = (v >= 8 ? f.groups[0] : f).topics[0].partitions[0];
    assert.equal(partition.committedOffset, 100 + v, `fetch v${v}`);
    if (v >= 5) assert.equal(partition.committedLeaderEpoch, v >= 6 ? 4 : -1);
  }
  // v2+: null topics = every committed offset; v8: several groups at once.
  const all = await client.request<Body>(9, 2, { groupId: 'oc3', topics: null });
  assert.deepEqual(
    all.topics.map((t: Body) => t.name),
    ['orders'],
  );
  const multi = await client.request<Body>(9, 8, {
    groups: [
      { groupId: 'oc8', topics: null },
      { groupId: 'oc9', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] },
    ],
    requireStable: false,
  });
  assert.deepEqual(
    multi.groups.map((g: Body) => [g.groupId, g.topics[0].partitions.map((p: Body) => p.committedOffset)]),
    [
      ['oc8', [108]],
      ['oc9', [109, -1]],
    ],
  );
});

test('DescribeGroups, ListGroups, DeleteGroups, OffsetDelete, LeaveGroup (batched) on the wire', async () => {
  let j = await join(9, 'admin');
  j = await join(9, 'admin', j.memberId);
  await sync(5, 'admin', j.memberId, 1, [{ memberId: j.memberId, assignment: Buffer.from('a') }]);
  await commit(9, 'admin', 1, j.memberId, [
    {
      name: 'orders',
      partitions: partitionsOf([
        [0, 5],
        [1, 6],
      ]),
    },
  ]);

  for (let v = 0; v <= 6; v++) {
    const d = await client.request<Body>(15, v, {
      groups: ['admin', 'ghost'],
      includeAuthorizedOperations: true,
    });
    const [admin, ghost] = d.groups;
    assert.deepEqual(
      [admin.groupState, admin.protocolType, admin.protocolData, admin.members[0].clientId],
      ['Stable', 'consumer', 'range', 'wire-test'],
    );
    assert.equal(admin.members[0].clientHost, '/127.0.0.1');
    // An unknown group: Dead without error up to v5; GROUP_ID_NOT_FOUND with a message from v6 (KIP-1043).
    if (v < 6) assert.deepEqual([ghost.errorCode, ghost.groupState], [E.NONE, 'Dead']);
    else
      assert.deepEqual(
        [ghost.errorCode, ghost.errorMessage, ghost.groupState, ghost.authorizedOperations],
        [E.GROUP_ID_NOT_FOUND, 'Group ghost not found.', '', -2147483648],
      );
    // READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS and ALTER_CONFIGS: bits 3, 6, 8, 10, 11.
    if (v >= 3) assert.equal(admin.authorizedOperations, 3400);
  }
  for (let v = 0; v <= 5; v++) {
    const l = await client.request<Body>(16, v, { statesFilter: ['Stable'], typesFilter: [] });
    const admin = l.groups.find((g: Body) => g.groupId === 'admin');
    assert.equal(admin?.protocolType, 'consumer', `list v${v}`);
    if (v >= 4) {
      assert.equal(admin.groupState, 'Stable');
      assert.ok(l.groups.every((g: Body) => g.groupState === 'Stable'));
    }
    if (v >= 5) assert.equal(admin.groupType, 'classic');
  }
  const od = await client.request<Body>(47, 0, {
    groupId: 'admin',
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 0 }] },
      { name: 'nope', partitions: [{ partitionIndex: 0 }] },
    ],
  });
  assert.deepEqual(
    [od.errorCode, od.topics.map((t: Body) => t.partitions[0].errorCode)],
    [E.NONE, [E.GROUP_SUBSCRIBED_TO_TOPIC, E.UNKNOWN_TOPIC_OR_PARTITION]],
  );
  const busy = await client.request<Body>(42, 2, { groupsNames: ['admin', 'ghost'] });
  assert.deepEqual(
    busy.results.map((r: Body) => r.errorCode),
    [E.NON_EMPTY_GROUP, E.GROUP_ID_NOT_FOUND],
  );
  const leave = await client.request<Body>(13, 5, {
    groupId: 'admin',
    members: [
      { memberId: j.memberId, groupInstanceId: null, reason: 'bye' },
      { memberId: 'ghost', groupInstanceId: null, reason: null },
    ],
  });
  assert.deepEqual(
    leave.members.map((m: Body) => m.errorCode),
    [E.NONE, E.UNKNOWN_MEMBER_ID],
  );
  const od2 = await client.request<Body>(47, 0, {
    groupId: 'admin',
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 1 }] }],
  });
  assert.equal(od2.topics[0].partitions[0].errorCode, E.NONE);
  for (let v = 0; v <= 2; v++) {
    await commit(9, `del${v}`, -1, '', [{ name: 'orders', partitions: partitionsOf([[0, 1]]) }]);
    const del = await client.request<Body>(42, v, { groupsNames: [`del${v}`] });
    assert.equal(del.results[0].errorCode, E.NONE, `delete v${v}`);
  }
  const gone = await client.request<Body>(42, 2, { groupsNames: ['admin'] });
  assert.equal(gone.results[0].errorCode, E.NONE);
});

test('deleting a topic deletes the offsets committed for it', async () => {
  await node.controller.createTopics([
    { name: 'doomed', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
  ]);
  await commit(9, 'doom', -1, '', [{ name: 'doomed', partitions: partitionsOf([[0, 3]]) }]);
  const before = await client.request<Body>(9, 7, { groupId: 'doom', topics: null, requireStable: true });
  assert.equal(before.topics[0].partitions[0].committedOffset, 3);
  await node.controller.deleteTopics([{ name: 'doomed', topicId: null }]);
  const f = await client.request<Body>(9, 9, {
    groups: [{ groupId: 'doom', memberId: null, memberEpoch: -1, topics: null }],
    requireStable: true,
  });
  assert.deepEqual(f.groups[0].topics, []);
});

// The coordinator as a replicated state machine: a restart is a replay of the records and gives the
// same groups and offsets; no answer leaves before its records are written; a failed write never
// answers success; loading answers COORDINATOR_LOAD_IN_PROGRESS; malformed input never crashes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupShard } from '../../../src/broker/coordinator/group/shard.js';
import {
  type CoordinatorFailure,
  CoordinatorRuntime,
  type CoordinatorShard,
  type CoordinatorWriter,
  type StoredRecord,
} from '../../../src/broker/coordinator/runtime.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { FakeScheduler, harness, isPending, joinRequest, settle, silentLog } from './harness.js';

/** What records rebuild: groups (not their soft rebalance state) and offsets, in a comparable form. */
function durableState(shard: GroupShard) {
  const groups = [...shard.groups.values()]
    .map((g) => ({
      id: g.groupId,
      state: g.state,
      generation: g.generationId,
      protocolType: g.protocolType,
      protocol: g.protocolName,
      leader: g.leaderId,
      since: g.currentStateTimestamp,
      members: [...g.members.values()].map((m) => ({
        id: m.memberId,
        instance: m.groupInstanceId,
        client: m.clientId,
        host: m.clientHost,
        session: m.sessionTimeoutMs,
        rebalance: m.rebalanceTimeoutMs,
        subscription: m.metadata(g.protocolName).toString('hex'),
        assignment: m.assignment.toString('hex'),
      })),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const offsets = [...shard.offsets].flatMap(([g, byTopic]) =>
    [...byTopic].flatMap(([t, byPartition]) => [...byPartition].map(([p, o]) => [g, t, p, o])),
  );
  return { groups, offsets };
}

const commitOne = (groupId: string, generationId: number, memberId: string, offset: number) => ({
  groupId,
  generationId,
  memberId,
  groupInstanceId: null,
  retentionTimeMs: -1,
  apiVersion: 8,
  topics: [
    {
      name: 'orders',
      partitions: [{ partition: 0, offset, leaderEpoch: 3, metadata: 'm', commitTimestamp: -1 }],
    },
  ],
});

test('restart: replaying the records gives the same groups and offsets, and members carry on', async () => {
  const h = await harness();
  const c = h.coordinator;
  // A Stable static+dynamic group with offsets, an emptied group, a simple group, a deleted group.
  const sj = c.joinGroup(joinRequest('stable', { instanceId: 'i1', clientId: 'a' }));
  const dj = c.joinGroup(joinRequest('stable', { version: 2, clientId: 'b' }));
  await h.advance(0);
  const [s1, d1] = await Promise.all([sj, dj]);
  const dSync = c.syncGroup({ ...syncReq('stable', d1.memberId, 1), assignments: [] });
  await c.syncGroup({
    ...syncReq('stable', s1.memberId, 1, 'i1'),
    assignments: [
      { memberId: s1.memberId, assignment: Buffer.from([1, 2]) },
      { memberId: d1.memberId, assignment: Buffer.from([3]) },
    ],
  });
  await dSync;
  await c.commitOffsets(commitOne('stable', 1, s1.memberId, 10));
  await c.commitOffsets(commitOne('stable', 1, d1.memberId, 11));
  const ej = c.joinGroup(joinRequest('emptied', { version: 3 }));
  await h.advance(0);
  const e1 = await ej;
  await c.leaveGroup('emptied', [{ memberId: e1.memberId, groupInstanceId: null }]);
  await c.commitOffsets(commitOne('simple', -1, '', 99));
  await c.commitOffsets(commitOne('deleted', -1, '', 1));
  await c.deleteGroups(['deleted']);
  // A rebalance in progress is soft state: it does not survive, the last generation does.
  const before = durableState(h.shard('stable'));

  const h2 = await h.restart();
  assert.deepEqual(durableState(h2.shard('stable')), before);
  const g = h2.shard('stable').groups.get('stable');
  assert.equal(g?.state, 'Stable');
  assert.equal(h2.shard('stable').groups.has('deleted'), false);
  assert.equal(h2.shard('emptied').groups.get('emptied')?.state, 'Empty');

  // Members of the loaded group carry on with their generation; a silent one expires after its session.
  const c2 = h2.coordinator;
  assert.equal(
    await c2.heartbeat({ groupId: 'stable', memberId: s1.memberId, generationId: 1, groupInstanceId: 'i1' }),
    E.NONE,
  );
  assert.deepEqual((await c2.syncGroup(syncReq('stable', d1.memberId, 1))).assignment, Buffer.from([3]));
  assert.equal(
    (await c2.fetchOffsets('stable', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    11,
  );
  await h2.advance(10_000);
  assert.equal(
    await c2.heartbeat({ groupId: 'stable', memberId: s1.memberId, generationId: 1, groupInstanceId: 'i1' }),
    E.UNKNOWN_MEMBER_ID,
  );
});

function syncReq(
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

test('no answer before its records are written, nor before earlier records are', async () => {
  const h = await harness();
  const log = h.logs.get(0);
  assert.ok(log);
  log.autoWrite = false;
  const c = h.coordinator;
  const committed = c.commitOffsets(commitOne('s', -1, '', 5));
  // A read after the commit sees it, but only once it is written.
  const fetched = c.fetchOffsets('s', [{ name: 'orders', partitions: [0] }]);
  await settle();
  assert.ok(await isPending(committed));
  assert.ok(await isPending(fetched));
  log.writeAll();
  await settle();
  assert.equal((await committed)[0].partitions[0].errorCode, E.NONE);
  assert.equal((await fetched).topics[0].partitions[0].offset, 5);
});

test('a write that fails: every waiting answer gets the error, and the shard holds only what its log holds', async () => {
  const h = await harness();
  const log = h.logs.get(0);
  assert.ok(log);
  const c = h.coordinator;
  // Leadership lost while a commit and a parked JoinGroup wait: NOT_COORDINATOR, shard unloaded.
  const j = c.joinGroup(joinRequest('g', { version: 3 }));
  log.autoWrite = false;
  const committed = c.commitOffsets(commitOne('s', -1, '', 5));
  await settle();
  log.failAll('not-leader');
  await settle();
  assert.equal((await committed)[0].partitions[0].errorCode, E.NOT_COORDINATOR);
  assert.equal((await j).errorCode, E.NOT_COORDINATOR);
  assert.equal(c.runtime.status(0), 'absent');
  // No metadata names another leader (this harness has none): not available, rather than elsewhere.
  assert.equal(
    await c.heartbeat({ groupId: 'g', memberId: 'x', generationId: 1, groupInstanceId: null }),
    E.COORDINATOR_NOT_AVAILABLE,
  );

  // Loaded again (a new epoch): a record the log refuses is never answered as a success.
  log.autoWrite = true;
  c.runtime.load(0, 1);
  await settle();
  log.nextAppendError = 'too-large';
  assert.equal(
    (await c.commitOffsets(commitOne('s', -1, '', 6)))[0].partitions[0].errorCode,
    E.UNKNOWN_SERVER_ERROR,
  );
  // It reloads from its log, where the refused commit is not.
  assert.equal(c.runtime.status(0), 'loading');
  assert.equal(
    (await c.commitOffsets(commitOne('s', -1, '', 7)))[0].partitions[0].errorCode,
    E.COORDINATOR_LOAD_IN_PROGRESS,
  );
  assert.equal(
    await c.heartbeat({ groupId: 'g', memberId: 'x', generationId: 1, groupInstanceId: null }),
    E.NONE,
  );
  await settle();
  // The commit that timed out before (its record stayed in the log) is there; the refused one is not.
  assert.equal(
    (await c.fetchOffsets('s', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    5,
  );

  // A timed-out write: COORDINATOR_NOT_AVAILABLE, then the shard reloads by itself.
  log.autoWrite = false;
  const slow = c.commitOffsets(commitOne('s', -1, '', 8));
  await settle();
  log.failAll('timeout');
  assert.equal((await slow)[0].partitions[0].errorCode, E.COORDINATOR_NOT_AVAILABLE);
  log.autoWrite = true;
  await settle();
  assert.equal(c.runtime.status(0), 'active');
});

test('malformed records in the log are skipped; malformed metadata and assignments never crash anything', async () => {
  const clock = new FakeScheduler();
  const records: StoredRecord[] = [
    { offset: 0, key: Buffer.from([0, 1, 0, 9]), value: Buffer.from([1, 2, 3]) },
    { offset: 1, key: Buffer.from([0, 2, 0xff]), value: null },
    { offset: 2, key: Buffer.from([0, 7, 0, 0]), value: Buffer.from([0, 0]) },
    { offset: 3, key: null, value: null },
  ];
  const h = await harness({}, new Map(), clock);
  const log = h.logs.get(0);
  assert.ok(log);
  log.records.push(...records);
  const h2 = await h.restart();
  assert.equal(h2.coordinator.runtime.status(0), 'active');

  // Garbage metadata for the consumer protocol, garbage assignments: the group still works.
  const c = h2.coordinator;
  let seed = 1;
  const junk = (n: number) =>
    Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0xff)));
  for (let i = 0; i < 50; i++) {
    const group = `junk${i}`;
    const j = c.joinGroup(
      joinRequest(group, {
        version: 3,
        clientId: `c${i}`,
        protocols: [{ name: 'range', metadata: junk(i % 13) }],
      }),
    );
    await h2.advance(0);
    const r = await j;
    assert.equal(r.errorCode, E.NONE);
    await c.syncGroup({
      ...syncReq(group, r.memberId, r.generationId),
      assignments: [{ memberId: r.memberId, assignment: junk(i) }],
    });
    await c.deleteOffsets(group, [{ name: 'orders', partitions: [0] }]);
    assert.equal((await c.describeGroups([group]))[0].groupState, 'Stable');
  }
  await h2.restart();
});

test('loading: requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS (heartbeats NONE), then the shard serves', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const writer: CoordinatorWriter = {
    append: () => ({ lastOffset: 0, written: Promise.resolve() }),
    appendMarker: () => ({ lastOffset: 0, written: Promise.resolve() }),
    async *read() {
      await gate;
      yield* [];
    },
  };
  class Shard implements CoordinatorShard<Shard> {
    replay(): void {}
    onLoaded(): void {}
  }
  const runtime = new CoordinatorRuntime<Shard>({
    scheduler: new FakeScheduler(),
    writerFor: () => writer,
    createShard: () => new Shard(),
    parkedResponsesMax: 10,
    log: silentLog,
  });
  runtime.load(0, 0);
  const r1 = await runtime.run(0, () => 'served');
  assert.equal((r1 as CoordinatorFailure).errorCode, E.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await settle();
  assert.equal(await runtime.run(0, () => 'served'), 'served');
  assert.equal(((await runtime.run(1, () => 'served')) as CoordinatorFailure).errorCode, E.NOT_COORDINATOR);
});

test('parked answers are bounded per shard', async () => {
  const h = await harness({ parkedResponsesMax: 2, groupInitialRebalanceDelayMs: 1000 });
  const c = h.coordinator;
  const joins = [0, 1, 2].map((i) => c.joinGroup(joinRequest('g', { version: 3, clientId: `c${i}` })));
  const third = await joins[2];
  assert.equal(third.errorCode, E.COORDINATOR_NOT_AVAILABLE);
  // (the second member extended the initial delay once)
  await h.advance(2000);
  assert.deepEqual(
    (await Promise.all(joins.slice(0, 2))).map((j) => j.errorCode),
    [E.NONE, E.NONE],
  );
});

test('an operation that throws (a bug) fails only its own answer and the shard is rebuilt', async () => {
  const h = await harness();
  const c = h.coordinator;
  await c.commitOffsets(commitOne('s', -1, '', 5));
  const r = await c.runtime.run(0, () => {
    throw new Error('boom');
  });
  assert.equal((r as CoordinatorFailure).errorCode, E.UNKNOWN_SERVER_ERROR);
  await settle();
  assert.equal(
    (await c.fetchOffsets('s', [{ name: 'orders', partitions: [0] }])).topics[0].partitions[0].offset,
    5,
  );
});

test('the in-memory log keeps the latest record per key, as a compacted topic', async () => {
  const h = await harness();
  const c = h.coordinator;
  for (let i = 0; i < 3000; i++) {
    await c.commitOffsets({
      groupId: 's',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      topics: [
        {
          name: 'orders',
          partitions: [{ partition: i % 3, offset: i, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }],
        },
      ],
    });
  }
  await c.deleteGroups(['s']);
  const log = h.logs.get(0);
  assert.ok(log && log.records.length < 1100);
  const h2 = await h.restart();
  assert.equal(h2.shard('s').groups.has('s'), false);
  assert.equal(h2.shard('s').offsets.size, 0);
});

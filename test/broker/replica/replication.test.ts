// Replication in-process: three brokers with real replica managers, fetchers and handlers, one test
// controller. acks=all, the high watermark over the ISR, ISR shrink and expand, min.insync.replicas,
// leader failover with truncation of a diverged tail, idempotent retries on a new leader.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch, readRecords } from '../../../src/protocol/records/record.js';
import { TEST_REPLICATION, type TestBroker, TestCluster, until } from './cluster-harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.close();
  cluster = null;
});
after(() => {});

async function produce(
  b: TestBroker,
  topic: string,
  batch: Buffer,
  acks = -1,
  partition = 0,
  timeoutMs = 5000,
) {
  // biome-ignore lint/suspicious/noExplicitAny: the response is looked at field by field
  const r = await b.call<any>(0, 9, {
    transactionalId: null,
    acks,
    timeoutMs,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  return r.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
}

function batch(n: number, tag: string, options = {}): Buffer {
  return buildBatch(
    Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` })),
    options,
  );
}

/** Every batch of a replica's log, as bytes (offsets and epochs as stored). */
async function logBytes(b: TestBroker, topic: string, partition = 0): Promise<Buffer> {
  const p = b.replicas.get(topic, partition);
  assert.ok(p, `broker ${b.id} hosts ${topic}-${partition}`);
  const r = await p.log.read(p.log.logStartOffset, 1 << 30, { maxOffset: p.log.logEndOffset });
  assert.equal(r.kind, 'data');
  return Buffer.concat(r.kind === 'data' ? r.records : []);
}

function valuesOf(log: Buffer): string[] {
  const out: string[] = [];
  for (let pos = 0; pos < log.length; ) {
    const size = log.readInt32BE(pos + 8) + 12;
    for (const r of readRecords(log.subarray(pos, pos + size))) out.push(r.value?.toString() ?? '');
    pos += size;
  }
  return out;
}

function leo(b: TestBroker, topic: string, partition = 0): number {
  return b.replicas.get(topic, partition)?.log.logEndOffset ?? -1;
}

function hw(b: TestBroker, topic: string, partition = 0): number {
  return b.replicas.get(topic, partition)?.log.highWatermark ?? -1;
}

test('acks=all is answered once every ISR member has the batch; all replica logs end identical', async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  for (let i = 0; i < 20; i++) {
    const r = await produce(leader, 't', batch(5, `b${i}`));
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.baseOffset, i * 5);
    // Answered only once the high watermark passed the batch: every ISR member has it.
    for (const id of info.isr)
      assert.ok(leo(cluster.broker(id), 't') >= (i + 1) * 5, `broker ${id} has batch ${i}`);
    assert.ok(hw(leader, 't') >= (i + 1) * 5);
  }
  await until(() => cluster!.brokers.every((b) => hw(b, 't') === 100), 'followers learn the high watermark');
  const bytes = await Promise.all(cluster.brokers.map((b) => logBytes(b, 't')));
  for (const other of bytes.slice(1)) assert.ok(bytes[0].equals(other), 'replica logs are byte-identical');
});

test('a follower refuses produce and serves consumer fetches from v11 only', async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 3);
  const info = cluster.partitionInfo('t', 0);
  const follower = cluster.broker(info.replicas.find((r) => r !== info.leader)!);
  const r = await produce(follower, 't', batch(1, 'x'));
  assert.equal(r.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  await produce(cluster.broker(info.leader), 't', batch(3, 'y'));
  await until(() => hw(follower, 't') === 3, 'the follower learns the high watermark');
  const topicId = cluster.image.topicsByName.get('t')!.id;
  const fetch = (version: number) =>
    // biome-ignore lint/suspicious/noExplicitAny: fields read one by one
    follower.call<any>(1, version, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 't',
          topicId,
          partitions: [
            {
              partition: 0,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
              lastFetchedEpoch: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
  const old = await fetch(10);
  assert.equal(old.responses[0].partitions[0].errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const v11 = await fetch(11);
  assert.equal(v11.responses[0].partitions[0].errorCode, ErrorCode.NONE);
  assert.equal(v11.responses[0].partitions[0].highWatermark, 3);
});

test('the ISR shrinks after replica.lag.time.max.ms, acks=all then needs min.insync.replicas, acks=1 still works, and replicas rejoin', async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  const [f1, f2] = info.replicas.filter((r) => r !== info.leader).map((id) => cluster!.broker(id));
  assert.equal((await produce(leader, 't', batch(2, 'a'))).errorCode, 0);
  cluster.isolate(f1.id); // its fetches get no answers: it falls behind
  // A follower is out of sync only once the leader has more than it (acks=1: nothing waits for it).
  assert.equal((await produce(leader, 't', batch(2, 'a2'), 1)).errorCode, 0);
  await until(() => cluster!.partitionInfo('t', 0).isr.length === 2, 'the ISR shrinks to two', 8000);
  assert.ok(!cluster.partitionInfo('t', 0).isr.includes(f1.id));
  assert.equal((await produce(leader, 't', batch(2, 'b'))).errorCode, 0, 'two in-sync replicas are enough');
  // The second follower stops too: one in-sync replica, below min.insync.replicas=2.
  cluster.isolate(f2.id);
  assert.equal((await produce(leader, 't', batch(2, 'b2'), 1)).errorCode, 0);
  await until(() => cluster!.partitionInfo('t', 0).isr.length === 1, 'the ISR shrinks to the leader', 8000);
  const refused = await produce(leader, 't', batch(2, 'c'));
  assert.equal(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  const hwBefore = hw(leader, 't');
  const acks1 = await produce(leader, 't', batch(2, 'd'), 1);
  assert.equal(acks1.errorCode, ErrorCode.NONE, 'acks=1 is still accepted');
  assert.equal(hw(leader, 't'), hwBefore, 'but not committed while under min ISR');
  // Both come back (a restart): they catch up and rejoin the ISR; the high watermark moves again.
  for (const f of [f1, f2]) await cluster.heal(f.id);
  await until(() => cluster!.partitionInfo('t', 0).isr.length === 3, 'both rejoin the ISR', 8000);
  await until(() => hw(leader, 't') === leo(leader, 't'), 'the high watermark catches up');
  assert.equal((await produce(leader, 't', batch(2, 'e'))).errorCode, 0);
  await until(() => cluster!.brokers.every((b) => leo(b, 't') === leo(leader, 't')), 'all logs equal length');
  const bytes = await Promise.all(cluster.brokers.map((b) => logBytes(b, 't')));
  for (const other of bytes.slice(1)) assert.ok(bytes[0].equals(other));
});

test('an acks=all produce waiting when the ISR shrinks below min.insync.replicas gets NOT_ENOUGH_REPLICAS_AFTER_APPEND', async () => {
  cluster = await TestCluster.start(3, { replicaLagTimeMaxMs: 1000, fetchWaitMaxMs: 50, fetchBackoffMs: 20 });
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  const followers = info.replicas.filter((r) => r !== info.leader).map((id) => cluster!.broker(id));
  assert.equal((await produce(leader, 't', batch(1, 'a'))).errorCode, 0);
  for (const f of followers) cluster.isolate(f.id);
  const waiting = produce(leader, 't', batch(1, 'b'), -1, 0, 20_000);
  // Once the ISR has shrunk to the leader alone, the high watermark may pass the batch (the leader
  // alone is the ISR) but min.insync.replicas is not met any more.
  const r = await waiting;
  assert.ok(
    r.errorCode === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND || r.errorCode === ErrorCode.REQUEST_TIMED_OUT,
    `got ${r.errorCode}`,
  );
});

test('acks=all times out with REQUEST_TIMED_OUT when the ISR does not catch up in time', async () => {
  cluster = await TestCluster.start(3, {
    replicaLagTimeMaxMs: 60_000,
    fetchWaitMaxMs: 50,
    fetchBackoffMs: 20,
  });
  await cluster.createTopic('t', 1, 3);
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  assert.equal((await produce(leader, 't', batch(1, 'a'))).errorCode, 0);
  const f = cluster.broker(info.replicas.find((r) => r !== info.leader)!);
  cluster.isolate(f.id);
  const r = await produce(leader, 't', batch(1, 'b'), -1, 0, 300);
  assert.equal(r.errorCode, ErrorCode.REQUEST_TIMED_OUT);
});

test('a new leader takes over; the old leader returns as a follower and truncates its unreplicated tail', async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const old = cluster.broker(info.leader);
  for (let i = 0; i < 5; i++) assert.equal((await produce(old, 't', batch(3, `a${i}`))).errorCode, 0);
  const committed = hw(old, 't');
  // The old leader is cut off from its followers; what it takes with acks=1 reaches no one.
  cluster.isolate(old.id);
  for (let i = 0; i < 3; i++)
    assert.equal((await produce(old, 't', batch(4, `phantom${i}`), 1)).errorCode, 0);
  assert.equal(leo(old, 't'), committed + 12);
  const acksAll = produce(old, 't', batch(1, 'never'), -1, 0, 10_000);
  // The controller fences it (session timeout): a follower leads in a new epoch.
  await cluster.fenceBroker(old.id);
  const now = cluster.partitionInfo('t', 0);
  assert.notEqual(now.leader, old.id);
  assert.ok(now.leaderEpoch > info.leaderEpoch);
  const leader = cluster.broker(now.leader);
  for (let i = 0; i < 4; i++) assert.equal((await produce(leader, 't', batch(2, `n${i}`))).errorCode, 0);
  // The old leader learns the new metadata (unfenced again): it follows, truncates, catches up.
  await cluster.heal(old.id);
  assert.equal(
    (await acksAll).errorCode,
    ErrorCode.NOT_LEADER_OR_FOLLOWER,
    'the cut-off leader never acknowledged acks=all',
  );
  await cluster.unfenceBroker(old.id);
  await until(
    () => leo(old, 't') === leo(leader, 't') && hw(old, 't') === hw(leader, 't'),
    'the old leader catches up',
  );
  const a = await logBytes(old, 't');
  const b = await logBytes(leader, 't');
  assert.ok(a.equals(b), 'no phantom records survive on the old leader');
  // A phantom batch may have reached a follower in a fetch already in flight when the old leader was
  // cut off (then it is the new leader's too); the later ones were only on the old leader.
  const values = valuesOf(a);
  assert.ok(!values.includes('phantom2-0') && !values.includes('never-0'), 'the unreplicated tail is gone');
  for (let i = 0; i < 5; i++) assert.ok(values.includes(`a${i}-2`), 'every committed record survives');
  for (let i = 0; i < 4; i++) assert.ok(values.includes(`n${i}-1`), "the new leader's records are there");
  await until(() => cluster!.partitionInfo('t', 0).isr.length === 3, 'the old leader rejoins the ISR');
});

test('a retried idempotent batch reaching the new leader is written once', async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const old = cluster.broker(info.leader);
  const idem = (seq: number, tag: string) =>
    batch(2, tag, { producerId: 4000, producerEpoch: 0, baseSequence: seq });
  assert.equal((await produce(old, 't', idem(0, 'a'))).errorCode, 0);
  const second = await produce(old, 't', idem(2, 'b'));
  assert.equal(second.errorCode, 0);
  // The answer to the second batch was "lost": the leader fails, the producer retries on the new one.
  await cluster.fenceBroker(old.id);
  await old.stop();
  const leader = cluster.broker(cluster.partitionInfo('t', 0).leader);
  const retried = await produce(leader, 't', idem(2, 'b'));
  assert.equal(retried.errorCode, ErrorCode.NONE);
  assert.equal(retried.baseOffset, second.baseOffset, 'the retry is answered with the original offset');
  const next = await produce(leader, 't', idem(4, 'c'));
  assert.equal(next.errorCode, 0);
  assert.equal(next.baseOffset, 4);
  assert.equal(leo(leader, 't'), 6);
});

test('KIP-392: a rack-aware leader sends a consumer to the in-sync replica in its rack, which serves it', async () => {
  cluster = await TestCluster.start(3, { ...TEST_REPLICATION, replicaSelector: 'rack-aware' }, [
    'r1',
    'r2',
    'r3',
  ]);
  await cluster.createTopic('t', 1, 3);
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  assert.equal((await produce(leader, 't', batch(4, 'x'))).errorCode, 0);
  await until(() => cluster!.brokers.every((b) => hw(b, 't') === 4), 'every replica has the high watermark');
  const topicId = cluster.image.topicsByName.get('t')!.id;
  const fetch = (b: TestBroker, rackId: string) =>
    // biome-ignore lint/suspicious/noExplicitAny: fields read one by one
    b.call<any>(1, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 't',
          topicId,
          partitions: [
            {
              partition: 0,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
              lastFetchedEpoch: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId,
    });
  const follower = info.replicas.find((r) => r !== info.leader)!;
  const rackOf = (id: number) => `r${id}`;
  const sent = (await fetch(leader, rackOf(follower))).responses[0].partitions[0];
  assert.equal(sent.preferredReadReplica, follower);
  assert.equal(recordCount(sent.records), 0, 'no records with a redirect');
  const served = (await fetch(cluster.broker(follower), rackOf(follower))).responses[0].partitions[0];
  assert.equal(served.errorCode, 0);
  assert.equal(served.preferredReadReplica, -1);
  assert.equal(recordCount(served.records), 4);
  for (const rack of [rackOf(info.leader), '', 'elsewhere']) {
    const stay = (await fetch(leader, rack)).responses[0].partitions[0];
    assert.equal(stay.preferredReadReplica, -1, `rack '${rack}' stays on the leader`);
    assert.equal(recordCount(stay.records), 4);
  }
});

function recordCount(records: Buffer | Buffer[] | null): number {
  if (!records) return 0;
  return valuesOf(Buffer.isBuffer(records) ? records : Buffer.concat(records)).length;
}

test('replication throttles: a new replica outside the ISR catches up at about the throttled rate, the ISR is not slowed', async () => {
  cluster = await TestCluster.start(3, {
    ...TEST_REPLICATION,
    quotaWindows: 2,
    quotaWindowMs: 100,
    fetchMaxBytes: 10_000,
  });
  await cluster.createTopic('t', 1, 2, {
    'leader.replication.throttled.replicas': '*',
    'follower.replication.throttled.replicas': '*',
  });
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 60; i++) {
    const b = buildBatch(Array.from({ length: 5 }, () => ({ key: null, value: big })));
    assert.equal((await produce(leader, 't', b)).errorCode, 0);
  }
  const bytes = leader.replicas.get('t', 0)!.log.sizeBytes;
  cluster.throttleRates = { leader: 100_000, follower: Number.MAX_SAFE_INTEGER };
  // Throttled or not, the ISR members take writes at full speed.
  const t0 = Date.now();
  assert.equal((await produce(leader, 't', batch(1, 'isr'))).errorCode, 0);
  assert.ok(Date.now() - t0 < 1000, 'acks=all through the ISR is not throttled');
  const newcomer = [1, 2, 3].find((id) => !info.replicas.includes(id))!;
  const started = Date.now();
  await cluster.setReplicas('t', 0, [...info.replicas, newcomer]);
  await until(
    () => leo(cluster!.broker(newcomer), 't') === leo(leader, 't'),
    'the new replica catches up',
    20_000,
  );
  const tookMs = Date.now() - started;
  const expectedMs = (bytes / 100_000) * 1000;
  assert.ok(
    tookMs > expectedMs * 0.5,
    `caught up in ${tookMs} ms; ${bytes} bytes at 100 KB/s take about ${expectedMs} ms`,
  );
  cluster.throttleRates = { leader: Number.MAX_SAFE_INTEGER, follower: Number.MAX_SAFE_INTEGER };
});

test('a reassignment onto a new broker: it catches up, joins the ISR, the old replica leaves and deletes its log', async () => {
  cluster = await TestCluster.start(4);
  await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  for (let i = 0; i < 10; i++) assert.equal((await produce(leader, 't', batch(10, `r${i}`))).errorCode, 0);
  const fourth = [1, 2, 3, 4].find((id) => !info.replicas.includes(id))!;
  // Move the leader's replica away: leadership must move too.
  const target = [...info.replicas.filter((r) => r !== info.leader), fourth];
  const results = await cluster.reassign([{ topic: 't', partition: 0, replicas: target }]);
  assert.equal(results[0].errorCode, 0);
  const during = cluster.partitionInfo('t', 0);
  assert.deepEqual(during.addingReplicas, [fourth]);
  assert.deepEqual(during.removingReplicas, [info.leader]);
  await until(
    () => {
      const p = cluster!.partitionInfo('t', 0);
      return (p.addingReplicas ?? []).length === 0 && p.replicas.join() === target.join();
    },
    'the reassignment completes',
    10_000,
  );
  const after = cluster.partitionInfo('t', 0);
  assert.ok(target.includes(after.leader), 'the leader is one of the target replicas');
  assert.ok(after.leaderEpoch > info.leaderEpoch);
  await until(() => leader.replicas.get('t', 0) === undefined, 'the removed replica is gone from its broker');
  assert.equal(await leader.fs.stat('/data/t-0'), null, "the removed replica's directory is deleted");
  const newLeader = cluster.broker(after.leader);
  assert.equal((await produce(newLeader, 't', batch(5, 'after'))).errorCode, 0);
  await until(
    () => target.every((id) => leo(cluster!.broker(id), 't') === 105),
    'every target replica has it all',
  );
  const bytes = await Promise.all(target.map((id) => logBytes(cluster!.broker(id), 't')));
  for (const other of bytes.slice(1)) assert.ok(bytes[0].equals(other), 'target replicas are identical');
});

test('cancelling a reassignment reverts to the original replicas', async () => {
  cluster = await TestCluster.start(4);
  await cluster.createTopic('t', 1, 2);
  const info = cluster.partitionInfo('t', 0);
  const others = [1, 2, 3, 4].filter((id) => !info.replicas.includes(id));
  // The new replicas cannot catch up: they are cut off.
  for (const id of others) cluster.isolate(id);
  assert.equal((await cluster.reassign([{ topic: 't', partition: 0, replicas: others }]))[0].errorCode, 0);
  assert.ok((cluster.partitionInfo('t', 0).addingReplicas ?? []).length === 2);
  const cancelled = await cluster.reassign([{ topic: 't', partition: 0, replicas: null }]);
  assert.equal(cancelled[0].errorCode, 0);
  const p = cluster.partitionInfo('t', 0);
  assert.deepEqual([...p.replicas], [...info.replicas]);
  assert.deepEqual(p.addingReplicas, []);
  const again = await cluster.reassign([{ topic: 't', partition: 0, replicas: null }]);
  assert.equal(again[0].errorCode, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
});

test("a new replica of a log whose start is inside a batch (DeleteRecords) starts at that batch's base offset", async () => {
  cluster = await TestCluster.start(3);
  await cluster.createTopic('t', 1, 2);
  const info = cluster.partitionInfo('t', 0);
  const leader = cluster.broker(info.leader);
  for (let i = 0; i < 10; i++) assert.equal((await produce(leader, 't', batch(10, `d${i}`))).errorCode, 0);
  // biome-ignore lint/suspicious/noExplicitAny: the response is looked at field by field
  const deleted = await leader.call<any>(21, 2, {
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 35 }] }],
    timeoutMs: 5000,
  });
  assert.equal(deleted.topics[0].partitions[0].lowWatermark, 35);
  const third = [1, 2, 3].find((id) => !info.replicas.includes(id))!;
  const target = [...info.replicas, third];
  assert.equal((await cluster.reassign([{ topic: 't', partition: 0, replicas: target }]))[0].errorCode, 0);
  await until(
    () => cluster!.partitionInfo('t', 0).isr.includes(third),
    'the new replica catches up and joins the ISR',
    10_000,
  );
  const added = cluster.broker(third);
  assert.equal(leo(added, 't'), 100);
  const p = added.replicas.get('t', 0)!;
  assert.equal(p.log.logStartOffset, 35, "the leader's log start offset, as Kafka's follower takes it");
  const bytes = await logBytes(added, 't');
  assert.equal(Number(bytes.readBigInt64BE(0)), 30, 'the first batch is kept whole from its base offset');
  const values = valuesOf(bytes);
  assert.equal(values[0], 'd3-0');
  assert.equal(values.length, 70);
});

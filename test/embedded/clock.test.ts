// The manual clock on its own, and moving a broker's time: session timeouts, retention, LogAppendTime
// and offsets by timestamp, without waiting for any of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { ManualClock, startBroker } from '../../src/embedded/index.js';
import { RawClient } from '../helpers/raw-client.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

test('frozen: timers fire only when advanced, in due order, at their due time; async ones are awaited', async () => {
  const clock = new ManualClock({ startMs: T0, frozen: true });
  const seen: string[] = [];
  clock.setTimer(300, () => seen.push(`c@${clock.now() - T0}`));
  clock.setTimer(100, async () => {
    await sleep(5);
    seen.push(`a@${clock.now() - T0}`);
  });
  const cancelled = clock.setTimer(200, () => seen.push('cancelled'));
  clock.setTimer(100, () => {
    seen.push(`b@${clock.now() - T0}`);
    clock.setTimer(50, () => seen.push(`d@${clock.now() - T0}`));
  });
  cancelled.cancel();
  await sleep(20);
  assert.deepEqual(seen, []);
  assert.equal(clock.now(), T0);
  await clock.advance(250);
  assert.deepEqual(seen, ['a@100', 'b@100', 'd@150']);
  assert.equal(clock.now(), T0 + 250);
  await clock.advance(50);
  assert.deepEqual(seen, ['a@100', 'b@100', 'd@150', 'c@300']);
  assert.equal(clock.pendingTimers, 0);
  assert.throws(() => clock.advanceTo(T0), RangeError);
});

test('flowing: time passes with the wall clock, timers fire on their own, advance jumps', async () => {
  const clock = new ManualClock();
  assert.ok(Math.abs(clock.now() - Date.now()) < 50);
  let fired = false;
  clock.setTimer(10, () => {
    fired = true;
  });
  for (let i = 0; i < 100 && !fired; i++) await sleep(10);
  assert.ok(fired, 'a timer fires in real time');
  await clock.advance(3_600_000);
  const ahead = clock.now() - Date.now();
  assert.ok(Math.abs(ahead - 3_600_000) < 100, `an hour ahead (${ahead} ms)`);
});

test('a member that stops heartbeating is expired when the clock passes its session timeout', async () => {
  const clock = new ManualClock({ frozen: true });
  await using broker = await startBroker({ clock });
  const raw = await RawClient.connect(broker.port);
  try {
    await raw.request(10, 1, { key: 'g', keyType: 0 }); // FindCoordinator: creates __consumer_offsets
    const protocols = [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }];
    let join: { errorCode: number; memberId: string; generationId: number };
    do {
      join = await raw.request(11, 3, {
        groupId: 'g',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        protocolType: 'consumer',
        protocols,
      });
    } while (join.errorCode === 14);
    assert.equal(join.errorCode, 0);
    const sync = await raw.request(14, 3, {
      groupId: 'g',
      generationId: join.generationId,
      memberId: join.memberId,
      assignments: [{ memberId: join.memberId, assignment: Buffer.alloc(0) }],
    });
    assert.equal(sync.errorCode, 0);
    await broker.waitForGroup('g', { state: 'Stable', members: 1 });
    await sleep(100);
    assert.equal((await broker.describeGroup('g')).state, 'Stable', 'real time does not expire it');
    await clock.advance(9_999);
    assert.equal((await broker.describeGroup('g')).state, 'Stable');
    await clock.advance(2);
    const g = await broker.waitForGroup('g', { state: 'Empty', timeoutMs: 2000 });
    assert.equal(g.members.length, 0);
  } finally {
    raw.socket.destroy();
  }
});

test('retention deletes what is older than retention.ms once the clock passes the check interval', async () => {
  const clock = new ManualClock({ frozen: true });
  await using broker = await startBroker({ clock });
  await broker.createTopic('short', {
    partitions: 1,
    config: { 'retention.ms': 60_000, 'segment.ms': 1_000 },
  });
  await broker.produce('short', ['old-1', 'old-2', 'old-3']);
  await clock.advance(2_000);
  await broker.produce('short', ['new']); // rolls: the old segment is older than segment.ms
  await clock.advance(60_000);
  assert.equal((await broker.readAll('short')).length, 4, 'nothing deleted before the retention check runs');
  await clock.advance(300_000); // log.retention.check.interval.ms
  const left = await broker.readAll('short', { encoding: 'utf8' });
  assert.deepEqual(
    left.map((r) => `${r.offset}:${r.value}`),
    ['3:new'],
  );
});

test('LogAppendTime stamps the clock time; offsets by timestamp find records an hour apart at once', async () => {
  const clock = new ManualClock({ startMs: T0, frozen: true });
  await using broker = await startBroker({ clock, topics: { seeded: 1 } });
  await broker.createTopic('stamped', { config: { 'message.timestamp.type': 'LogAppendTime' } });
  const kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const [sent] = await producer.send({ topic: 'stamped', messages: [{ value: 'x' }] });
    assert.equal(sent.logAppendTime, String(T0));
    const [stored] = await broker.readAll('stamped');
    assert.equal(stored.timestamp, T0);
  } finally {
    await producer.disconnect();
  }
  await broker.produce('seeded', ['at T0']);
  await clock.advance(3_600_000);
  await broker.produce('seeded', ['an hour later']);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [found] = await admin.fetchTopicOffsetsByTimestamp('seeded', T0 + 1_800_000);
    assert.deepEqual(found, { partition: 0, offset: '1' });
  } finally {
    await admin.disconnect();
  }
});

// Fetch sessions (KIP-227) against a broker process, with the requests real clients send: the Java
// client's sequence (a full fetch at epoch 0 that opens a session, then incremental fetches at epochs
// 1, 2, ... that name only changed partitions, add some and forget others, and the close at epoch -1),
// the errors Kafka answers where a client gets the session wrong, and the sessionless full fetches of
// librdkafka, kafkajs and kafka-go (session id 0 or -1, epoch -1; versions without sessions).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/schema/codec.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { allRecords, createTopic, produce, topicId } from '../helpers/raw-ops.js';

let broker: BrokerProcess;
let c: RawClient;

before(async () => {
  broker = await startBrokerProcess();
  c = await RawClient.connect(broker.port);
});

after(async () => {
  c?.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

interface Part {
  partition: number;
  fetchOffset: number;
}

/** A Fetch v17 (topics by id) as the Java client builds it. */
function fetchV17(
  sessionId: number,
  sessionEpoch: number,
  topics: { topicId: string; partitions: Part[] }[],
  forgotten: { topicId: string; partitions: number[] }[] = [],
  maxWaitMs = 0,
) {
  return c.request(1, 17, {
    maxWaitMs,
    minBytes: 1,
    maxBytes: 52428800,
    isolationLevel: 1,
    sessionId,
    sessionEpoch,
    topics: topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: p.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: 1048576,
      })),
    })),
    forgottenTopicsData: forgotten.map((f) => ({ topicId: f.topicId, partitions: f.partitions })),
    rackId: '',
  });
}

/** What a response holds, per partition: [topicId or name, partition, error, HW, log start, record values]. */
// biome-ignore lint/suspicious/noExplicitAny: responses are read loosely
function summary(r: any): [string, number, number, number, number, string[]][] {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return r.responses.flatMap((t: any) =>
    // biome-ignore lint/suspicious/noExplicitAny: as above
    t.partitions.map((p: any) => [
      t.topicId && t.topicId !== ZERO_UUID ? t.topicId : t.topic,
      p.partitionIndex,
      p.errorCode,
      Number(p.highWatermark),
      Number(p.logStartOffset),
      allRecords(p.records).map((x) => String(x.value)),
    ]),
  );
}

test("the Java client's session: full fetch at epoch 0, incremental fetches of what changed, close at -1", async () => {
  await createTopic(c, 'sessions', 3);
  await createTopic(c, 'extra', 1);
  const id = await topicId(c, 'sessions');
  const extra = await topicId(c, 'extra');
  for (const p of [0, 1, 2]) await produce(c, 'sessions', p, [{ value: `${p}a` }, { value: `${p}b` }]);

  // Epoch 0: a full fetch that opens a session; every partition answers.
  const all = [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0 }));
  const full = await fetchV17(0, 0, [{ topicId: id, partitions: all }]);
  assert.equal(full.errorCode, ErrorCode.NONE);
  const session = full.sessionId;
  assert.ok(session > 0, 'a session id');
  assert.deepEqual(summary(full), [
    [id, 0, 0, 2, 0, ['0a', '0b']],
    [id, 1, 0, 2, 0, ['1a', '1b']],
    [id, 2, 0, 2, 0, ['2a', '2b']],
  ]);

  // Epoch 1: the consumer moved every position; nothing new, so nothing to answer.
  const moved = [0, 1, 2].map((partition) => ({ partition, fetchOffset: 2 }));
  const quiet = await fetchV17(session, 1, [{ topicId: id, partitions: moved }]);
  assert.equal(quiet.sessionId, session);
  assert.deepEqual(summary(quiet), []);

  // Epoch 2: names no partition; only partition 1, which got a record, answers.
  await produce(c, 'sessions', 1, [{ value: '1c' }]);
  assert.deepEqual(summary(await fetchV17(session, 2, [])), [[id, 1, 0, 3, 0, ['1c']]]);

  // Epoch 3: partition 1 moves on, `extra` joins (answers once: the client knows nothing of it),
  // partition 2 is forgotten (its new record is not sent).
  await produce(c, 'sessions', 2, [{ value: '2c' }]);
  const changed = await fetchV17(
    session,
    3,
    [
      { topicId: id, partitions: [{ partition: 1, fetchOffset: 3 }] },
      { topicId: extra, partitions: [{ partition: 0, fetchOffset: 0 }] },
    ],
    [{ topicId: id, partitions: [2] }],
  );
  assert.deepEqual(summary(changed), [[extra, 0, 0, 0, 0, []]]);

  // Epoch 4: a new log start offset is news too.
  const deleted = await c.request(21, 2, {
    topics: [{ name: 'sessions', partitions: [{ partitionIndex: 0, offset: 1 }] }],
    timeoutMs: 10_000,
  });
  assert.equal(deleted.topics[0].partitions[0].errorCode, 0);
  assert.deepEqual(summary(await fetchV17(session, 4, [])), [[id, 0, 0, 2, 1, []]]);

  // Epoch 5: an error is always sent (and again at every fetch while it lasts).
  const gone = await c.request(20, 6, { topics: [{ name: 'extra', topicId: extra }], timeoutMs: 10_000 });
  assert.equal(gone.responses[0].errorCode, 0);
  assert.deepEqual(summary(await fetchV17(session, 5, [])), [
    [extra, 0, ErrorCode.UNKNOWN_TOPIC_ID, -1, -1, []],
  ]);
  assert.deepEqual(summary(await fetchV17(session, 6, [], [{ topicId: extra, partitions: [0] }])), []);

  // Epoch -1: the consumer closes its session with a last, full, sessionless fetch.
  const closing = await fetchV17(session, -1, [
    { topicId: id, partitions: [{ partition: 1, fetchOffset: 0 }] },
  ]);
  assert.equal(closing.sessionId, 0);
  assert.deepEqual(summary(closing), [[id, 1, 0, 3, 0, ['1a', '1b', '1c']]]);
  const after = await fetchV17(session, 7, []);
  assert.equal(after.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('session errors are answered where Kafka answers them, and the Java client recovers with a new session', async () => {
  await createTopic(c, 'errors', 1);
  const id = await topicId(c, 'errors');
  await produce(c, 'errors', 0, [{ value: 'x' }]);
  const parts = [{ topicId: id, partitions: [{ partition: 0, fetchOffset: 0 }] }];
  const session = (await fetchV17(0, 0, parts)).sessionId;
  assert.ok(session > 0);
  assert.equal((await fetchV17(session, 1, [])).errorCode, ErrorCode.NONE);

  // The same epoch again (a retry of a fetch whose answer was lost), or one ahead: wrong epoch.
  for (const epoch of [1, 3]) {
    const r = await fetchV17(session, epoch, []);
    assert.equal(r.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH, `epoch ${epoch}`);
    assert.equal(r.sessionId, 0);
    assert.deepEqual(r.responses, []);
  }
  // An id the broker does not have, or an incremental epoch without an id.
  assert.equal((await fetchV17(session + 1, 1, [])).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  assert.equal((await fetchV17(0, 1, [])).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  // Topic ids at creation, names afterwards (Fetch v12): a session keeps one form.
  const byName = await c.request(1, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: session,
    sessionEpoch: 2,
    topics: [],
    forgottenTopicsData: [],
    rackId: '',
  });
  assert.equal(byName.errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);

  // After an error the Java client sends a full fetch naming its session at epoch 0: the old session
  // closes and a new one opens.
  const again = await fetchV17(session, 0, parts);
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.ok(again.sessionId > 0 && again.sessionId !== session);
  assert.deepEqual(summary(again), [[id, 0, 0, 1, 0, ['x']]]);
  assert.equal((await fetchV17(session, 2, [])).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  assert.equal((await fetchV17(again.sessionId, 1, [])).errorCode, ErrorCode.NONE);
});

/** A Fetch v11 by topic name, with the given session fields (absent below v7). */
function fetchByName(version: number, topic: string, session: { sessionId?: number; sessionEpoch?: number }) {
  return c.request(1, version, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    ...session,
    topics: [
      {
        topic,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: 0,
            logStartOffset: -1,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
}

test('sessionless full fetches answer with the data: kafka-go (-1/-1), librdkafka and kafkajs (0/-1), old versions', async () => {
  await createTopic(c, 'sessionless', 1);
  await produce(c, 'sessionless', 0, [{ value: 'one' }, { value: 'two' }]);
  const forms: [string, number, { sessionId?: number; sessionEpoch?: number }][] = [
    ["kafka-go's Client.Fetch", 11, { sessionId: -1, sessionEpoch: -1 }],
    ['librdkafka and kafkajs', 11, { sessionId: 0, sessionEpoch: -1 }],
    ['a closed or unknown session at epoch -1', 11, { sessionId: 12345, sessionEpoch: -1 }],
    ['kafka-python (Fetch v4, no session fields)', 4, {}],
  ];
  for (const [who, version, session] of forms) {
    const r = await fetchByName(version, 'sessionless', session);
    assert.equal(r.errorCode ?? 0, ErrorCode.NONE, who);
    if (version >= 7) assert.equal(r.sessionId, 0, who);
    const logStart = version >= 5 ? 0 : -1; // the field is there from v5
    assert.deepEqual(summary(r), [['sessionless', 0, 0, 2, logStart, ['one', 'two']]], who);
  }
});

test('max.incremental.fetch.session.cache.slots bounds the sessions; beyond it, full fetches get session id 0', async () => {
  const small = await startBrokerProcess({
    args: ['--override', 'max.incremental.fetch.session.cache.slots=1'],
  });
  const raw = await RawClient.connect(small.port);
  try {
    await createTopic(raw, 'bounded', 1);
    const id = await topicId(raw, 'bounded');
    const open = () =>
      raw.request(1, 17, {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: 0,
        topics: [
          {
            topicId: id,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: 0,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: 1 << 20,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
    const first = await open();
    assert.ok(first.sessionId > 0);
    // The one slot holds a consumer's session younger than two minutes: not evictable.
    const second = await open();
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.equal(second.sessionId, 0);
    assert.equal(summary(second).length, 1, 'the full fetch is still answered');
  } finally {
    raw.close();
    await small.stop();
    removeDataDir(small.dataDir);
  }
});

test('an incremental fetch waits for news (max_wait_ms) and answers with the partition that got records', async () => {
  await createTopic(c, 'waiting', 2);
  const id = await topicId(c, 'waiting');
  const parts = [0, 1].map((partition) => ({ partition, fetchOffset: 0 }));
  const session = (await fetchV17(0, 0, [{ topicId: id, partitions: parts }])).sessionId;
  const other = await RawClient.connect(broker.port);
  // The produce's own answer may come after the fetch's (two connections, no order between them):
  // it is awaited before its connection closes.
  let produced: Promise<unknown> = Promise.resolve();
  try {
    const started = Date.now();
    const waiting = fetchV17(session, 1, [], [], 10_000);
    setTimeout(() => {
      produced = produce(other, 'waiting', 1, [{ value: 'late' }]);
    }, 200);
    const r = await waiting;
    assert.ok(Date.now() - started < 8000, 'answered when the record came, not at max_wait_ms');
    assert.deepEqual(summary(r), [[id, 1, 0, 1, 0, ['late']]]);
  } finally {
    await produced.catch(() => {});
    other.close();
  }
});

// Per-record errors (KIP-467), as Kafka answers them: a batch with keyless records for a compacted
// topic, or records whose timestamps are out of message.timestamp.before/after.max.ms, is refused
// whole, with INVALID_RECORD or INVALID_TIMESTAMP, each bad record listed by its index in the batch
// with Kafka's message, Kafka's error_message, and the partition's real log start offset. Raw
// Produce requests in the versions clients send, and librdkafka's delivery reports.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Compression } from '../../src/protocol/records/batch.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { createTopic, produce } from '../helpers/raw-ops.js';
import { needs, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;
let c: RawClient;

before(async () => {
  await import('../../src/protocol/records/compression.js'); // gzip batches are built here
  broker = await startBrokerProcess();
  c = await RawClient.connect(broker.port);
  await createTopic(c, 'compacted', 1, { 'cleanup.policy': 'compact' });
  await createTopic(c, 'recent', 1, {
    'message.timestamp.before.max.ms': '60000',
    'message.timestamp.after.max.ms': '60000',
  });
});

after(async () => {
  c?.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

const KEYLESS = 'Compacted topic cannot accept message without key in topic partition compacted-0';

test('keyless records in a compacted topic: INVALID_RECORD, every bad record listed, nothing written', async () => {
  // Three good records first, so the log start offset is real and the log end known.
  assert.equal(
    (
      await produce(c, 'compacted', 0, [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ])
    ).errorCode,
    0,
  );
  const deleted = await c.request(21, 2, {
    topics: [{ name: 'compacted', partitions: [{ partitionIndex: 0, offset: 1 }] }],
    timeoutMs: 10_000,
  });
  assert.equal(deleted.topics[0].partitions[0].errorCode, 0);
  for (const compression of [Compression.None, Compression.Gzip]) {
    const r = await produce(
      c,
      'compacted',
      0,
      [
        { key: 'k0', value: 'v0' },
        { key: null, value: 'v1' },
        { key: 'k2', value: 'v2' },
        { key: null, value: 'v3' },
        { key: null, value: 'v4' },
        { key: null, value: 'v5' },
      ],
      { compression },
    );
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD, `compression ${compression}`);
    assert.deepEqual(
      r.recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage]),
      [1, 3, 4, 5].map((i) => [i, KEYLESS]),
    );
    assert.equal(
      r.errorMessage,
      'One or more records have been rejected due to 4 record errors in total, and only showing the first three ' +
        `errors at most: [RecordError(batchIndex=1, message='${KEYLESS}'), RecordError(batchIndex=3, message='${KEYLESS}'), ` +
        `RecordError(batchIndex=4, message='${KEYLESS}')]`,
    );
    assert.equal(r.logStartOffset, 1, 'the real log start offset');
    assert.equal(r.baseOffset, -1);
  }
  // The whole batch was refused: the next batch takes offset 2.
  assert.equal((await produce(c, 'compacted', 0, [{ key: 'c', value: '3' }])).baseOffset, 2);
});

test('timestamps out of range: INVALID_TIMESTAMP with each bad record, in versions 8 to 11; v7 gets the code', async () => {
  const now = Date.now();
  const records = [
    { value: 'ok', timestamp: now },
    { value: 'old', timestamp: now - 3_600_000 },
    { value: 'ok too', timestamp: now + 1000 },
    { value: 'future', timestamp: now + 3_600_000 },
  ];
  for (const version of [8, 9, 11]) {
    const r = await produce(c, 'recent', 0, records, { version, timestampMs: now });
    assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP, `v${version}`);
    assert.equal(r.errorMessage, 'One or more records have been rejected due to invalid timestamp');
    assert.deepEqual(
      r.recordErrors.map((e) => e.batchIndex),
      [1, 3],
    );
    const [old, future] = r.recordErrors.map((e) => e.batchIndexErrorMessage ?? '');
    assert.match(
      old,
      new RegExp(
        `^Timestamp ${now - 3_600_000} of message with offset 1 is out of range. The timestamp should be within \\[\\d+, \\d+\\]$`,
      ),
    );
    const [low, high] = (/\[(\d+), (\d+)\]/.exec(future) ?? []).slice(1).map(Number);
    assert.ok(high - low === 120_000 && Math.abs(low + 60_000 - now) < 30_000, future);
    assert.equal(r.logStartOffset, 0);
  }
  const v7 = await produce(c, 'recent', 0, records, { version: 7, timestampMs: now });
  assert.equal(v7.errorCode, ErrorCode.INVALID_TIMESTAMP);
  // A batch within the bounds is taken.
  assert.equal((await produce(c, 'recent', 0, [records[0], records[2]], { timestampMs: now })).baseOffset, 0);
});

test('a timestamp and a key problem together: INVALID_TIMESTAMP, the key error listed first for its record', async () => {
  await createTopic(c, 'both', 1, { 'cleanup.policy': 'compact', 'message.timestamp.after.max.ms': '1000' });
  const now = Date.now();
  const r = await produce(
    c,
    'both',
    0,
    [
      { key: null, value: 'keyless and late', timestamp: now + 3_600_000 },
      { key: 'k', value: 'late', timestamp: now + 3_600_000 },
    ],
    { timestampMs: now },
  );
  assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.deepEqual(
    r.recordErrors.map((e) => [e.batchIndex, (e.batchIndexErrorMessage ?? '').split(' of ')[0]]),
    [
      [0, 'Compacted topic cannot accept message without key in topic partition both-0'],
      [1, `Timestamp ${now + 3_600_000}`],
    ],
  );
});

// librdkafka reads record_errors (Produce v8+) from releases newer than Debian's 2.0.2, which sends
// Produce v7 and reports the partition's error for every record of the batch; the raw tests above
// check the list newer ones read.
test('librdkafka (confluent-kafka): every record of a batch with a keyless record fails with INVALID_RECORD', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const r = await runPython(
    `
import sys, json
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'linger.ms': 5000, 'batch.num.messages': 3, 'message.send.max.retries': 0})
# Learn the partition's leader first, so that the three records wait together in its queue (for
# linger.ms or a full batch) instead of leaving one by one as the metadata arrives on a busy machine.
p.list_topics('compacted', timeout=10)
out = []
def report(err, msg):
    out.append([msg.value().decode(), None if err is None else err.name(), None if err is None else err.str()])
for key, value in [(b'k0', b'v0'), (None, b'v1'), (b'k2', b'v2')]:
    p.produce('compacted', value, key, partition=0, on_delivery=report)
p.flush(20)
print(json.dumps(sorted(out)))
`,
    [broker.bootstrap],
  );
  assert.equal(r.code, 0, r.stderr);
  const reports: [string, string | null, string | null][] = JSON.parse(r.stdout.trim());
  // One batch of three (batch.num.messages), refused whole: Produce v7 has no record list to read.
  assert.deepEqual(
    reports.map(([value, name]) => [value, name]),
    [
      ['v0', 'INVALID_RECORD'],
      ['v1', 'INVALID_RECORD'],
      ['v2', 'INVALID_RECORD'],
    ],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ATTR_TIMESTAMP_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  batchBounds,
  batchCompression,
  batchLastOffset,
  buildBatch,
  Compression,
  checkBatch,
  isControlBatch,
  isTransactionalBatch,
  readBatchHeader,
  readInt64,
  readRecords,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  updateCrc,
  writeInt64,
} from '../../../src/protocol/records/index.js';

const T0 = 1_700_000_000_000;

function sample(count = 3, extra: Parameters<typeof buildBatch>[1] = {}): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: `value ${i}`,
    timestamp: T0 + i * 10,
  }));
  return buildBatch(records, { timestampMs: T0, ...extra });
}

test('int64 helpers round-trip the safe integer range', () => {
  const b = Buffer.alloc(8);
  for (const v of [0, 1, -1, 255, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, 2 ** 53 - 1, -(2 ** 53 - 1), T0]) {
    writeInt64(b, 0, v);
    assert.equal(readInt64(b, 0), v);
    assert.equal(b.readBigInt64BE(0), BigInt(v));
  }
});

test('batch header round trip: every field as built', () => {
  const batch = sample(3, {
    baseOffset: 1234567890123,
    partitionLeaderEpoch: 7,
    producerId: 9_007_199_254_740_000,
    producerEpoch: 3,
    baseSequence: 42,
    transactional: true,
  });
  const h = readBatchHeader(batch);
  assert.deepEqual(
    { ...h, crc: 0 },
    {
      baseOffset: 1234567890123,
      sizeBytes: batch.length,
      partitionLeaderEpoch: 7,
      magic: 2,
      crc: 0,
      attributes: ATTR_TRANSACTIONAL,
      lastOffsetDelta: 2,
      baseTimestamp: T0,
      maxTimestamp: T0 + 20,
      producerId: 9_007_199_254_740_000,
      producerEpoch: 3,
      baseSequence: 42,
      recordCount: 3,
    },
  );
  assert.equal(batchCompression(h.attributes), Compression.None);
  assert.ok(isTransactionalBatch(h.attributes));
  assert.ok(!isControlBatch(h.attributes));
  assert.equal(batchLastOffset(batch), 1234567890125);
  const check = checkBatch(batch);
  assert.ok(check.ok);
  assert.deepEqual(check.header, h);
});

test('defaults: no producer, leader epoch -1, CreateTime', () => {
  const h = readBatchHeader(sample(1));
  assert.equal(h.producerId, -1);
  assert.equal(h.producerEpoch, -1);
  assert.equal(h.baseSequence, -1);
  assert.equal(h.partitionLeaderEpoch, -1);
  assert.equal(h.attributes & ATTR_TIMESTAMP_LOG_APPEND, 0);
});

test('a batch at a non-zero position reads and checks the same', () => {
  const batch = sample(2);
  const framed = Buffer.concat([Buffer.alloc(13, 0xee), batch, Buffer.alloc(5)]);
  assert.deepEqual(readBatchHeader(framed, 13), readBatchHeader(batch));
  assert.ok(checkBatch(framed, 13).ok);
  assert.deepEqual([...readRecords(framed, 13)], [...readRecords(batch)]);
});

function problemOf(buf: Buffer, pos = 0, checkCrc = true): string {
  const r = checkBatch(buf, pos, checkCrc);
  return r.ok ? 'ok' : r.problem;
}

test('checkBatch: truncated header and truncated body', () => {
  const batch = sample();
  assert.equal(problemOf(batch.subarray(0, 0)), 'truncated');
  assert.equal(problemOf(batch.subarray(0, BATCH_HEADER_BYTES - 1)), 'truncated');
  assert.equal(problemOf(batch.subarray(0, batch.length - 1)), 'truncated');
  assert.equal(problemOf(Buffer.concat([Buffer.alloc(1), batch]), 2), 'truncated');
});

test('checkBatch: batchLength smaller than a header, or negative', () => {
  for (const length of [0, 48, -1, -2147483648]) {
    const b = Buffer.from(sample());
    b.writeInt32BE(length, 8);
    assert.equal(problemOf(b), 'size', `batchLength ${length}`);
  }
});

test('checkBatch: magic other than 2', () => {
  for (const magic of [0, 1, 3, -1]) {
    const b = Buffer.from(sample());
    b.writeInt8(magic, 16);
    assert.equal(problemOf(b), 'magic');
  }
});

test('checkBatch: CRC mismatch anywhere it covers, and only there', () => {
  const batch = sample();
  for (const at of [21, 22, 30, 57, 61, batch.length - 1]) {
    const b = Buffer.from(batch);
    b[at] ^= 0x01;
    assert.equal(problemOf(b), 'crc', `flip at ${at}`);
    assert.notEqual(problemOf(b, 0, false), 'crc');
  }
  const stored = Buffer.from(batch);
  stored[17] ^= 0x80;
  assert.equal(problemOf(stored), 'crc');
  // baseOffset and the partition leader epoch sit outside the CRC.
  const outside = Buffer.from(batch);
  outside[3] ^= 0xff;
  outside[14] ^= 0xff;
  assert.equal(problemOf(outside), 'ok');
});

test('checkBatch: record count must be positive and match lastOffsetDelta', () => {
  const cases: Array<[number, number]> = [
    [0, -1],
    [-1, -2],
    [3, 1],
    [3, 3],
  ];
  for (const [count, delta] of cases) {
    const b = Buffer.from(sample(3));
    b.writeInt32BE(count, 57);
    b.writeInt32BE(delta, 23);
    updateCrc(b);
    assert.equal(problemOf(b), 'record-count', `count ${count} delta ${delta}`);
  }
});

test('setBaseOffset and setPartitionLeaderEpoch patch in place without touching the CRC', () => {
  const b = sample(4);
  const crc = b.readUInt32BE(17);
  setBaseOffset(b, 0, 2 ** 40 + 5);
  setPartitionLeaderEpoch(b, 0, 12);
  assert.equal(b.readUInt32BE(17), crc);
  const check = checkBatch(b);
  assert.ok(check.ok);
  assert.equal(check.header.baseOffset, 2 ** 40 + 5);
  assert.equal(check.header.partitionLeaderEpoch, 12);
  assert.deepEqual(
    [...readRecords(b)].map((r) => r.offset),
    [0, 1, 2, 3].map((i) => 2 ** 40 + 5 + i),
  );
});

test('setLogAppendTime sets the flag and max timestamp, recomputes the CRC, and records read that time', () => {
  const b = sample(3);
  setLogAppendTime(b, 0, T0 + 99_999);
  const check = checkBatch(b);
  assert.ok(check.ok);
  assert.ok(check.header.attributes & ATTR_TIMESTAMP_LOG_APPEND);
  assert.equal(check.header.maxTimestamp, T0 + 99_999);
  for (const r of readRecords(b)) assert.equal(r.timestamp, T0 + 99_999);
});

test('batchBounds splits concatenated batches and reports a trailing partial one', () => {
  const a = sample(1);
  const b = sample(5, { compression: Compression.Gzip });
  const c = sample(2);
  const all = Buffer.concat([a, b, c, c.subarray(0, 30)]);
  const bounds = batchBounds(all);
  assert.deepEqual(bounds.starts, [0, a.length, a.length + b.length]);
  assert.deepEqual(bounds.ends, [a.length, a.length + b.length, a.length + b.length + c.length]);
  assert.equal(bounds.trailingBytes, 30);
  assert.deepEqual(batchBounds(Buffer.alloc(0)), { starts: [], ends: [], trailingBytes: 0 });
  const bad = Buffer.from(a);
  bad.writeInt32BE(10, 8);
  assert.equal(batchBounds(bad).starts.length, 0);
});

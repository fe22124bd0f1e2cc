import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../../src/protocol/primitives/decode-error.js';
import {
  BATCH_HEADER_BYTES,
  buildBatch,
  buildBatchAsync,
  Compression,
  checkBatch,
  compressionAvailable,
  compressionName,
  DecompressionError,
  type KafkaRecord,
  type RecordInput,
  readBatchHeader,
  readRecords,
  recordsBody,
  recordsBodyAsync,
  recordsOf,
  updateCrc,
} from '../../../src/protocol/records/index.js';
import { asBuffer, sampleRecords } from './helpers.js';

const T0 = 1_700_000_000_000;
const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

function expected(inputs: RecordInput[], baseOffset: number): KafkaRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp ?? T0,
    key: asBuffer(r.key),
    value: asBuffer(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: asBuffer(h.value) })),
  }));
}

for (const codec of CODECS) {
  const name = compressionName(codec);
  test(`${name}: builder and readRecords round trip`, async (t) => {
    if (!compressionAvailable(codec)) {
      t.skip(`${name} did not load on this machine`);
      return;
    }
    const inputs = sampleRecords(T0);
    const batch = buildBatch(inputs, { compression: codec, timestampMs: T0, baseOffset: 1000 });
    const check = checkBatch(batch);
    assert.ok(check.ok, check.ok ? '' : check.detail);
    assert.equal(check.header.attributes & 7, codec);
    assert.equal(check.header.recordCount, inputs.length);
    assert.equal(check.header.baseTimestamp, T0 - 3);
    assert.equal(check.header.maxTimestamp, T0 + 1_000_000);
    const want = expected(inputs, 1000);
    assert.deepEqual([...readRecords(batch)], want);
    if (codec !== Compression.None) assert.ok(batch.length < recordsBody(batch).length, 'it compressed');

    // The async forms give the same bytes and the same records.
    const viaAsync = await buildBatchAsync(inputs, { compression: codec, timestampMs: T0, baseOffset: 1000 });
    assert.ok(viaAsync.equals(batch));
    const body = await recordsBodyAsync(batch);
    assert.deepEqual([...recordsOf(readBatchHeader(batch), body)], want);
  });
}

test('gzip and zstd levels are passed through', (t) => {
  const inputs = sampleRecords(T0);
  for (const codec of [Compression.Gzip, Compression.Zstd]) {
    if (!compressionAvailable(codec)) {
      t.diagnostic(`${compressionName(codec)} unavailable, skipped`);
      continue;
    }
    const fast = buildBatch(inputs, { compression: codec, compressionLevel: 1, timestampMs: T0 });
    const best = buildBatch(inputs, { compression: codec, compressionLevel: 9, timestampMs: T0 });
    assert.ok(best.length < fast.length, `${compressionName(codec)} level 9 smaller than level 1`);
    assert.deepEqual([...readRecords(best)], [...readRecords(fast)]);
  }
});

test('an uncompressed body is a view, not a copy', () => {
  const batch = buildBatch([{ value: 'x' }], { timestampMs: T0 });
  const body = recordsBody(batch);
  assert.equal(body.buffer, batch.buffer);
  assert.equal(body.byteOffset, batch.byteOffset + BATCH_HEADER_BYTES);
  const [r] = [...readRecords(batch)];
  assert.equal(r.value?.buffer, batch.buffer);
});

test('the builder handles more records than a spread call could', () => {
  const inputs = Array.from({ length: 150_000 }, (_, i) => ({ value: null, timestamp: T0 + (i % 1000) }));
  const batch = buildBatch(inputs, { timestampMs: T0 });
  const h = readBatchHeader(batch);
  assert.equal(h.recordCount, 150_000);
  assert.equal(h.maxTimestamp, T0 + 999);
});

test('an empty batch is refused', () => {
  assert.throws(() => buildBatch([]), RangeError);
});

test('bytes after the declared record count are an error, as in Kafka', () => {
  const batch = buildBatch(
    [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ],
    { timestampMs: T0 },
  );
  batch.writeInt32BE(1, 57);
  batch.writeInt32BE(0, 23);
  updateCrc(batch);
  assert.ok(checkBatch(batch).ok);
  assert.throws(
    () => [...readRecords(batch)],
    (e: unknown) => e instanceof DecodeError && e.problem === 'trailing',
  );
});

test('a declared record count above what the body holds is a decode error', () => {
  const batch = buildBatch([{ value: 'only one' }], { timestampMs: T0 });
  batch.writeInt32BE(5, 57);
  batch.writeInt32BE(4, 23);
  updateCrc(batch);
  assert.throws(() => [...readRecords(batch)], DecodeError);
});

test('malformed records give DecodeError, never another exception', () => {
  const batch = buildBatch(sampleRecords(T0).slice(0, 8), { timestampMs: T0 });
  for (let at = BATCH_HEADER_BYTES; at < Math.min(batch.length, BATCH_HEADER_BYTES + 400); at++) {
    for (const value of [0x00, 0x7f, 0x80, 0xff]) {
      const b = Buffer.from(batch);
      b[at] = value;
      try {
        for (const _ of readRecords(b)) {
          // read them all
        }
      } catch (e) {
        assert.ok(e instanceof DecodeError, `byte ${at} = ${value}: ${(e as Error).stack}`);
      }
    }
  }
});

test('readRecords stops a compressed batch that expands beyond outputBytesMax', (t) => {
  for (const codec of CODECS.slice(1)) {
    if (!compressionAvailable(codec)) {
      t.diagnostic(`${compressionName(codec)} unavailable, skipped`);
      continue;
    }
    const batch = buildBatch([{ value: Buffer.alloc(200_000, 'a') }], {
      compression: codec,
      timestampMs: T0,
    });
    assert.equal([...readRecords(batch, 0, 200_100)].length, 1);
    assert.throws(
      () => [...readRecords(batch, 0, 100_000)],
      (e: unknown) => e instanceof DecompressionError && e.reason === 'too-large' && e instanceof DecodeError,
      compressionName(codec),
    );
  }
});

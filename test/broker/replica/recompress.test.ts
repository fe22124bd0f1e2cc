// Recompression to a topic's codec: what changes in a batch (codec bits, length, CRC, the records'
// bytes) and what does not (records, producer fields, flags); bombs and corrupt bodies are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { RECOMPRESS_BYTES_MAX, recompress } from '../../../src/broker/replica/recompress.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_OFFSET_LENGTH,
  Compression,
  checkBatch,
  readBatchHeader,
  updateCrc,
} from '../../../src/protocol/records/batch.js';
import '../../../src/protocol/records/compression.js';
import { buildBatch, readRecords } from '../../../src/protocol/records/record.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';
import { createTopic } from '../../helpers/raw-ops.js';

const settings = (compressionType: string) => ({
  compressionType,
  compressionGzipLevel: -1,
  compressionZstdLevel: 3,
});

test('only the records section and the header fields that describe it change', () => {
  const records = [
    { key: 'a', value: 'x'.repeat(1000), timestamp: 1000, headers: [{ key: 'h', value: 'v' }] },
    { key: null, value: null, timestamp: 990 },
  ];
  const original = buildBatch(records, {
    compression: Compression.Snappy,
    timestampMs: 1000,
    producerId: 42,
    producerEpoch: 3,
    baseSequence: 7,
    transactional: true,
  });
  for (const [type, codec] of [
    ['gzip', Compression.Gzip],
    ['zstd', Compression.Zstd],
    ['lz4', Compression.Lz4],
    ['uncompressed', Compression.None],
  ] as const) {
    const r = recompress(original, readBatchHeader(original), settings(type));
    assert.ok(r.ok);
    const check = checkBatch(r.batch);
    assert.ok(check.ok, type);
    const before = readBatchHeader(original);
    const after = readBatchHeader(r.batch);
    assert.equal(after.attributes & 7, codec);
    assert.equal(after.attributes & ~7, before.attributes & ~7, `${type}: flags`);
    for (const field of [
      'baseTimestamp',
      'maxTimestamp',
      'producerId',
      'producerEpoch',
      'baseSequence',
      'recordCount',
      'lastOffsetDelta',
    ] as const)
      assert.equal(after[field], before[field], `${type}: ${field}`);
    assert.deepEqual([...readRecords(r.batch)], [...readRecords(original)], type);
  }
});

test('a batch that decompresses past the bound, or not at all, is refused', () => {
  const small = buildBatch([{ value: 'x' }], { compression: Compression.Gzip });
  const bomb = Buffer.concat([
    small.subarray(0, BATCH_HEADER_BYTES),
    gzipSync(Buffer.alloc(RECOMPRESS_BYTES_MAX + 1)),
  ]);
  bomb.writeInt32BE(bomb.length - 12, BATCH_OFFSET_LENGTH);
  updateCrc(bomb);
  const r = recompress(bomb, readBatchHeader(bomb), settings('zstd'));
  assert.deepEqual(r.ok ? null : r.reason, 'too-large');
  const corrupt = Buffer.from(small);
  corrupt.fill(7, BATCH_HEADER_BYTES);
  updateCrc(corrupt);
  const c = recompress(corrupt, readBatchHeader(corrupt), settings('zstd'));
  assert.deepEqual(c.ok ? null : c.reason, 'corrupt');
});

test('the broker answers MESSAGE_TOO_LARGE for a bomb and CORRUPT_MESSAGE for a bad body', async () => {
  const { node, port } = await startTestNode();
  const c = await RawClient.connect(port);
  try {
    await createTopic(c, 'zstd-topic', 1, { 'compression.type': 'zstd' });
    const small = buildBatch([{ value: 'x' }], { compression: Compression.Gzip });
    const bomb = Buffer.concat([
      small.subarray(0, BATCH_HEADER_BYTES),
      gzipSync(Buffer.alloc(RECOMPRESS_BYTES_MAX + 1)),
    ]);
    bomb.writeInt32BE(bomb.length - 12, BATCH_OFFSET_LENGTH);
    updateCrc(bomb);
    const corrupt = Buffer.from(small);
    corrupt.fill(7, BATCH_HEADER_BYTES);
    updateCrc(corrupt);
    for (const [batch, code] of [
      [bomb, 10],
      [corrupt, 2],
    ] as const) {
      const r = await c.request(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'zstd-topic', partitionData: [{ index: 0, records: batch }] }],
      });
      assert.equal(r.responses[0].partitionResponses[0].errorCode, code);
    }
  } finally {
    c.close();
    await node.stop();
  }
});

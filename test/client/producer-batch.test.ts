// Batches the producer writes straight into its buffers decode with the protocol's record reader
// and pass the broker's checks (size, magic, CRC-32C, counts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerList, ProducerBatch } from '../../src/client/producer-batch.js';
import { Compression, checkBatch, readBatchHeader, readRecords } from '../../src/protocol/index.js';
import { compressSync } from '../../src/protocol/records/compression.js';

test('records written into a pooled buffer decode back, headers and timestamps included', () => {
  const b = new ProducerBatch('t', 0, Buffer.alloc(16384), true, 0);
  const base = 1_700_000_000_000;
  assert.ok(b.tryAppend(base, 'k1', 'v1', headerList(undefined)) > 0);
  assert.ok(b.tryAppend(base - 5, null, Buffer.from([1, 2, 3]), headerList({ h: 'x', n: null })) > 0);
  assert.ok(
    b.tryAppend(
      base + 100_000,
      Buffer.from('ünï'),
      null,
      headerList([{ key: 'ä', value: Buffer.alloc(300, 7) }]),
    ) > 0,
  );
  const wire = b.finish(Compression.None, compressSync, 77, 3, 1000);
  const check = checkBatch(wire);
  assert.ok(check.ok, check.ok ? '' : check.detail);
  const h = readBatchHeader(wire);
  assert.equal(h.recordCount, 3);
  assert.equal(h.producerId, 77);
  assert.equal(h.producerEpoch, 3);
  assert.equal(h.baseSequence, 1000);
  assert.equal(h.maxTimestamp, base + 100_000);
  const records = [...readRecords(wire)];
  assert.deepEqual(
    records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString('hex')]),
    [
      [0, base, 'k1', Buffer.from('v1').toString('hex')],
      [1, base - 5, undefined, '010203'],
      [2, base + 100_000, 'ünï', undefined],
    ],
  );
  assert.deepEqual(records[1].headers, [
    { key: 'h', value: Buffer.from('x') },
    { key: 'n', value: null },
  ]);
  assert.equal(records[2].headers[0].key, 'ä');
  assert.equal(records[2].headers[0].value?.length, 300);
  // Re-finishing for a new epoch rewrites the identity and the CRC.
  const again = b.finish(Compression.None, compressSync, 77, 4, 0);
  assert.ok(checkBatch(again).ok);
  assert.equal(readBatchHeader(again).producerEpoch, 4);
});

test('a batch refuses a record that does not fit and compresses with gzip', () => {
  const b = new ProducerBatch('t', 0, Buffer.alloc(200), true, 0);
  assert.ok(b.tryAppend(1, null, Buffer.alloc(100), []) > 0);
  assert.equal(b.tryAppend(1, null, Buffer.alloc(100), []), 0);
  const big = new ProducerBatch('t', 0, Buffer.alloc(16384), true, 0);
  for (let i = 0; i < 50; i++) big.tryAppend(1000 + i, `key-${i}`, 'the same text again and again', []);
  const wire = big.finish(Compression.Gzip, compressSync, -1, -1, -1);
  assert.ok(wire.length < big.pos);
  assert.ok(checkBatch(wire).ok);
  const records = [...readRecords(wire)];
  assert.equal(records.length, 50);
  assert.equal(records[49].key?.toString(), 'key-49');
});

// Unit tests of the partition log's contract: validation problems, producer rules, LogAppendTime,
// follower appends, rolls, Kafka's file formats, lookups, leader epochs and index recovery.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readBatchHeader, updateCrc } from '../../src/protocol/records/batch.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { LeaderEpochCache } from '../../src/storage/leader-epoch.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/storage/producer-state.js';
import { batchOf, MemoryFileSystem, openMem, readAll, recordsOf, T0 } from './helpers.js';

describe('append validation', () => {
  test('refuses bad batches with a typed problem and changes nothing', async () => {
    const log = await openMem(new MemoryFileSystem(), { maxMessageBytes: 2000 });
    const good = batchOf(['x']);
    const crc = Buffer.from(good);
    crc[crc.length - 1] ^= 1;
    const magic = Buffer.from(good);
    magic[16] = 1;
    const count = Buffer.from(good);
    count.writeInt32BE(5, 57);
    updateCrc(count);
    const short = good.subarray(0, 40);
    const two = Buffer.concat([good, good]);
    const big = batchOf(['y'.repeat(3000)]);
    const control = buildBatch([{ key: Buffer.from([0, 0, 0, 1]), value: null }], {
      control: true,
      producerId: 1,
    });
    const txnNoId = buildBatch([{ value: 'v' }], { transactional: true });
    const cases: [Buffer, string][] = [
      [crc, 'corrupt'],
      [magic, 'magic'],
      [count, 'record-count'],
      [short, 'corrupt'],
      [two, 'invalid-record'],
      [big, 'too-large'],
      [control, 'invalid-record'],
      [txnNoId, 'invalid-record'],
    ];
    for (const [batch, problem] of cases) {
      const r = log.append(batch, { leaderEpoch: 0 });
      assert.equal(r.kind, 'rejected');
      if (r.kind === 'rejected') assert.equal(r.problem, problem, r.detail);
    }
    assert.equal(log.logEndOffset, 0);
    // A caller that verified the CRC itself can skip that check; the others still run.
    const skipped = log.append(magic, { leaderEpoch: 0, crcVerified: true });
    assert.equal(skipped.kind === 'rejected' && skipped.problem, 'magic');
    assert.equal(log.append(Buffer.from(good), { leaderEpoch: 0, crcVerified: true }).kind, 'appended');
    await log.close();
  });

  test("idempotent producers: Kafka's sequence and epoch rules", async () => {
    const log = await openMem(new MemoryFileSystem());
    const p = (epoch: number, seq: number, n = 1) =>
      buildBatch(
        Array.from({ length: n }, (_, i) => ({ value: `e${epoch}s${seq + i}` })),
        { timestampMs: T0, producerId: 42, producerEpoch: epoch, baseSequence: seq },
      );
    const kind = (b: Buffer) => {
      const r = log.append(b, { leaderEpoch: 0 });
      return r.kind === 'rejected' ? r.problem : r.kind;
    };
    assert.equal(kind(p(0, 7, 2)), 'appended', 'an unknown producer may start anywhere');
    assert.equal(kind(p(0, 9)), 'appended');
    assert.equal(kind(p(0, 7, 2)), 'duplicate');
    const dup = log.append(p(0, 7, 2), { leaderEpoch: 0 });
    assert.deepEqual(dup.kind === 'duplicate' && [dup.baseOffset, dup.lastOffset], [0, 1]);
    assert.equal(kind(p(0, 11)), 'out-of-order-sequence', 'a gap');
    assert.equal(kind(p(1, 3)), 'out-of-order-sequence', 'a new epoch starts at 0');
    assert.equal(kind(p(1, 0)), 'appended');
    assert.equal(kind(p(0, 10)), 'invalid-producer-epoch');
    assert.equal(kind(p(1, 0)), 'duplicate');
    const entry = log.producer(42)!;
    assert.equal(entry.producerEpoch, 1);
    assert.deepEqual(
      entry.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]),
      [[0, 0, 3, 3]],
    );
    // Sequences wrap at Int32.MAX.
    assert.equal(kind(p(2, 0)), 'appended');
    const nearMax = (seq: number, n: number) =>
      buildBatch(
        Array.from({ length: n }, () => ({ value: 'w' })),
        { timestampMs: T0, producerId: 43, producerEpoch: 0, baseSequence: seq },
      );
    assert.equal(log.append(nearMax(2147483646, 2), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.append(nearMax(0, 1), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.producer(43)!.batches[0].lastSeq, 2147483647);
    await log.close();
  });

  test('keeps the last five batches per producer, and finds them again after a restart', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { segmentBytes: 300 });
    const b = (seq: number) =>
      buildBatch([{ value: `s${seq}` }], {
        timestampMs: T0,
        producerId: 9,
        producerEpoch: 0,
        baseSequence: seq,
      });
    for (let s = 0; s < 8; s++) assert.equal(log.append(b(s), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.producer(9)!.batches.length, 5);
    await log.close();
    for (const clean of [true, false]) {
      const again = await openMem(fs, { segmentBytes: 300 }, { cleanShutdown: clean });
      for (let s = 3; s < 8; s++) {
        const r = again.append(b(s), { leaderEpoch: 0 });
        assert.equal(r.kind, 'duplicate', `clean ${clean}: seq ${s}`);
        if (r.kind === 'duplicate') assert.equal(r.baseOffset, s);
      }
      const old = again.append(b(2), { leaderEpoch: 0 });
      assert.equal(old.kind === 'rejected' && old.problem, 'out-of-order-sequence');
      await again.closeWithoutFlush();
    }
  });

  test('producer snapshots use Kafka’s format and round-trip five batches', () => {
    const entries = [
      {
        producerId: 5,
        producerEpoch: 2,
        coordinatorEpoch: 1,
        currentTxnFirstOffset: -1,
        lastTimestamp: T0 + 4,
        batches: [0, 1, 2, 3, 4].map((i) => ({
          firstSeq: i * 2,
          lastSeq: i * 2 + 1,
          firstOffset: 100 + i * 2,
          lastOffset: 101 + i * 2,
          timestamp: T0 + i,
        })),
      },
    ];
    const data = encodeSnapshot(entries);
    assert.equal(data.readInt16BE(0), 1, 'version 1');
    assert.equal(data.readInt32BE(6), 5, 'one entry per retained batch');
    assert.equal(data.length, 10 + 5 * 46);
    assert.deepEqual(decodeSnapshot(data), entries);
    data[20] ^= 1;
    assert.equal(decodeSnapshot(data), null, 'a CRC mismatch is detected');
  });

  test('LogAppendTime stamps the broker time, recomputes the CRC and reports it', async () => {
    const log = await openMem(new MemoryFileSystem());
    const r = log.append(batchOf(['a'], { timestampMs: 5 }), {
      leaderEpoch: 2,
      now: T0 + 99,
      timestampType: 'LogAppendTime',
    });
    assert.equal(r.kind, 'appended');
    if (r.kind === 'appended') assert.equal(r.appendTimeMs, T0 + 99);
    const res = await log.read(0, 1000);
    assert.equal(res.kind, 'data');
    if (res.kind !== 'data') return;
    const h = readBatchHeader(res.records[0], 0);
    assert.equal(h.maxTimestamp, T0 + 99);
    assert.equal(h.partitionLeaderEpoch, 2);
    assert.equal(recordsOf(res.records)[0].timestamp, T0 + 99);
    await log.close();
  });
});

describe('follower appends', () => {
  test('keep offsets and epochs, ignore a trailing partial batch, refuse going backwards', async () => {
    const fs = new MemoryFileSystem();
    const leader = await openMem(fs, {}, {}, '/leader/t-0');
    leader.append(batchOf(['a', 'b']), { leaderEpoch: 1 });
    leader.append(batchOf(['c']), { leaderEpoch: 2 });
    const fetched = await leader.read(0, 10_000);
    assert.equal(fetched.kind, 'data');
    if (fetched.kind !== 'data') return;
    const wire = Buffer.concat([...fetched.records, batchOf(['partial']).subarray(0, 30)]);
    const follower = await openMem(fs, {}, {}, '/follower/t-0');
    const r = follower.appendAsFollower(wire);
    assert.equal(r.kind, 'appended');
    if (r.kind === 'appended') assert.deepEqual([r.firstOffset, r.lastOffset, r.batches], [0, 2, 2]);
    assert.deepEqual(
      [...follower.leaderEpochs.entries],
      [
        { epoch: 1, startOffset: 0 },
        { epoch: 2, startOffset: 2 },
      ],
    );
    assert.deepEqual(
      (await readAll(follower)).map((x) => x.value),
      ['a', 'b', 'c'],
    );
    const again = follower.appendAsFollower(wire);
    assert.equal(again.kind === 'rejected' && again.problem, 'offset-out-of-order');
    const corrupt = Buffer.from(fetched.records[0]);
    corrupt[corrupt.length - 1] ^= 0xff;
    corrupt.writeUInt32BE(0, 0);
    corrupt.writeUInt32BE(3, 4);
    assert.equal(follower.appendAsFollower(corrupt).kind, 'rejected');
    // OffsetForLeaderEpoch and divergence truncation.
    assert.deepEqual(follower.endOffsetForEpoch(1), { epoch: 1, endOffset: 2 });
    assert.deepEqual(follower.endOffsetForEpoch(2), { epoch: 2, endOffset: 3 });
    assert.deepEqual(follower.endOffsetForEpoch(0), { epoch: 0, endOffset: 0 });
    assert.deepEqual(follower.endOffsetForEpoch(7), { epoch: -1, endOffset: -1 });
    await follower.truncateTo(2);
    assert.equal(follower.logEndOffset, 2);
    assert.deepEqual([...follower.leaderEpochs.entries], [{ epoch: 1, startOffset: 0 }]);
    await follower.truncateFullyAndStartAt(50);
    assert.deepEqual([follower.logStartOffset, follower.logEndOffset], [50, 50]);
    assert.equal((await follower.read(0, 100)).kind, 'out-of-range');
    await Promise.all([leader.close(), follower.close()]);
  });

  test('leader epoch cache follows Kafka: assign, endOffsetFor, truncation at both ends', () => {
    const c = new LeaderEpochCache();
    assert.equal(c.assign(1, 10), true);
    assert.equal(c.assign(1, 12), false, 'same epoch, later offset: no-op');
    c.assign(3, 20);
    c.assign(5, 30);
    assert.deepEqual(c.endOffsetFor(5, 40), { epoch: 5, endOffset: 40 });
    assert.deepEqual(c.endOffsetFor(4, 40), { epoch: 3, endOffset: 30 });
    assert.deepEqual(c.endOffsetFor(0, 40), { epoch: 0, endOffset: 10 });
    assert.equal(c.epochForOffset(25), 3);
    c.assign(4, 25); // a lower epoch at a lower offset removes the entries that break monotonicity
    assert.deepEqual(
      [...c.entries],
      [
        { epoch: 1, startOffset: 10 },
        { epoch: 3, startOffset: 20 },
        { epoch: 4, startOffset: 25 },
      ],
    );
    c.truncateFromStart(22);
    assert.deepEqual(c.entries[0], { epoch: 3, startOffset: 22 });
    c.truncateFromEnd(25);
    assert.deepEqual([...c.entries], [{ epoch: 3, startOffset: 22 }]);
  });
});

describe('segments, files and lookups', () => {
  test("index files are in Kafka's format: sparse 8-byte offset entries, 12-byte time entries", async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { indexIntervalBytes: 200 });
    for (let i = 0; i < 20; i++) {
      log.append(
        batchOf([`value-${'x'.repeat(80)}-${String(i).padStart(2, '0')}`], { timestampMs: T0 + i }),
        {
          leaderEpoch: 0,
        },
      );
    }
    log.roll();
    await log.flush();
    const idx = (await fs.readdir('/data/t-0')).filter((n) => n.startsWith('00000000000000000000'));
    assert.deepEqual(idx, [
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
    ]);
    const { readWholeFile } = await import('../../src/storage/fs.js');
    const oi = (await readWholeFile(fs, '/data/t-0/00000000000000000000.index'))!;
    const ti = (await readWholeFile(fs, '/data/t-0/00000000000000000000.timeindex'))!;
    assert.equal(oi.length % 8, 0);
    assert.ok(oi.length >= 8 * 5, 'an entry every ~200 bytes');
    const size = (await fs.stat('/data/t-0/00000000000000000000.log'))!.size;
    const batch = size / 20;
    // Entry (relative offset, position): the batch at that position holds that offset.
    for (let p = 0; p < oi.length; p += 8) assert.equal(oi.readInt32BE(p + 4), oi.readInt32BE(p) * batch);
    assert.equal(ti.length % 12, 0);
    assert.equal(ti.readInt32BE(ti.length - 4), 19, 'the last time entry names the max timestamp');
    assert.equal(Number(ti.readBigInt64BE(ti.length - 12)), T0 + 19);
    await log.close();
  });

  test('rolls on segment.ms, on a full index, and reads back the same', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { segmentMs: 1000, segmentIndexBytes: 24, indexIntervalBytes: 1 });
    log.append(batchOf(['a'], { timestampMs: T0 }), { leaderEpoch: 0 });
    log.append(batchOf(['b'], { timestampMs: T0 + 500 }), { leaderEpoch: 0 });
    assert.equal(log.segments.length, 1);
    log.append(batchOf(['c'], { timestampMs: T0 + 1001 }), { leaderEpoch: 0 });
    assert.equal(log.segments.length, 2, 'segment.ms');
    for (let i = 0; i < 6; i++)
      log.append(batchOf([`d${i}`], { timestampMs: T0 + 1002 }), { leaderEpoch: 0 });
    assert.ok(log.segments.length >= 3, 'a full index (3 entries) rolls too');
    assert.deepEqual(
      (await readAll(log)).map((x) => x.value),
      ['a', 'b', 'c', 'd0', 'd1', 'd2', 'd3', 'd4', 'd5'],
    );
    await log.close();
  });

  test('corrupt or missing index files are rebuilt from the log', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { indexIntervalBytes: 100, segmentBytes: 2000 });
    for (let i = 0; i < 60; i++)
      log.append(batchOf([`v${i}-${'q'.repeat(40)}`], { timestampMs: T0 + i }), { leaderEpoch: 0 });
    await log.close();
    const names = await fs.readdir('/data/t-0');
    const first = names.find((n) => n.endsWith('.index'))!;
    const h = await fs.open(`/data/t-0/${first}`, 'readwrite');
    await fs.write(h, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1]), 0); // nonsense, and a partial entry
    await fs.close(h);
    await fs.unlink(`/data/t-0/${names.filter((n) => n.endsWith('.timeindex'))[1]}`);
    const again = await openMem(fs, { indexIntervalBytes: 100, segmentBytes: 2000 }, { cleanShutdown: true });
    assert.deepEqual(
      (await readAll(again)).map((x) => x.value),
      Array.from({ length: 60 }, (_, i) => `v${i}-${'q'.repeat(40)}`),
    );
    const r = await again.read(37, 100);
    assert.equal(r.kind === 'data' && recordsOf(r.records)[0].offset, 37);
    assert.equal((await again.offsetForTimestamp(T0 + 45))?.offset, 45);
    await again.close();
  });

  test('reads: out of range, bounded by maxOffset, whole batches, minOneBatch', async () => {
    const log = await openMem(new MemoryFileSystem(), { tailCacheBytes: 0 });
    for (let i = 0; i < 5; i++) log.append(batchOf([`${i}a`, `${i}b`]), { leaderEpoch: 0 });
    await log.flush();
    assert.equal((await log.read(11, 100)).kind, 'out-of-range');
    const r = await log.read(3, 1, { maxOffset: 6 });
    assert.equal(r.kind, 'data');
    if (r.kind !== 'data') return;
    assert.deepEqual(
      recordsOf(r.records).map((x) => x.offset),
      [2, 3],
      'the batch holding 3, whole, though over maxBytes',
    );
    const none = await log.read(3, 1, { maxOffset: 6, minOneBatch: false });
    assert.equal(none.kind === 'data' && none.records.length, 0);
    const bounded = await log.read(0, 10_000, { maxOffset: 5 });
    assert.equal(bounded.kind === 'data' && bounded.lastOffset, 3, 'no batch reaching maxOffset');
    assert.equal(log.deleteRecordsBefore(4).kind, 'out-of-range', 'above the high watermark');
    log.updateHighWatermark(10);
    assert.equal(log.deleteRecordsBefore(4).kind, 'ok');
    assert.equal((await log.read(3, 100)).kind, 'out-of-range');
    assert.deepEqual(log.earliest(), { offset: 4, timestamp: -1, leaderEpoch: 0 });
    assert.deepEqual(log.latest(), { offset: 10, timestamp: -1, leaderEpoch: 0 });
    await log.close();
  });
});

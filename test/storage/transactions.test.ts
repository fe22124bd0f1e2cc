// Transactions in the partition log: an open transaction holds the last stable offset at its first
// offset across a clean close, across a crash (producer state replayed from the log), and across a
// segment roll (the snapshot at the roll carries it); its ABORT marker moves the LSO on and enters the
// transaction index, which survives a reopen; a COMMIT marker does not; markers of an old coordinator
// epoch or producer epoch are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildControlBatch } from '../../src/protocol/records/control.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { MemoryFileSystem, PartitionLog } from '../../src/storage/index.js';
import { T0 } from './helpers.js';

const DIR = '/txn/t-0';

const plain = (v: string) => buildBatch([{ value: v }], { timestampMs: T0 });
const txn = (pid: number, seq: number, values: string[], epoch = 0) =>
  buildBatch(
    values.map((value) => ({ value })),
    { transactional: true, producerId: pid, producerEpoch: epoch, baseSequence: seq, timestampMs: T0 },
  );
const marker = (pid: number, commit: boolean, coordinatorEpoch = 0, epoch = 0) =>
  buildControlBatch({ producerId: pid, producerEpoch: epoch, coordinatorEpoch, commit }, T0);

function append(log: PartitionLog, batch: Buffer, origin: 'client' | 'coordinator' = 'client') {
  const r = log.append(batch, { leaderEpoch: 0, origin });
  assert.equal(r.kind, 'appended', JSON.stringify(r));
  return r as Extract<typeof r, { kind: 'appended' }>;
}

async function settle(log: PartitionLog): Promise<void> {
  await log.flush();
  log.updateHighWatermark(log.logEndOffset);
}

test('an open transaction holds the LSO across a clean close and a crash; its abort moves it on', async () => {
  let fs = new MemoryFileSystem({ now: () => T0 });
  let log = await PartitionLog.open(DIR, {}, { fs, now: () => T0 });
  append(log, plain('a')); // 0
  append(log, txn(5, 0, ['t1', 't2'])); // 1-2: producer 5's transaction
  append(log, plain('b')); // 3
  await settle(log);
  assert.equal(log.lastStableOffset, 1);
  assert.equal(log.highWatermark, 4);
  await log.close();

  log = await PartitionLog.open(DIR, {}, { fs, now: () => T0, cleanShutdown: true, highWatermark: 4 });
  assert.equal(log.producer(5)?.currentTxnFirstOffset, 1, 'the snapshot written at close kept it');
  log.updateHighWatermark(log.logEndOffset);
  assert.equal(log.lastStableOffset, 1);
  append(log, txn(5, 2, ['t3'])); // 4
  await settle(log);

  // A power cut: only the flushed state survives; the open transaction is rebuilt from the log.
  fs = fs.crash();
  log = await PartitionLog.open(DIR, {}, { fs, now: () => T0, highWatermark: 0 });
  log.updateHighWatermark(log.logEndOffset);
  assert.equal(log.logEndOffset, 5);
  assert.equal(log.lastStableOffset, 1);
  assert.equal(log.producer(5)?.currentTxnFirstOffset, 1);

  const m = append(log, marker(5, false), 'coordinator'); // 5: ABORT
  await settle(log);
  assert.equal(m.baseOffset, 5);
  assert.equal(log.lastStableOffset, 6);
  assert.deepEqual(
    (await log.abortedTransactions(0, 6)).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
    [[5, 1, 5]],
  );
  await log.close();
  log = await PartitionLog.open(DIR, {}, { fs, now: () => T0, cleanShutdown: true, highWatermark: 6 });
  assert.deepEqual(
    (await log.abortedTransactions(0, 6)).map((t) => [t.producerId, t.firstOffset]),
    [[5, 1]],
    'the transaction index survives a reopen',
  );
  assert.equal(log.producer(5)?.currentTxnFirstOffset, -1);
  await log.close();
});

test('a transaction across a segment roll; a commit is not in the index; stale markers are refused', async () => {
  const fs = new MemoryFileSystem({ now: () => T0 });
  const log = await PartitionLog.open('/txn/r-0', { segmentBytes: 300 }, { fs, now: () => T0 });
  append(log, txn(7, 0, ['x'.repeat(100)])); // 0, first segment
  for (let i = 0; i < 4; i++) append(log, plain('y'.repeat(100))); // rolls
  await settle(log);
  assert.ok(log.segments.length > 1, 'the log rolled');
  assert.equal(log.lastStableOffset, 0);
  // A marker from an older coordinator is refused once a newer one wrote for this producer.
  append(log, marker(7, true, 3), 'coordinator');
  await settle(log);
  assert.equal(log.lastStableOffset, log.logEndOffset);
  assert.deepEqual(
    await log.abortedTransactions(0, log.logEndOffset),
    [],
    'a commit is not an aborted transaction',
  );
  append(log, txn(7, 1, ['z']));
  const stale = log.append(marker(7, false, 2), { leaderEpoch: 0, origin: 'coordinator' });
  assert.deepEqual(
    [stale.kind, stale.kind === 'rejected' && stale.problem],
    ['rejected', 'coordinator-fenced'],
  );
  // A producer epoch older than the one the log knows is refused, marker or data.
  append(log, marker(7, false, 3, 1), 'coordinator'); // epoch 1 aborts it
  const zombie = log.append(txn(7, 2, ['late'], 0), { leaderEpoch: 0 });
  assert.deepEqual(
    [zombie.kind, zombie.kind === 'rejected' && zombie.problem],
    ['rejected', 'invalid-producer-epoch'],
  );
  // Clients may not write markers.
  const forged = log.append(marker(9, true), { leaderEpoch: 0 });
  assert.deepEqual(
    [forged.kind, forged.kind === 'rejected' && forged.problem],
    ['rejected', 'invalid-record'],
  );
  await log.close();
});

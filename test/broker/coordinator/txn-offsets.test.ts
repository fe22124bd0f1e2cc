// Transactional offset commits in the group coordinator: pending until the transaction's marker, a
// COMMIT applies them, an ABORT drops them, require_stable sees them as unstable meanwhile, and a
// restart rebuilds exactly that from the log (transactional batches and markers replayed in order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { harness, settle } from './harness.js';

const commit = (producerEpoch: number, offset: number, groupId = 'g', producerId = 77) => ({
  transactionalId: 'tx',
  groupId,
  producerId,
  producerEpoch,
  generationId: -1,
  memberId: '',
  groupInstanceId: null,
  topics: [{ name: 'orders', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: 'm' }] }],
});

const marker = (commit: boolean, producerEpoch = 0, producerId = 77) => ({
  producerId,
  producerEpoch,
  coordinatorEpoch: 0,
  commit,
});

async function offsetOf(h: Awaited<ReturnType<typeof harness>>, stable = false, groupId = 'g') {
  const r = await h.coordinator.fetchOffsets(groupId, [{ name: 'orders', partitions: [0] }], stable);
  const p = r.topics[0].partitions[0];
  return [p.offset, p.errorCode];
}

test('TxnOffsetCommit: pending until COMMIT, dropped by ABORT, unstable for require_stable meanwhile', async () => {
  const h = await harness();
  const r = await h.coordinator.commitTxnOffsets(commit(0, 10));
  assert.deepEqual(r, [{ name: 'orders', partitions: [{ partition: 0, errorCode: E.NONE }] }]);
  assert.deepEqual(await offsetOf(h), [-1, E.NONE]);
  assert.deepEqual(await offsetOf(h, true), [-1, E.UNSTABLE_OFFSET_COMMIT]);
  assert.equal(await h.coordinator.completeTransaction(0, marker(true)), E.NONE);
  assert.deepEqual(await offsetOf(h, true), [10, E.NONE]);
  // The next transaction aborts: the committed offset stays 10.
  await h.coordinator.commitTxnOffsets(commit(0, 20));
  assert.equal(await h.coordinator.completeTransaction(0, marker(false)), E.NONE);
  assert.deepEqual(await offsetOf(h, true), [10, E.NONE]);
  // What the log holds: a transactional batch and a marker per transaction.
  const log = h.logs.get(0);
  assert.deepEqual(
    log?.records.map((x) =>
      x.marker ? (x.marker.commit ? 'COMMIT' : 'ABORT') : x.producer ? 'txn' : 'plain',
    ),
    ['txn', 'COMMIT', 'txn', 'ABORT'],
  );
});

test('TxnOffsetCommit: a restart rebuilds pending and committed offsets from the log', async () => {
  const h = await harness();
  await h.coordinator.commitTxnOffsets(commit(0, 10));
  await h.coordinator.completeTransaction(0, marker(true));
  await h.coordinator.commitTxnOffsets(commit(0, 30));
  const h2 = await h.restart();
  await settle();
  assert.deepEqual(await offsetOf(h2), [10, E.NONE]);
  assert.deepEqual(await offsetOf(h2, true), [-1, E.UNSTABLE_OFFSET_COMMIT]);
  await h2.coordinator.completeTransaction(0, marker(true));
  assert.deepEqual(await offsetOf(h2, true), [30, E.NONE]);
});

test('TxnOffsetCommit: an older producer epoch is refused; the group metadata is checked', async () => {
  const h = await harness();
  await h.coordinator.commitTxnOffsets(commit(3, 10));
  await h.coordinator.completeTransaction(0, marker(true, 3));
  const stale = await h.coordinator.commitTxnOffsets(commit(2, 11));
  assert.equal(stale[0].partitions[0].errorCode, E.INVALID_PRODUCER_EPOCH);
  // No group with that generation: ILLEGAL_GENERATION, as Kafka answers a commit naming one.
  const withGeneration = await h.coordinator.commitTxnOffsets({ ...commit(3, 12, 'other'), generationId: 4 });
  assert.equal(withGeneration[0].partitions[0].errorCode, E.ILLEGAL_GENERATION);
  const emptyGroup = await h.coordinator.commitTxnOffsets({ ...commit(3, 12), groupId: '' });
  assert.equal(emptyGroup[0].partitions[0].errorCode, E.INVALID_GROUP_ID);
  // Markers from an older coordinator, or for an older producer epoch, are refused.
  assert.equal(
    await h.coordinator.completeTransaction(0, { ...marker(true, 3), coordinatorEpoch: 5 }),
    E.NONE,
  );
  assert.equal(
    await h.coordinator.completeTransaction(0, { ...marker(true, 3), coordinatorEpoch: 4 }),
    E.TRANSACTION_COORDINATOR_FENCED,
  );
  assert.equal(
    await h.coordinator.completeTransaction(0, { ...marker(false, 2), coordinatorEpoch: 5 }),
    E.INVALID_PRODUCER_EPOCH,
  );
});

test('a plain commit after a transactional one wins when the transaction commits later, as in Kafka', async () => {
  const h = await harness();
  await h.coordinator.commitTxnOffsets(commit(0, 10));
  const plain = await h.coordinator.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 8,
    topics: [
      {
        name: 'orders',
        partitions: [{ partition: 0, offset: 15, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }],
      },
    ],
  });
  assert.equal(plain[0].partitions[0].errorCode, E.NONE);
  await h.coordinator.completeTransaction(0, marker(true));
  assert.deepEqual(await offsetOf(h), [15, E.NONE]);
  // The same order after a restart.
  const h2 = await h.restart();
  await settle();
  assert.deepEqual(await offsetOf(h2), [15, E.NONE]);
  // A transaction that starts after the plain commit does replace it.
  await h2.coordinator.commitTxnOffsets(commit(0, 20));
  await h2.coordinator.completeTransaction(0, marker(true));
  assert.deepEqual(await offsetOf(h2), [20, E.NONE]);
});

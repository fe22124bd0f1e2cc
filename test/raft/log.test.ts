import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSnapshot, type Entry, encodeSnapshot, type Snapshot } from '../../src/raft/index.js';
import { RaftLog } from '../../src/raft/log.js';

const bootstrap: Snapshot = { id: { endOffset: 0, epoch: 0 }, voters: [1, 2, 3], data: new Uint8Array(0) };

function data(offset: number, epoch: number): Entry {
  return { offset, epoch, kind: 'data', data: new Uint8Array([offset]) };
}

/** Epochs 1@[0,3), 3@[3,5), 4@[5,6). */
function sample(): RaftLog {
  const log = new RaftLog(bootstrap, []);
  for (const [offset, epoch] of [1, 1, 1, 3, 3, 4].entries()) log.append(data(offset, epoch));
  return log;
}

test('endOffsetForEpoch answers the largest known epoch not above the asked one, and where it ends', () => {
  const log = sample();
  assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 3 });
  assert.deepEqual(log.endOffsetForEpoch(2), { epoch: 1, endOffset: 3 });
  assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 5 });
  assert.deepEqual(log.endOffsetForEpoch(9), { epoch: 4, endOffset: 6 });
  assert.deepEqual(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 0 });
});

test('truncation forgets the epochs and voter sets it removes', () => {
  const log = sample();
  log.append({
    offset: 6,
    epoch: 4,
    kind: 'voters',
    voters: { version: 0, voters: [{ voterId: 1 }, { voterId: 2 }] },
  });
  assert.deepEqual(log.latestVoters(), [1, 2]);
  log.truncateFrom(4);
  assert.equal(log.endOffset(), 4);
  assert.equal(log.lastEpoch(), 3);
  assert.deepEqual(log.latestVoters(), [1, 2, 3]);
  assert.throws(() => log.append(data(5, 3)), /append at 5/);
  assert.throws(() => log.append(data(4, 2)), /epoch 2 after 3/);
});

test('compaction keeps the suffix, the epoch at the boundary and the voter set in force', () => {
  const log = sample();
  log.compact({ id: { endOffset: 4, epoch: 3 }, voters: [1, 2, 3], data: new Uint8Array([9]) });
  assert.equal(log.startOffset, 4);
  assert.equal(log.entryAt(3), undefined);
  assert.equal(log.epochAt(3), 3);
  assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 5 });
  assert.deepEqual(log.endOffsetForEpoch(2), { epoch: -1, endOffset: 4 });
  assert.deepEqual(
    log.slice(0, 10).map((e) => e.offset),
    [4, 5],
  );
});

test('the unsaved difference is "truncate from T, then append": storage catches up with memory', () => {
  const log = sample();
  assert.deepEqual(log.takeUnsaved().entries.length, 6);
  log.markIssuedDurable();
  assert.equal(log.durableEnd, 6);
  log.truncateFrom(3);
  log.append(data(3, 5));
  const diff = log.takeUnsaved();
  assert.equal(diff.truncateFromOffset, 3);
  assert.deepEqual(
    diff.entries.map((e) => `${e.offset}@${e.epoch}`),
    ['3@5'],
  );
  assert.equal(log.durableEnd, 3, 'truncated entries are no longer durable');
  log.markIssuedDurable();
  assert.equal(log.durableEnd, 4);
});

test('snapshots travel as bytes with their voter set', () => {
  const s: Snapshot = { id: { endOffset: 10, epoch: 2 }, voters: [1, 5], data: new Uint8Array([7, 8, 9]) };
  const back = decodeSnapshot(s.id, encodeSnapshot(s));
  assert.deepEqual(back, s);
  assert.equal(decodeSnapshot(s.id, new Uint8Array([1, 2, 3])), null);
});

// A duplicate is blamed from the stored batch headers: the same producer, epoch and sequence twice is
// the broker's failure to deduplicate; a new epoch or sequence is the client sending it again.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeInt64 } from '../../src/protocol/records/batch.js';
import type { Violation } from './checker.js';
import { explainDuplicates, readBatches } from './evidence.js';

const dir = mkdtempSync(join(tmpdir(), 'samsa-chaos-evidence-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A one-record batch: only the header fields the evidence reads, and a few record bytes. */
function batch(offset: number, producerId: number, epoch: number, sequence: number): Buffer {
  const b = Buffer.alloc(61 + 8);
  writeInt64(b, 0, offset);
  b.writeInt32BE(b.length - 12, 8); // batchLength
  b.writeInt32BE(3, 12); // partition leader epoch
  b.writeInt8(2, 16); // magic
  b.writeInt32BE(0, 23); // lastOffsetDelta
  writeInt64(b, 43, producerId);
  b.writeInt16BE(epoch, 51);
  b.writeInt32BE(sequence, 53);
  b.writeInt32BE(1, 57); // record count
  return b;
}

function segment(node: string, partition: number, batches: Buffer[]): void {
  const d = join(dir, node, `chaos-${partition}`);
  mkdirSync(d, { recursive: true });
  // A torn tail after the last batch is ignored, as recovery would.
  writeFileSync(join(d, '00000000000000000000.log'), Buffer.concat([...batches, Buffer.alloc(20)]));
}

const dup = (p: number, offsets: number[]): Violation => ({
  kind: 'duplicated',
  message: `p1.0.7 is stored ${offsets.length} times in partition ${p}, at offsets ${offsets.join(', ')} (drain-kcat)`,
  p,
  o: offsets[1],
  v: 'p1.0.7',
});

test('reads the batch headers of a segment and stops at a torn tail', () => {
  segment('n9', 0, [batch(0, 5, 0, 0), batch(1, 5, 0, 1)]);
  const read = readBatches('n9', join(dir, 'n9', 'chaos-0'));
  assert.deepEqual(
    read.map((b) => [b.baseOffset, b.producerId, b.producerEpoch, b.baseSequence, b.leaderEpoch]),
    [
      [0, 5, 0, 0, 3],
      [1, 5, 0, 1, 3],
    ],
  );
});

test('a new epoch or sequence blames the client; the same one twice blames the broker', () => {
  for (const node of ['n1', 'n2']) {
    segment(node, 0, [batch(0, 1, 0, 157), batch(1, 1, 0, 158), batch(2, 1, 1, 0)]);
    segment(node, 1, [batch(0, 1, 0, 40), batch(1, 2, 0, 0), batch(2, 1, 0, 40)]);
  }
  const clientFault = dup(0, [1, 2]);
  const brokerFault = dup(1, [0, 2]);
  const why = explainDuplicates([clientFault, brokerFault], dir, ['n1', 'n2'], 'chaos');
  assert.match(why.get(clientFault) ?? '', /client re-sent a record that may have been written/);
  assert.match(why.get(clientFault) ?? '', /n2 offsets 2-2: producer 1 epoch 1 sequence 0/);
  assert.match(why.get(brokerFault) ?? '', /broker failed to deduplicate a retry/);
});

test('without the data (a tmpfs disk gone with its namespace) there is nothing to say', () => {
  assert.equal(explainDuplicates([dup(0, [1, 2])], join(dir, 'missing'), ['n1'], 'chaos').size, 0);
});

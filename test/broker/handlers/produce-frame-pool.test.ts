// Large Produce frames against an in-process node: a frame that spans socket reads is assembled in a
// pooled buffer, and goes back to the pool once the request is answered, its batch written and gone
// from the tail cache, and every fetch that served it from the cache written out. So a steady stream
// of large produces reuses a few buffers instead of allocating one per request, and every record
// reads back intact, from the cache while it is there and from the segment file afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import { sharedReadBuffers } from '../../../src/storage/read-buffers.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';
import { createTopic, fetchRequest } from '../../helpers/raw-ops.js';
import { allRecords } from '../../helpers/records.js';

let node: BrokerNode;
let client: RawClient;
const BATCHES = 40;
const PER_BATCH = 300;
/** ~300 KB batches: each frame spans several socket reads, and the 4 MiB tail cache holds ~13. */
const value = (i: number) => `${i}:${String(i % 10).repeat(1000)}`;

before(async () => {
  const started = await startTestNode();
  node = started.node;
  client = await RawClient.connect(started.port);
  await createTopic(client, 'frames');
});

after(async () => {
  client.close();
  await node.stop();
});

const fetch = (offset: number, maxBytes: number) =>
  client.request(1, 12, fetchRequest('frames', offset, maxBytes));

function checkValues(records: { offset: number; value: unknown }[], from: number): void {
  for (const r of records) if (r.offset >= from) assert.equal(String(r.value), value(r.offset));
}

test('large produce frames are assembled in pooled buffers and reused; every record reads back intact', async () => {
  const before = sharedReadBuffers.stats;
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: PER_BATCH }, (_, i) => ({ value: value(b * PER_BATCH + i) }));
    const res = await client.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'frames', partitionData: [{ index: 0, records: buildBatch(records) }] }],
    });
    const part = res.responses[0].partitionResponses[0];
    assert.equal(part.errorCode, 0);
    assert.equal(Number(part.baseOffset), b * PER_BATCH);
    // The batch just written, from the tail cache (retained for the response, then released).
    const tail = await fetch(b * PER_BATCH, 1 << 20);
    const got = allRecords(tail.responses[0].partitions[0].records as Buffer);
    assert.equal(got.length, PER_BATCH);
    checkValues(got, b * PER_BATCH);
  }
  const after = sharedReadBuffers.stats;
  assert.ok(after.reused - before.reused >= BATCHES / 2, `frames reused: ${after.reused - before.reused}`);
  assert.ok(
    after.allocated - before.allocated <= BATCHES / 2,
    `buffers allocated: ${after.allocated - before.allocated} for ${BATCHES} frames`,
  );
  // Everything, from the segment file and the cache, after the buffers went round the pool.
  let offset = 0;
  while (offset < BATCHES * PER_BATCH) {
    const res = await fetch(offset, 1 << 20);
    const records = allRecords(res.responses[0].partitions[0].records as Buffer);
    assert.ok(records.length > 0, `records at ${offset}`);
    checkValues(records, offset);
    offset = records[records.length - 1].offset + 1;
  }
});

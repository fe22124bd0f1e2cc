// The Fetch data path against an in-process node: a backlog beyond the tail cache is read from the
// segment files into pooled buffers, served by reference, and each buffer goes back to the pool once
// the socket has taken the response (so the next fetch reuses it); consecutive fetches that continue
// where the last ended return every record once, in order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import { sharedReadBuffers } from '../../../src/storage/read-buffers.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';
import { fetchRequest } from '../../helpers/raw-ops.js';
import { allRecords } from '../../helpers/records.js';

let node: BrokerNode;
let client: RawClient;
const BATCHES = 60;
const PER_BATCH = 100;
const VALUE = 'x'.repeat(1000);

before(async () => {
  const started = await startTestNode();
  node = started.node;
  client = await RawClient.connect(started.port);
  const topics = [{ name: 'backlog', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }];
  const r = await client.request(19, 7, { topics, timeoutMs: 5000, validateOnly: false });
  assert.equal(r.topics[0].errorCode, 0);
  // ~6 MB: more than the 4 MiB tail cache, so the first offsets are read from the segment file.
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: PER_BATCH }, (_, i) => ({ value: `${b * PER_BATCH + i}:${VALUE}` }));
    const res = await client.request(0, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'backlog', partitionData: [{ index: 0, records: buildBatch(records) }] }],
    });
    assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
  }
});

after(async () => {
  client.close();
  await node.stop();
});

const fetch = (offset: number, maxBytes: number) =>
  client.request(1, 12, fetchRequest('backlog', offset, maxBytes));

test('a backlog is read in pooled buffers, each returned to the pool once its response is written', async () => {
  const before = sharedReadBuffers.stats;
  const values: string[] = [];
  let offset = 0;
  while (offset < BATCHES * PER_BATCH) {
    const res = await fetch(offset, 512 * 1024);
    const part = res.responses[0].partitions[0];
    assert.equal(part.errorCode, 0);
    const records = allRecords(part.records as Buffer);
    assert.ok(records.length > 0, `records at ${offset}`);
    for (const r of records) if (r.offset >= offset) values.push(String(r.value));
    offset = records[records.length - 1].offset + 1;
  }
  assert.equal(values.length, BATCHES * PER_BATCH);
  for (let i = 0; i < values.length; i++) assert.equal(values[i], `${i}:${VALUE}`);
  const after = sharedReadBuffers.stats;
  assert.ok(
    after.allocated - before.allocated <= 2,
    `buffers allocated: ${after.allocated - before.allocated}`,
  );
  assert.ok(after.reused - before.reused >= 3, `buffers reused: ${after.reused - before.reused}`);
});

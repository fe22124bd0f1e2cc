// Fetched records say which time their timestamp is: CreateTime from the producer, or the
// broker's LogAppendTime when the batch's attributes say so (kafka-console-consumer prints it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FetchedPartition } from '../../src/client/consumer-records.js';
import { buildBatch } from '../../src/protocol/index.js';

function read(data: Buffer) {
  const f = new FetchedPartition('t', 0, data, 0, 0, 10, false, null, true);
  const out = [];
  for (let r = f.next(); r !== null; r = f.next()) out.push(r);
  return out;
}

test('records carry CreateTime, or LogAppendTime with the batch time', () => {
  const created = buildBatch([{ value: 'a', timestamp: 1000 }], { baseOffset: 0 });
  const appended = buildBatch([{ value: 'b', timestamp: 1000 }], {
    baseOffset: 1,
    logAppendTime: true,
    timestampMs: 5000,
  });
  const records = read(Buffer.concat([created, appended]));
  assert.deepEqual(
    records.map((r) => [r.offset, r.timestampType, r.value?.toString()]),
    [
      [0, 'CreateTime', 'a'],
      [1, 'LogAppendTime', 'b'],
    ],
  );
  assert.equal(records[0].timestamp, 1000);
});

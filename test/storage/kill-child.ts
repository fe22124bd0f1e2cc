// Child process of kill.test.ts: appends batches to a log on the real file system and prints the last
// offset of each one whose `written` promise resolved (what an acks=1 producer would be told), until killed.
import { buildBatch } from '../../src/protocol/records/record.js';
import { PartitionLog, RealFileSystem } from '../../src/storage/index.js';

const dir = process.argv[2];
const log = await PartitionLog.open(dir, { segmentBytes: 64 * 1024 }, { fs: new RealFileSystem() });
let i = 0;
for (;;) {
  const batch = buildBatch([{ value: `value-${i}-${'p'.repeat(i % 300)}` }], {
    timestampMs: 1_700_000_000_000 + i,
  });
  i++;
  const res = log.append(batch, { leaderEpoch: 0 });
  if (res.kind !== 'appended') throw new Error(JSON.stringify(res));
  const last = res.lastOffset;
  res.written.then(() => process.stdout.write(`${last}\n`));
  if (i % 8 === 0) await new Promise((r) => setImmediate(r));
}

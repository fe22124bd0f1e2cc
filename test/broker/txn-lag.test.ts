// Consumer lag of a group that commits its offsets in transactions (an exactly-once consumer, which
// reads only committed data) counts to the last stable offset; other groups count to the high
// watermark. Records of a transaction still open are not lag for the first, and are for the second.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerNode } from '../../src/broker/node.js';
import { Admin, Producer } from '../../src/client/index.js';
import { startBroker } from '../../src/embedded/index.js';

test('lag of a transactional group counts to the LSO; of others to the high watermark', async () => {
  const broker = await startBroker({ topics: { in: 1 } });
  const node = (broker as unknown as { node: BrokerNode }).node;
  const writer = new Producer({
    bootstrapServers: broker.bootstrapServers,
    transactionalId: 'writer',
    lingerMs: 1,
  });
  const eos = new Producer({
    bootstrapServers: broker.bootstrapServers,
    transactionalId: 'eos-1',
    lingerMs: 1,
  });
  const admin = new Admin({ bootstrapServers: broker.bootstrapServers });
  try {
    await broker.produce(
      'in',
      ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value, partition: 0 })),
    );
    await writer.initTransactions();
    writer.beginTransaction();
    await writer.sendBatch(['x', 'y', 'z'].map((value) => ({ topic: 'in', partition: 0, value })));
    // offsets 0-4 committed data, 5-7 an open transaction: LSO 5, high watermark 8.
    await admin.alterGroupOffsets('plain', [{ topic: 'in', partition: 0, offset: 5 }]);
    await eos.initTransactions();
    await eos.transaction((tx) =>
      tx.sendOffsets([{ topic: 'in', partition: 0, offset: 5 }], { groupId: 'eos' }),
    );
    const lagOf = async (group: string) => {
      const g = await node.consumerLag.describeGroup(group);
      assert.ok(g, group);
      return {
        isolation: g.isolationLevel,
        lag: g.partitions[0].lag,
        end: g.partitions[0].logEndOffset,
        lso: g.partitions[0].lastStableOffset,
      };
    };
    assert.deepEqual(await lagOf('plain'), { isolation: 'read_uncommitted', lag: 3, end: 8, lso: 5 });
    // The commit is answered before its markers are written: the offsets count once they are.
    for (let i = 0; (await node.consumerLag.describeGroup('eos')) === null && i < 500; i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await lagOf('eos'), { isolation: 'read_committed', lag: 0, end: 5, lso: 5 });
    // The open transaction commits: its records (and its marker) are lag for the EOS group now.
    await writer.commitTransaction();
    for (let i = 0; (await lagOf('eos')).end !== 9 && i < 500; i++)
      await new Promise((r) => setTimeout(r, 5));
    const after = await lagOf('eos');
    assert.deepEqual([after.lag, after.end], [4, 9]);
  } finally {
    await Promise.all([writer.close(), eos.close(), admin.close()]);
    await broker.stop();
  }
});

// A data dir written by the single-node Samsa of before the cluster (test/fixtures/main-single-node:
// meta.properties, a metadata log of plain batches with no quorum-state, a topic with a config override
// and records) starts as a one-voter quorum without reformatting: same cluster id, same topics, configs
// and records; the node writes Kafka's quorum-state next to the log it took over, and starts again.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'main-single-node');

test('a data dir from before the cluster starts as a one-voter quorum, with its topics, configs and records', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-upgrade-'));
  cpSync(FIXTURE, dataDir, { recursive: true });
  try {
    for (let round = 0; round < 2; round++) {
      const broker = await startBrokerProcess({ dataDir });
      try {
        assert.match(broker.logs(), /\(cluster xSveGGTQV2YsbIQwGwcwjg\)/);
        const admin = new Admin({ bootstrapServers: broker.bootstrap });
        try {
          const [topic] = await admin.describeTopics(['legacy']);
          assert.equal(topic.partitions.length, 2);
          const configs = await admin.describeConfigs([{ type: 'topic', name: 'legacy' }]);
          const retention = configs[0].configs.find((c) => c.name === 'retention.ms');
          assert.equal(retention?.value, '86400000');
          await admin.createTopics([{ name: `after-upgrade-${round}`, numPartitions: 1 }]);
        } finally {
          await admin.close();
        }
        const consumer = new Consumer({
          bootstrapServers: broker.bootstrap,
          groupId: `upgrade-${round}`,
          autoOffsetReset: 'earliest',
        });
        try {
          await consumer.subscribe(['legacy']);
          const values: string[] = [];
          for await (const r of consumer) {
            values.push(String(r.value));
            if (values.length === 4) break;
          }
          assert.deepEqual(values.sort(), ['a', 'b', 'c', 'd']);
        } finally {
          await consumer.close();
        }
        const state = JSON.parse(readFileSync(join(dataDir, '__cluster_metadata-0', 'quorum-state'), 'utf8'));
        assert.equal(state.data_version, 0);
        assert.equal(state.leaderId, 1);
        assert.ok(state.leaderEpoch >= 1);
        assert.deepEqual(state.currentVoters, [{ voterId: 1 }]);
      } finally {
        assert.equal(await broker.stop(), 0);
      }
    }
  } finally {
    removeDataDir(dataDir);
  }
});

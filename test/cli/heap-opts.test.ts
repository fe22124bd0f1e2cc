// The start scripts size the JavaScript heap as Kafka's size the JVM's (KAFKA_HEAP_OPTS): bin/samsa and
// bin/kafka-server-start.sh run node with SAMSA_HEAP_OPTS, by default --initial-heap-size=64 (with
// V8's small initial heap a broker under load ran several full collections a second), and an empty
// SAMSA_HEAP_OPTS leaves V8's defaults.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';

/** The node flags of `bin/samsa server start` as the running process has them (from /proc). */
async function startFlags(env: NodeJS.ProcessEnv): Promise<string[]> {
  const broker = await startBrokerProcess({ viaScript: true, env });
  try {
    const argv = readFileSync(`/proc/${broker.child.pid}/cmdline`, 'utf8').split('\0');
    return argv.slice(
      1,
      argv.findIndex((a) => a.endsWith('samsa.mjs')),
    );
  } finally {
    await broker.kill();
    removeDataDir(broker.dataDir);
  }
}

test('bin/samsa starts node with SAMSA_HEAP_OPTS (default --initial-heap-size=64)', {
  skip: existsSync('/proc/self/cmdline') ? false : 'needs /proc',
}, async () => {
  assert.deepEqual(await startFlags({ SAMSA_HEAP_OPTS: undefined }), ['--initial-heap-size=64']);
  assert.deepEqual(await startFlags({ SAMSA_HEAP_OPTS: '' }), []);
  assert.deepEqual(await startFlags({ SAMSA_HEAP_OPTS: '--initial-heap-size=32 --max-old-space-size=512' }), [
    '--initial-heap-size=32',
    '--max-old-space-size=512',
  ]);
});

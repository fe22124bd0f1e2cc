// The consume-transform-produce example of README.md's "Transactions" section, run as written: the
// code block is taken from the README, pointed at a broker process and run by Node; then every order
// is enriched exactly once and the group's offsets stand at the end of the input.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBrokerProcess();
});
after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** The first ```ts block after the heading. */
function exampleAfter(heading: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README.md has no '${heading}' section`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `no ts code block after '${heading}'`);
  return m[1];
}

test('the README transactions example works as written', { timeout: 60_000 }, async () => {
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.createTopics([
    { name: 'orders', numPartitions: 3 },
    { name: 'orders-enriched', numPartitions: 3 },
  ]);
  await admin.close();
  const input = new Producer({ bootstrapServers: broker.bootstrap });
  await input.sendBatch(
    Array.from({ length: 60 }, (_, i) => ({ topic: 'orders', key: `k${i}`, value: `order-${i}` })),
  );
  await input.close();

  const code = exampleAfter('### Transactions')
    .replaceAll("'localhost:9092'", `'${broker.bootstrap}'`)
    .replace("from 'samsa'", `from '${pathToFileURL(join(repoRoot, 'dist', 'src', 'index.js')).href}'`);
  assert.ok(!code.includes('localhost:9092'), 'every address was pointed at the test broker');
  const dir = mkdtempSync(join(tmpdir(), 'samsa-readme-'));
  try {
    // The block is plain JavaScript apart from its fence: Node runs it as a module.
    writeFileSync(join(dir, 'example.mjs'), code);
    const r = await run(process.execPath, [join(dir, 'example.mjs')], { timeoutMs: 45_000 });
    assert.equal(r.code, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const reader = new Consumer({
    bootstrapServers: broker.bootstrap,
    isolationLevel: 'read_committed',
    fetchMaxWaitMs: 50,
  });
  reader.assign([0, 1, 2].map((partition) => ({ topic: 'orders-enriched', partition, offset: 0 })));
  const seen: string[] = [];
  for (let polls = 0; seen.length < 60 && polls < 100; polls++)
    for (const rec of await reader.poll(100)) seen.push(String(rec.value));
  await reader.close();
  assert.deepEqual(seen.sort(), Array.from({ length: 60 }, (_, i) => `order-${i} (enriched)`).sort());

  const check = new Admin({ bootstrapServers: broker.bootstrap });
  const committed = await check.listGroupOffsets('enricher');
  const ends = await check.listOffsets(
    [0, 1, 2].map((partition) => ({ topic: 'orders', partition, at: 'latest' as const })),
  );
  await check.close();
  assert.deepEqual(
    committed.map((o) => [o.partition, o.offset]).sort(),
    ends.map((o, partition) => [partition, o.offset]).sort(),
  );
});

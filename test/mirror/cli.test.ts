// The mirror's commands as a user types them: `samsa mirror --from A=... --to B=... --topics` copies
// the matching topics and nothing else, `samsa mirror status` reads it, SIGTERM stops it cleanly; bad
// input is one readable line and exit code 1.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, Producer } from '../../src/client/index.js';
import { decodeHeartbeat } from '../../src/mirror/formats.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';
import { freePort, readAll, waitFor } from './mirror-process.js';

const SAMSA = join(repoRoot, 'dist', 'bin', 'samsa.mjs');
const MM2 = join(repoRoot, 'dist', 'bin', 'connect-mirror-maker.mjs');

let a: BrokerProcess;
let b: BrokerProcess;
let adminB: Admin;

function run(bin: string, args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
}

before(async () => {
  [a, b] = await Promise.all([startBrokerProcess(), startBrokerProcess()]);
  adminB = new Admin({ 'bootstrap.servers': b.bootstrap, 'allow.auto.create.topics': false });
});

after(async () => {
  await adminB?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  for (const x of [a, b]) if (x) removeDataDir(x.dataDir);
});

test('samsa mirror copies the topics it is asked for; samsa mirror status shows them; SIGTERM exits 0', async () => {
  const adminA = new Admin({ 'bootstrap.servers': a.bootstrap });
  await adminA.createTopics([
    { name: 'orders.eu', numPartitions: 2 },
    { name: 'payments', numPartitions: 1 },
  ]);
  await adminA.close();
  const producer = new Producer({ 'bootstrap.servers': a.bootstrap });
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      producer.send({ topic: i % 2 ? 'orders.eu' : 'payments', key: `k${i}`, value: `v${i}` }),
    ),
  );
  await producer.close();
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [
    SAMSA,
    'mirror',
    '--from',
    `A=${a.bootstrap}`,
    '--to',
    `B=${b.bootstrap}`,
    '--topics',
    'orders.*',
    '--replication-factor',
    '1',
    '--metrics-port',
    String(port),
    '--metrics-host',
    '127.0.0.1',
    '-X',
    'B.offset.flush.interval.ms=500',
  ]);
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(
      () => `the mirror to be ready:\n${out}`,
      60_000,
      async () => (out.includes('Samsa mirror ready: A->B') ? true : undefined),
    );
    const records = await waitFor('A.orders.eu on B', 60_000, async () => {
      const topics = await adminB.listTopics();
      if (!topics.includes('A.orders.eu')) return undefined;
      const ends = await adminB.listOffsets(
        [0, 1].map((partition) => ({ topic: 'A.orders.eu', partition, at: 'latest' as const })),
      );
      const total = ends.reduce((s, o) => s + o.offset, 0);
      return total === 100 ? ends : undefined;
    });
    const copied = await readAll(
      b.bootstrap,
      records.map((o) => ({ topic: o.topic, partition: o.partition, end: o.offset })),
    );
    assert.equal([...copied.values()].flat().length, 100);
    const topics = await adminB.listTopics();
    assert.ok(!topics.includes('A.payments'), 'a topic outside --topics is not mirrored');
    assert.ok(
      topics.includes('heartbeats') && !topics.includes('A.heartbeats'),
      `heartbeats into B only: ${topics}`,
    );
    const [hbEnd] = await adminB.listOffsets([{ topic: 'heartbeats', partition: 0, at: 'latest' }]);
    const [hb] =
      (await readAll(b.bootstrap, [{ topic: 'heartbeats', partition: 0, end: hbEnd.offset }])).get(
        'heartbeats/0',
      ) ?? [];
    assert.deepEqual(
      { ...decodeHeartbeat(hb.key, hb.value), timestamp: 0 },
      { sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 0 },
    );

    const status = await waitFor('samsa mirror status with no lag', 30_000, async () => {
      const r = run(SAMSA, ['mirror', 'status', '--url', `http://127.0.0.1:${port}`]);
      return r.status === 0 && /^orders\.eu\s+0\s+A\.orders\.eu\s+\d+\s+\d+\s+0\s/m.test(r.stdout)
        ? r.stdout
        : undefined;
    });
    assert.match(status, /^A->B\s+running\s+1\s+2\s+0\s/m);
    const json = JSON.parse(run(SAMSA, ['mirror', 'status', '--url', `127.0.0.1:${port}`, '--json']).stdout);
    assert.equal(json.flows[0].partitions.length, 2);
    assert.equal(
      json.flows[0].partitions.reduce((s: number, p: { records: number }) => s + p.records, 0),
      100,
    );
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  }
  assert.match(out, /Samsa mirror stopping \(SIGTERM\)/);
});

test('bad input: one readable line on stderr and exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-mm2-'));
  try {
    const noFrom = run(SAMSA, ['mirror', '--to', 'localhost:9092']);
    assert.equal(noFrom.status, 1);
    assert.match(noFrom.stderr, /--from is required/);
    const same = run(SAMSA, ['mirror', '--from', 'A=localhost:1', '--to', 'A=localhost:2']);
    assert.match(same.stderr, /different aliases/);
    const file = join(dir, 'mm2.properties');
    writeFileSync(file, 'clusters = A, B\nA.bootstrap.servers = localhost:1\nA->B.enabled = yes\n');
    const bad = run(MM2, [file]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /B\.bootstrap\.servers: required/);
    assert.equal(run(MM2, [join(dir, 'missing.properties')]).status, 1);
    assert.match(run(MM2, []).stderr, /too few arguments/);
    const help = run(MM2, ['--help']);
    assert.equal(help.status, 0);
    assert.match(
      help.stdout,
      /^usage: connect-mirror-maker \[-h\] \[--clusters CLUSTER \[CLUSTER \.\.\.\]\] mm2\.properties/,
    );
    assert.equal(run(SAMSA, ['mirror', 'status', '--url', 'http://127.0.0.1:1']).status, 1);
    assert.match(
      run(SAMSA, ['mirror', 'status', '--url', 'http://127.0.0.1:1']).stderr,
      /no mirror answers at/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// kafka-log-dirs.sh and kafka-reassign-partitions.sh as a user runs them against a broker process with
// two log dirs: Kafka's JSON and lines, a replica moved between the dirs with --execute and
// --verify, the records intact after a restart. The multi-broker reassignment is in test/cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { needs, run } from '../helpers/tools.js';
import { tool } from './cli-helpers.js';

let broker: BrokerProcess;
let root: string;
let dirA: string;
let dirB: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'samsa-jbod-'));
  dirA = join(root, 'a');
  dirB = join(root, 'b');
  broker = await startBrokerProcess({ dataDir: `${dirA},${dirB}` });
  const created = await tool('kafka-topics.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--create',
    '--topic',
    'moving',
    '--partitions',
    '2',
  ]);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await broker?.stop();
  removeDataDir(root);
});

interface LogDirsJson {
  version: number;
  brokers: {
    broker: number;
    logDirs: {
      logDir: string;
      error: string | null;
      partitions: { partition: string; size: number; offsetLag: number; isFuture: boolean }[];
    }[];
  }[];
}

async function logDirs(): Promise<LogDirsJson> {
  const r = await tool('kafka-log-dirs.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--describe',
    '--topic-list',
    'moving',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'Querying brokers for log directories information');
  assert.equal(lines[1], 'Received log directory information from brokers 1');
  return JSON.parse(lines[2]) as LogDirsJson;
}

function dirOf(json: LogDirsJson, partition: string): string | undefined {
  return json.brokers[0].logDirs.find((d) =>
    d.partitions.some((p) => p.partition === partition && !p.isFuture),
  )?.logDir;
}

test('kafka-log-dirs.sh --describe prints every log dir of the broker and where each replica is', async () => {
  const json = await logDirs();
  assert.equal(json.version, 1);
  assert.deepEqual(json.brokers[0].logDirs.map((d) => d.logDir).sort(), [dirA, dirB].sort());
  assert.ok(dirOf(json, 'moving-0') && dirOf(json, 'moving-1'));
  assert.notEqual(dirOf(json, 'moving-0'), dirOf(json, 'moving-1'), 'two partitions, two dirs');
  const bad = await tool('kafka-log-dirs.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--describe',
    '--broker-list',
    '7',
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /The given brokers do not exist from --broker-list: 7\. Current existent brokers: 1/,
  );
});

test('kafka-reassign-partitions.sh moves a replica to the other log dir; --verify reports it done; the records survive a restart', async (t) => {
  if (!needs(t, 'kcat')) return;
  const records = Array.from({ length: 50 }, (_, i) => `record-${i}`).join('\n');
  const produced = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'moving', '-p', '0'], {
    input: `${records}\n`,
  });
  assert.equal(produced.code, 0, produced.stderr);
  const from = dirOf(await logDirs(), 'moving-0');
  const to = from === dirA ? dirB : dirA;
  const file = join(root, 'reassign.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      partitions: [{ topic: 'moving', partition: 0, replicas: [1], log_dirs: [to] }],
    }),
  );
  const exec = await tool('kafka-reassign-partitions.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--execute',
    '--reassignment-json-file',
    file,
  ]);
  assert.equal(exec.code, 0, exec.stderr);
  assert.match(
    exec.stdout,
    /^Current partition replica assignment\n\n\{"version":1,"partitions":\[\{"topic":"moving","partition":0,"replicas":\[1\],"log_dirs":\["any"\]\}\]\}\n\nSave this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignment for moving-0\n/,
  );
  assert.match(
    exec.stdout,
    new RegExp(`Successfully started moving log directory to ${to} for replica moving-0 with broker 1`),
  );
  const deadline = Date.now() + 15_000;
  let verify = '';
  while (Date.now() < deadline) {
    const v = await tool('kafka-reassign-partitions.sh', [
      '--bootstrap-server',
      broker.bootstrap,
      '--verify',
      '--reassignment-json-file',
      file,
    ]);
    assert.equal(v.code, 0, v.stderr);
    verify = v.stdout;
    if (verify.includes('completed successfully')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(
    verify,
    'Status of partition reassignment:\nReassignment of partition moving-0 is completed.\nReassignment of replica moving-0-1 completed successfully.\nClearing broker-level throttles on broker 1\nClearing topic-level throttles on topic moving\n',
  );
  assert.equal(dirOf(await logDirs(), 'moving-0'), to);
  const list = await tool('kafka-reassign-partitions.sh', ['--bootstrap-server', broker.bootstrap, '--list']);
  assert.equal(list.stdout, 'No partition reassignments found.\n');
  await broker.stop();
  broker = await startBrokerProcess({ dataDir: `${dirA},${dirB}` });
  assert.equal(dirOf(await logDirs(), 'moving-0'), to);
  const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'moving', '-p', '0', '-e', '-q']);
  assert.equal(consumed.stdout, `${records}\n`);
});

test('kafka-reassign-partitions.sh refuses bad input with one clear line', async () => {
  const file = join(root, 'bad.json');
  writeFileSync(file, '{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[1,1]}]}');
  const dup = await tool('kafka-reassign-partitions.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--execute',
    '--reassignment-json-file',
    file,
  ]);
  assert.notEqual(dup.code, 0);
  assert.match(
    dup.stderr,
    /Partition replica lists may not contain duplicate entries: moving-0 contains multiple entries for 1/,
  );
  writeFileSync(file, '{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[9]}]}');
  const unknown = await tool('kafka-reassign-partitions.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--execute',
    '--reassignment-json-file',
    file,
  ]);
  assert.match(unknown.stderr, /Unknown broker id 9/);
  const both = await tool('kafka-reassign-partitions.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--verify',
    '--throttle',
    '10',
    '--reassignment-json-file',
    file,
  ]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /Option "\[throttle\]" can't be used with action "\[verify\]"/);
  writeFileSync(file, 'not json');
  const notJson = await tool('kafka-reassign-partitions.sh', [
    '--bootstrap-server',
    broker.bootstrap,
    '--verify',
    '--reassignment-json-file',
    file,
  ]);
  assert.match(notJson.stderr, /The input string is not a valid JSON/);
});

// The `samsa` command against a broker: topics, produce and consume with the offset syntax,
// groups, configs, cluster info, --json, SAMSA_BROKERS, and help with examples everywhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { samsa as run } from './cli-helpers.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await startBrokerProcess({ args: ['--host', 'localhost'] });
  bs = `localhost:${broker.port}`;
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

async function samsa(args: string[], input?: string) {
  const r = await run([...args, '-b', bs], { input });
  assert.equal(r.code, 0, `samsa ${args.join(' ')}\n${r.stderr}`);
  return r;
}

test('topic create, list, describe, alter and delete', async () => {
  const created = await samsa([
    'topic',
    'create',
    'orders',
    'audit',
    '-p',
    '3',
    '-c',
    'retention.ms=3600000',
  ]);
  assert.equal(created.stdout, 'TOPIC   STATUS\norders  OK\naudit   OK\n');
  const listed = await samsa(['topic', 'list']);
  assert.match(listed.stdout, /^NAME {4}PARTITIONS {2}REPLICAS\naudit {3}3 {11}1\norders {2}3 {11}1\n$/);
  await samsa(['topic', 'alter', 'orders', '-p', '4', '--set', 'cleanup.policy=compact']);
  const described = await samsa(['topic', 'describe', 'orders']);
  assert.match(
    described.stdout,
    /^SUMMARY\nNAME {8}orders\nID {10}[\w-]{22}\nPARTITIONS {2}4\nREPLICAS {4}1\nINTERNAL {4}false\n\nCONFIGS\nKEY +VALUE +SOURCE\n/,
  );
  assert.match(described.stdout, /\ncleanup\.policy +compact +dynamic-topic\n/);
  assert.match(described.stdout, /\nretention\.ms +3600000 +dynamic-topic\n/);
  assert.match(
    described.stdout,
    /\nPARTITIONS\nPARTITION {2}LEADER {2}EPOCH {2}REPLICAS {2}ISR {2}LOG-START-OFFSET {2}HIGH-WATERMARK\n0 +1 +\d+ +1 +1 +0 +0\n/,
  );
  const json = JSON.parse((await samsa(['topic', 'describe', 'orders', '--json'])).stdout);
  assert.equal(json[0].partitions.length, 4);
  const deleted = await samsa(['topic', 'delete', 'audit']);
  assert.equal(deleted.stdout, 'TOPIC  STATUS\naudit  OK\n');
});

test('produce, then consume from the start by default and with every offset form', async () => {
  await samsa(['topic', 'create', 'events', '-p', '1']);
  const before = Date.now();
  const produced = await samsa(['produce', 'events', 'e0', 'e1', 'e2']);
  assert.match(produced.stdout, /^Produced to partition 0 at offset 0 with timestamp \d+\.\n/);
  await samsa(['produce', 'events', '-K', '=', '-H', 'src:test', '-q'], 'k3=e3\nk4=e4\n');
  const consume = async (...args: string[]) => (await samsa(['consume', 'events', ...args])).stdout;
  assert.equal(await consume('-n', '5'), 'e0\ne1\ne2\ne3\ne4\n');
  assert.equal(await consume('-o', 'start:end'), 'e0\ne1\ne2\ne3\ne4\n');
  assert.equal(await consume('-o', '2:4'), 'e2\ne3\n');
  assert.equal(await consume('-o', '+3:end'), 'e3\ne4\n');
  assert.equal(await consume('-o', '-2:end'), 'e3\ne4\n');
  assert.equal(await consume('-o', 'end:end'), '');
  assert.equal(await consume('-o', `@${before - 60_000}:end`), 'e0\ne1\ne2\ne3\ne4\n');
  assert.equal(await consume('-o', '@-1h:end', '-n', '1'), 'e0\n');
  assert.equal(await consume('-o', `@${new Date(before + 3_600_000).toISOString()}:end`), '');
  assert.equal(await consume('-o', '-1:end', '-f', '%p/%o %k=%v %h\\n'), '0/4 k4=e4 src=test\n');
  const line = JSON.parse(await consume('-o', '-1:end', '--json'));
  assert.deepEqual(
    { ...line, timestamp: 0 },
    {
      topic: 'events',
      partition: 0,
      offset: 4,
      timestamp: 0,
      timestampType: 'CreateTime',
      key: 'k4',
      value: 'e4',
      headers: [{ key: 'src', value: 'test' }],
    },
  );
});

test('consume in a group commits, then group describe, reset and delete', async () => {
  await samsa(['topic', 'create', 'jobs', '-p', '2']);
  await samsa(['produce', 'jobs', '-k', 'same', 'j0', 'j1', 'j2', 'j3']);
  assert.equal((await samsa(['consume', 'jobs', '-g', 'workers', '-n', '3'])).stdout, 'j0\nj1\nj2\n');
  const described = await samsa(['group', 'describe', 'workers']);
  assert.match(
    described.stdout,
    /^GROUP {12}workers\nCOORDINATOR {6}1 \(localhost:\d+\)\nSTATE {12}Empty\nPROTOCOL {9}-\nMEMBERS {10}0\nTOTAL-LAG {8}1\nMAX-LAG-SECONDS {2}\d+\.\d\n\n/,
  );
  // The one record not read (j3) was produced moments ago: its age is the partition's lag in seconds.
  const row = /\njobs +\d +3 +0 +4 +1 +(\d+\.\d) +- +- +-\n$/.exec(described.stdout);
  assert.ok(row, described.stdout);
  assert.ok(Number(row[1]) < 60, `lag of ${row[1]} s`);
  const reset = await samsa(['group', 'reset', 'workers', '--to', 'start']);
  assert.match(reset.stdout, /^TOPIC +PARTITION +OLD-OFFSET +NEW-OFFSET\njobs +\d +3 +0\n$/);
  assert.equal((await samsa(['consume', 'jobs', '-g', 'workers', '-n', '4'])).stdout, 'j0\nj1\nj2\nj3\n');
  const shifted = await samsa(['group', 'reset', 'workers', '--shift', '-1', '--dry-run', '--json']);
  assert.equal(JSON.parse(shifted.stdout).partitions[0].offset, 3);
  const listed = await samsa(['group', 'list']);
  assert.match(listed.stdout, /\nworkers +Empty +Classic +consumer\n/);
  assert.equal((await samsa(['group', 'delete', 'workers'])).stdout, 'GROUP    STATUS\nworkers  OK\n');
  const gone = await run(['group', 'describe', 'workers', '-b', bs]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /group 'workers' does not exist/);
});

test('config get and set, cluster info, SAMSA_BROKERS', async () => {
  await samsa(['topic', 'create', 'conf']);
  const set = await samsa(['config', 'set', '--topic', 'conf', 'retention.ms=60000', 'segment.ms=600000']);
  assert.equal(
    set.stdout,
    'KEY           VALUE   STATUS\nretention.ms  60000   OK\nsegment.ms    600000  OK\n',
  );
  const got = await samsa(['config', 'get', '--topic', 'conf', 'retention.ms', 'cleanup.policy']);
  assert.equal(
    got.stdout,
    'KEY             VALUE   SOURCE\ncleanup.policy  delete  default\nretention.ms    60000   dynamic-topic\n',
  );
  await samsa(['config', 'set', '--topic', 'conf', '--delete', 'segment.ms']);
  const overrides = JSON.parse((await samsa(['config', 'get', '--topic', 'conf', '-o', '--json'])).stdout);
  assert.deepEqual(
    overrides.map((c: { name: string }) => c.name),
    ['retention.ms'],
  );
  const viaEnv = await run(['cluster', 'info'], { env: { SAMSA_BROKERS: bs } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(
    viaEnv.stdout,
    /^CLUSTER {5}[\w-]{22}\nCONTROLLER {2}1\nTOPICS {6}\d+ \(\+\d+ internal\), \d+ partitions\n\nBROKERS\nID {2}HOST {7}PORT +RACK\n1\* +localhost +\d+ +-\n\nQUORUM \(leader 1, epoch \d+, high watermark \d+\)\nID {2}ROLE {4}LOG END {2}LAG\n1 {3}leader {2}\d+ +0\n$/,
  );
  const info = JSON.parse((await samsa(['cluster', 'info', '--json'])).stdout);
  assert.equal(info.brokers[0].port, broker.port);
});

test('every subcommand has help with examples', async () => {
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  const subcommands = [...top.stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]);
  assert.ok(subcommands.length >= 15, top.stdout);
  await Promise.all(
    subcommands.map(async (sub) => {
      const r = await run([...sub.split(' '), '--help']);
      assert.equal(r.code, 0, `${sub}: ${r.stderr}`);
      assert.match(r.stdout, /Examples:\n {2}samsa /, sub);
    }),
  );
});

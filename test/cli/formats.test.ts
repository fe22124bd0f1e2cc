// Output of the kafka-*.sh tools compared with the formats of Kafka's own tools, as their sources
// print them: TopicCommand's tab-separated describe lines, ConsumerGroupCommand's padded columns,
// ConfigCommand's config lines, GetOffsetShell, DeleteRecordsCommand, the console consumer's
// DefaultMessageFormatter, BrokerApiVersionsCommand, DumpLogSegments and the perf tools.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { start, tool } from './cli-helpers.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await startBrokerProcess({ args: ['--host', 'localhost'] });
  bs = `localhost:${broker.port}`;
  const created = await tool('kafka-topics.sh', [
    '--bootstrap-server',
    bs,
    '--create',
    '--topic',
    'fmt',
    '--partitions',
    '2',
    '--config',
    'retention.ms=86400000',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const produced = await tool(
    'kafka-console-producer.sh',
    [
      '--bootstrap-server',
      bs,
      '--topic',
      'fmt',
      '--property',
      'parse.key=true',
      '--property',
      'parse.headers=true',
    ],
    { input: 'h1:v1,h2:v2\tk1\tone\nh1:v1\tk1\ttwo\n' },
  );
  assert.equal(produced.code, 0, produced.stderr);
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

const topics = (...args: string[]) => tool('kafka-topics.sh', ['--bootstrap-server', bs, ...args]);
const groups = (...args: string[]) => tool('kafka-consumer-groups.sh', ['--bootstrap-server', bs, ...args]);

test('kafka-topics.sh --describe: a tab-separated topic line, then one line per partition', async () => {
  const r = await topics('--describe', '--topic', 'fmt');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(
    lines[0],
    /^Topic: fmt\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention\.ms=86400000$/,
  );
  assert.equal(
    lines[1],
    '\tTopic: fmt\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A',
  );
  assert.equal(
    lines[2],
    '\tTopic: fmt\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A',
  );
  assert.equal(lines.length, 4);
  const healthy = await topics('--describe', '--under-replicated-partitions');
  assert.equal(healthy.stdout, '', 'no under-replicated partition, and no topic lines with a report option');
  const overrides = await topics('--describe', '--topics-with-overrides');
  assert.match(overrides.stdout, /^Topic: fmt\t.*\tConfigs: retention\.ms=86400000\n$/);
});

test("kafka-consumer-groups.sh --describe: Kafka's padded columns, offsets view", async () => {
  const consumed = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--topic',
    'fmt',
    '--group',
    'fmt-group',
    '--from-beginning',
    '--max-messages',
    '2',
  ]);
  assert.equal(consumed.code, 0, consumed.stderr);
  const r = await groups('--describe', '--group', 'fmt-group');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\nConsumer group 'fmt-group' has no active members\./);
  const pad = (s: string, n: number) => s.padEnd(n);
  const header = `${pad('GROUP', 15)} ${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('CURRENT-OFFSET', 15)} ${pad('LOG-END-OFFSET', 15)} ${pad('LAG', 15)} ${pad('CONSUMER-ID', 15)} ${pad('HOST', 15)} CLIENT-ID`;
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '', 'a blank line before the header');
  assert.equal(lines[1], header);
  const row = lines.slice(2).find((l) => l.startsWith('fmt-group'));
  assert.ok(row, r.stdout);
  assert.match(row, /^fmt-group {7}fmt {13}\d {10}2 {15}2 {15}0 {15}- {15}- {15}-$/);
  assert.equal(r.stdout.endsWith(`${row}\n`), true);
});

test('kafka-consumer-groups.sh --describe --members --verbose and --state while a consumer runs', async () => {
  const c = start('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--topic',
    'fmt',
    '--group',
    'live',
    '--from-beginning',
  ]);
  try {
    await c.waitFor(/(.*\n){2}/);
    const members = await groups('--describe', '--group', 'live', '--members', '--verbose');
    assert.equal(members.code, 0, members.stderr);
    const [blank, header, row] = members.stdout.split('\n');
    assert.equal(blank, '');
    const id = row.split(/\s+/)[1];
    assert.match(id, /^console-consumer-[0-9a-f-]{36}$/);
    const w = id.length;
    assert.equal(
      header,
      `${'GROUP'.padEnd(15)} ${'CONSUMER-ID'.padEnd(w)} ${'HOST'.padEnd(15)} ${'CLIENT-ID'.padEnd(16)} ${'#PARTITIONS'.padEnd(15)} ASSIGNMENT`,
    );
    assert.equal(
      row,
      `${'live'.padEnd(15)} ${id} ${'/127.0.0.1'.padEnd(15)} console-consumer ${'2'.padEnd(15)} fmt(0,1)`,
    );
    const state = await groups('--describe', '--group', 'live', '--state');
    const coordinator = `localhost:${broker.port}  (1)`;
    const width = Math.max(25, coordinator.length);
    assert.equal(
      state.stdout,
      `\n${'GROUP'.padEnd(width)} ${'COORDINATOR (ID)'.padEnd(25)} ${'ASSIGNMENT-STRATEGY'.padEnd(20)} ${'STATE'.padEnd(15)} #MEMBERS\n` +
        `${'live'.padEnd(width)} ${coordinator.padEnd(25)} ${'range'.padEnd(20)} ${'Stable'.padEnd(15)} 1\n`,
    );
    const listed = await groups('--list', '--state');
    assert.match(listed.stdout, new RegExp(`^${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n`));
    assert.match(listed.stdout, new RegExp(`\n${'live'.padEnd(25)} ${'Stable'.padEnd(20)}\n`));
  } finally {
    c.child.kill('SIGTERM');
    await c.exited;
  }
});

test('kafka-consumer-groups.sh --reset-offsets prints GROUP TOPIC PARTITION NEW-OFFSET', async () => {
  const r = await groups(
    '--reset-offsets',
    '--group',
    'fmt-group',
    '--topic',
    'fmt:0,1',
    '--to-earliest',
    '--execute',
  );
  assert.equal(r.code, 0, r.stderr);
  const line = (c: string[]) => `${c[0].padEnd(30)} ${c[1].padEnd(30)} ${c[2].padEnd(10)} ${c[3].padEnd(15)}`;
  assert.equal(
    r.stdout,
    `\n${line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'])}\n${line(['fmt-group', 'fmt', '0', '0'])}\n${line(['fmt-group', 'fmt', '1', '0'])}\n`,
  );
  const dry = await groups('--reset-offsets', '--group', 'fmt-group', '--all-topics', '--to-latest');
  assert.match(dry.stderr, /^WARN: No action will be performed as the --execute option is missing/);
  const exported = await groups(
    '--reset-offsets',
    '--group',
    'fmt-group',
    '--all-topics',
    '--shift-by',
    '1',
    '--dry-run',
    '--export',
  );
  assert.match(exported.stdout, /^fmt,0,[01]\nfmt,1,[01]\n$/, 'shifted by one, held within each log');
  assert.match(
    exported.stderr,
    /WARN: New offset \(1\) is higher than latest offset for topic partition fmt-\d\. Value will be set to 0/,
  );
});

test("kafka-configs.sh --describe and --alter print Kafka's lines", async () => {
  const configs = (...a: string[]) => tool('kafka-configs.sh', ['--bootstrap-server', bs, ...a]);
  const before = await configs('--describe', '--entity-type', 'topics', '--entity-name', 'fmt');
  assert.equal(before.code, 0, before.stderr);
  const lines = before.stdout.split('\n');
  assert.equal(lines[0], 'Dynamic configs for topic fmt are:');
  assert.match(
    lines[1],
    /^ {2}retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000(, [A-Z_]+:[a-z.]+=\d+)*\}$/,
  );
  const altered = await configs(
    '--alter',
    '--topic',
    'fmt',
    '--add-config',
    'cleanup.policy=[compact,delete],max.message.bytes=2000',
  );
  assert.equal(altered.stdout, 'Completed updating config for topic fmt.\n');
  const removed = await configs('--alter', '--topic', 'fmt', '--delete-config', 'max.message.bytes');
  assert.equal(removed.code, 0, removed.stderr);
  const after = await configs('--describe', '--topic', 'fmt');
  assert.match(
    after.stdout,
    /\n {2}cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact,delete/,
  );
  assert.doesNotMatch(after.stdout, /max\.message\.bytes/);
  const defaults = await configs(
    '--alter',
    '--entity-type',
    'brokers',
    '--entity-default',
    '--add-config',
    'log.retention.ms=604800000',
  );
  assert.equal(defaults.stdout, 'Completed updating default config for brokers in the cluster.\n');
  const shown = await configs('--describe', '--broker-defaults');
  assert.match(
    shown.stdout,
    /^Default configs for brokers in the cluster are:\n {2}log\.retention\.ms=604800000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=604800000/,
  );
});

test('kafka-get-offsets.sh and kafka-delete-records.sh', async () => {
  const offsets = await tool('kafka-get-offsets.sh', ['--bootstrap-server', bs, '--topic', 'fmt']);
  assert.equal(offsets.code, 0, offsets.stderr);
  const ends = offsets.stdout.trim().split('\n');
  assert.deepEqual(
    ends.map((l) => l.replace(/\d+$/, 'N')),
    ['fmt:0:N', 'fmt:1:N'],
  );
  const total = ends.reduce((n, l) => n + Number(l.split(':')[2]), 0);
  assert.equal(total, 2);
  const [full] = ends.filter((l) => !l.endsWith(':0'));
  const partition = full.split(':')[1];
  const file = join(broker.dataDir, 'delete.json');
  writeFileSync(
    file,
    JSON.stringify({ partitions: [{ topic: 'fmt', partition: Number(partition), offset: 1 }], version: 1 }),
  );
  const deleted = await tool('kafka-delete-records.sh', [
    '--bootstrap-server',
    bs,
    '--offset-json-file',
    file,
  ]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(
    deleted.stdout,
    `Executing records delete operation\nRecords delete operation completed:\npartition: fmt-${partition}\tlow_watermark: 1\n`,
  );
  const earliest = await tool('kafka-get-offsets.sh', [
    '--bootstrap-server',
    bs,
    '--topic-partitions',
    `fmt:${partition}`,
    '--time',
    '-2',
  ]);
  assert.equal(earliest.stdout, `fmt:${partition}:1\n`);
});

test("kafka-console-consumer.sh prints every field Kafka's formatter knows, in its order", async () => {
  const r = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--topic',
    'fmt',
    '--from-beginning',
    '--max-messages',
    '1',
    '--property',
    'print.timestamp=true',
    '--property',
    'print.partition=true',
    '--property',
    'print.offset=true',
    '--property',
    'print.headers=true',
    '--property',
    'print.key=true',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CreateTime:\d{13}\tPartition:\d\tOffset:1\th1:v1\tk1\ttwo\n$/);
  assert.equal(r.stderr, 'Processed a total of 1 messages\n');
  const sep = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--include',
    'f.t',
    '--from-beginning',
    '--max-messages',
    '1',
    '--property',
    'print.key=true',
    '--property',
    'key.separator=|',
    '--property',
    'print.value=false',
  ]);
  assert.equal(sep.stdout, 'k1\n');
});

test('kafka-broker-api-versions.sh: one block per broker', async () => {
  const r = await tool('kafka-broker-api-versions.sh', ['--bootstrap-server', bs]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `localhost:${broker.port} (id: 1 rack: null) -> (`);
  assert.match(lines[1], /^\tProduce\(0\): 0 to 12 \[usable: 12\],$/);
  assert.ok(lines.some((l) => /^\tApiVersions\(18\): 0 to \d \[usable: \d\],$/.test(l)));
  assert.ok(lines.some((l) => /^\t\w+\(\d+\): UNSUPPORTED,?$/.test(l)));
  assert.equal(lines.at(-1), ')');
});

test('kafka-dump-log.sh prints the batches and records of a segment offline', async () => {
  const r = await tool('kafka-dump-log.sh', [
    '--files',
    join(broker.dataDir, 'fmt-0', '00000000000000000000.log'),
    '--print-data-log',
  ]);
  const r1 = await tool('kafka-dump-log.sh', [
    '--files',
    join(broker.dataDir, 'fmt-1', '00000000000000000000.log'),
    '--print-data-log',
  ]);
  const out = `${r.stdout}${r1.stdout}`;
  assert.equal(r.code, 0, r.stderr);
  assert.match(out, /^Dumping \S+fmt-0\/00000000000000000000\.log\nLog starting offset: 0\n/);
  assert.match(
    out,
    /\nbaseOffset: 0 lastOffset: 1 count: 2 baseSequence: 0 lastSequence: 1 producerId: \d+ producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: 0 CreateTime: \d{13} size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true\n/,
  );
  assert.match(
    out,
    /\n\| offset: 0 CreateTime: \d{13} keySize: 2 valueSize: 3 sequence: 0 headerKeys: \[h1,h2\] key: k1 payload: one\n/,
  );
  assert.match(
    out,
    /\n\| offset: 1 CreateTime: \d{13} keySize: 2 valueSize: 3 sequence: 1 headerKeys: \[h1\] key: k1 payload: two\n/,
  );
});

test("perf tools print Kafka's summary lines", async () => {
  const p = await tool('kafka-producer-perf-test.sh', [
    '--topic',
    'perf',
    '--num-records',
    '2000',
    '--record-size',
    '100',
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${bs}`,
    'acks=1',
  ]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(
    p.stdout,
    /^2000 records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d\d ms avg latency, \d+\.\d\d ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.\n$/,
  );
  const c = await tool('kafka-consumer-perf-test.sh', [
    '--bootstrap-server',
    bs,
    '--topic',
    'perf',
    '--messages',
    '2000',
    '--timeout',
    '5000',
  ]);
  assert.equal(c.code, 0, c.stderr);
  const [header, line] = c.stdout.trim().split('\n');
  assert.equal(
    header,
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
  );
  assert.match(
    line,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0\.1907, [\d.]+, 2000, [\d.]+, \d+, \d+, [\d.]+, [\d.]+$/,
  );
});

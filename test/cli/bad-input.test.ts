// Bad input to the tools: unknown flags, missing required flags, an unreachable broker, unknown
// topics, invalid config values and removed flags. Each one ends with a clear message on stderr
// and a non-zero exit code, never a stack trace or a hang.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { assertCleanFailure, samsa, tool } from './cli-helpers.js';

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

const KAFKA_TOOLS = [
  'kafka-topics.sh',
  'kafka-console-producer.sh',
  'kafka-console-consumer.sh',
  'kafka-consumer-groups.sh',
  'kafka-configs.sh',
  'kafka-acls.sh',
  'kafka-get-offsets.sh',
  'kafka-delete-records.sh',
  'kafka-broker-api-versions.sh',
  'kafka-consumer-perf-test.sh',
  'kafka-producer-perf-test.sh',
  'kafka-dump-log.sh',
  'kafka-transactions.sh',
];

test('unknown flags are named, with a suggestion when one is close', async () => {
  await Promise.all(
    KAFKA_TOOLS.map(async (t) => {
      const r = await tool(t, ['--bogus-flag']);
      assertCleanFailure(r, /--bogus-flag is not a recognized option/, t);
    }),
  );
  const typo = await tool('kafka-topics.sh', ['--bootstrap-servers', bs, '--list']);
  assertCleanFailure(
    typo,
    /--bootstrap-servers is not a recognized option \(did you mean --bootstrap-server\?\)/,
    'typo',
  );
  assertCleanFailure(
    await samsa(['topic', 'list', '--bogus']),
    /--bogus is not a recognized option/,
    'samsa flag',
  );
  assertCleanFailure(
    await samsa(['topic', 'frobnicate']),
    /unknown command 'topic frobnicate'/,
    'samsa command',
  );
});

test('missing required flags say which', async () => {
  const cases: [string, string[], RegExp][] = [
    ['kafka-topics.sh', ['--bootstrap-server', bs, '--create'], /Missing required argument "--topic"/],
    ['kafka-topics.sh', ['--list'], /--bootstrap-server must be specified/],
    [
      'kafka-topics.sh',
      ['--bootstrap-server', bs, '--topic', 't'],
      /exactly one action: --list, --describe, --create, --alter, --delete/,
    ],
    [
      'kafka-topics.sh',
      ['--bootstrap-server', bs, '--alter', '--topic', 't'],
      /Missing required argument "--partitions"/,
    ],
    ['kafka-console-producer.sh', ['--bootstrap-server', bs], /Missing required argument "--topic"/],
    ['kafka-console-producer.sh', ['--topic', 't'], /Missing required argument "--bootstrap-server"/],
    [
      'kafka-console-consumer.sh',
      ['--bootstrap-server', bs],
      /Exactly one of --include\/--topic is required/,
    ],
    [
      'kafka-console-consumer.sh',
      ['--bootstrap-server', bs, '--topic', 't', '--offset', '3'],
      /The partition is required when offset is specified/,
    ],
    [
      'kafka-consumer-groups.sh',
      ['--bootstrap-server', bs, '--describe'],
      /--describe takes one of these options: --group, --all-groups/,
    ],
    [
      'kafka-consumer-groups.sh',
      ['--bootstrap-server', bs, '--reset-offsets', '--group', 'g', '--to-earliest'],
      /One of the reset scopes should be defined: --all-topics, --topic/,
    ],
    [
      'kafka-configs.sh',
      ['--bootstrap-server', bs, '--describe'],
      /At least one entity type must be specified/,
    ],
    [
      'kafka-configs.sh',
      ['--bootstrap-server', bs, '--alter', '--topic', 't'],
      /At least one of --add-config, --add-config-file, or --delete-config/,
    ],
    ['kafka-get-offsets.sh', ['--topic', 't'], /Missing required argument "--bootstrap-server"/],
    ['kafka-delete-records.sh', ['--bootstrap-server', bs], /Missing required argument "--offset-json-file"/],
    ['kafka-dump-log.sh', ['--print-data-log'], /Missing required argument "--files"/],
    [
      'kafka-producer-perf-test.sh',
      ['--num-records', '1', '--throughput', '1', '--record-size', '1'],
      /producer-performance: error: argument --topic is required/,
    ],
  ];
  await Promise.all(
    cases.map(async ([t, args, re]) => assertCleanFailure(await tool(t, args), re, `${t} ${args.join(' ')}`)),
  );
  assertCleanFailure(await samsa(['produce']), /produce: name the topic to produce to/, 'samsa produce');
  assertCleanFailure(
    await samsa(['group', 'reset', 'g']),
    /give exactly one of --to and --shift/,
    'samsa group reset',
  );
  const bare = await tool('kafka-topics.sh', []);
  assert.equal(bare.code, 1, 'no arguments: usage on stderr, exit code 1, as Kafka');
  assert.match(bare.stderr, /^Create, delete, describe, or change a topic\.\nOption +Description\n/);
});

test('an unreachable broker gives a clear message within the timeout, not a hang', async () => {
  const dead = '127.0.0.1:1';
  const t0 = Date.now();
  const results = await Promise.all([
    tool('kafka-topics.sh', ['--bootstrap-server', dead, '--list']),
    tool('kafka-console-producer.sh', ['--bootstrap-server', dead, '--topic', 't'], { input: 'x\n' }),
    tool('kafka-console-consumer.sh', ['--bootstrap-server', dead, '--topic', 't']),
    tool('kafka-consumer-groups.sh', ['--bootstrap-server', dead, '--list']),
    samsa(['topic', 'list', '-b', dead, '--timeout', '2s']),
  ]);
  const elapsedMs = Date.now() - t0;
  for (const r of results)
    assertCleanFailure(
      r,
      /no broker reachable \(connect to 127\.0\.0\.1:1 failed: connect ECONNREFUSED/,
      'unreachable',
    );
  assert.ok(elapsedMs < 25_000, `gave up after ${elapsedMs} ms (10 s default timeout)`);
});

test('unknown topics are reported as such', async () => {
  assertCleanFailure(
    await tool('kafka-topics.sh', ['--bootstrap-server', bs, '--describe', '--topic', 'nope']),
    /^Error while executing topic command : Topic 'nope' does not exist as expected$/m,
    'describe',
  );
  const ifExists = await tool('kafka-topics.sh', [
    '--bootstrap-server',
    bs,
    '--delete',
    '--topic',
    'nope',
    '--if-exists',
  ]);
  assert.equal(ifExists.code, 0, ifExists.stderr);
  assertCleanFailure(
    await tool('kafka-console-consumer.sh', [
      '--bootstrap-server',
      bs,
      '--topic',
      'nope',
      '--partition',
      '0',
    ]),
    /UNKNOWN_TOPIC_OR_PARTITION/,
    'consumer --partition',
  );
  assertCleanFailure(
    await tool('kafka-configs.sh', ['--bootstrap-server', bs, '--describe', '--topic', 'nope']),
    /UNKNOWN_TOPIC_OR_PARTITION/,
    'configs',
  );
  assertCleanFailure(
    await tool('kafka-get-offsets.sh', ['--bootstrap-server', bs, '--topic', 'nope']),
    /^Error occurred: Could not match any topic-partitions with the specified filters$/m,
    'get-offsets',
  );
  assertCleanFailure(
    await samsa(['topic', 'describe', 'nope', '-b', bs]),
    /UNKNOWN_TOPIC_OR_PARTITION/,
    'samsa describe',
  );
  assertCleanFailure(
    await samsa(['consume', 'nope', '-b', bs, '-o', 'start:end']),
    /UNKNOWN_TOPIC_OR_PARTITION/,
    'samsa consume',
  );
});

test("invalid config values are refused with the broker's reason", async () => {
  assertCleanFailure(
    await tool('kafka-topics.sh', [
      '--bootstrap-server',
      bs,
      '--create',
      '--topic',
      'bad',
      '--config',
      'retention.ms=soon',
    ]),
    /INVALID_CONFIG.*retention\.ms/,
    'topics --config',
  );
  assertCleanFailure(
    await tool('kafka-topics.sh', [
      '--bootstrap-server',
      bs,
      '--create',
      '--topic',
      'bad',
      '--config',
      'no.such.config=1',
    ]),
    /INVALID_CONFIG|no\.such\.config/,
    'topics unknown config',
  );
  assertCleanFailure(
    await tool('kafka-topics.sh', [
      '--bootstrap-server',
      bs,
      '--create',
      '--topic',
      'bad',
      '--partitions',
      'three',
    ]),
    /--partitions: 'three' is not a whole number/,
    'topics --partitions',
  );
  await tool('kafka-topics.sh', ['--bootstrap-server', bs, '--create', '--topic', 'good']);
  assertCleanFailure(
    await tool('kafka-configs.sh', [
      '--bootstrap-server',
      bs,
      '--alter',
      '--topic',
      'good',
      '--add-config',
      'cleanup.policy=sometimes',
    ]),
    /INVALID_CONFIG.*cleanup\.policy/,
    'configs --add-config',
  );
  assertCleanFailure(
    await samsa(['config', 'set', '--topic', 'good', 'retention.ms=abc', '-b', bs]),
    /INVALID_CONFIG/,
    'samsa config set',
  );
  assertCleanFailure(
    await tool(
      'kafka-console-producer.sh',
      ['--bootstrap-server', bs, '--topic', 'good', '--producer-property', 'acks=banana'],
      { input: 'x\n' },
    ),
    /config 'acks': banana is not one of/,
    'producer acks',
  );
  assertCleanFailure(
    await tool(
      'kafka-console-producer.sh',
      ['--bootstrap-server', bs, '--topic', 'good', '--compression-codec', 'zip'],
      { input: 'x\n' },
    ),
    /compression\.type/,
    'compression codec',
  );
  const props = join(broker.dataDir, 'client.properties');
  writeFileSync(props, 'request.timeout.mss=1000\n');
  assertCleanFailure(
    await tool('kafka-topics.sh', ['--bootstrap-server', bs, '--list', '--command-config', props]),
    /request\.timeout\.mss.*did you mean 'request\.timeout\.ms'/,
    'command config',
  );
  // SASL without a mechanism means Kerberos, as in Kafka's clients, which Samsa does not speak.
  writeFileSync(props, 'security.protocol=SASL_SSL\n');
  assertCleanFailure(
    await tool('kafka-topics.sh', ['--bootstrap-server', bs, '--list', '--command-config', props]),
    /sasl\.mechanism: GSSAPI \(Kerberos\) is not supported/,
    'security protocol',
  );
  writeFileSync(props, 'security.protocol=SSL\nssl.keystore.ciphers=x\n');
  assertCleanFailure(
    await tool('kafka-topics.sh', ['--bootstrap-server', bs, '--list', '--command-config', props]),
    /ssl\.keystore\.ciphers: Samsa's client does not support this setting/,
    'unknown ssl key',
  );
});

test('removed and deprecated flags say what to use instead', async () => {
  assertCleanFailure(
    await tool('kafka-topics.sh', ['--zookeeper', 'localhost:2181', '--list']),
    /--zookeeper is not supported.*--bootstrap-server/,
    'zookeeper',
  );
  assertCleanFailure(
    await tool('kafka-configs.sh', ['--zookeeper', 'localhost:2181', '--describe', '--topic', 't']),
    /--zookeeper.*--bootstrap-server/,
    'configs zookeeper',
  );
  assertCleanFailure(
    await tool('kafka-topics.sh', [
      '--bootstrap-server',
      bs,
      '--alter',
      '--topic',
      'good',
      '--config',
      'retention.ms=1',
    ]),
    /kafka-configs\.sh/,
    'topics --alter --config',
  );
  const whitelist = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--whitelist',
    'go+d',
    '--from-beginning',
    '--timeout-ms',
    '500',
  ]);
  assert.equal(whitelist.code, 0, whitelist.stderr);
  assert.match(
    whitelist.stderr,
    /--whitelist is deprecated \(removed in Kafka 4\.0\); use --include instead/,
  );
});

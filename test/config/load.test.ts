import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEVELOPER_DEFAULTS, type LoadOptions, loadBrokerConfig } from '../../src/config/load.js';
import { repoRoot } from '../helpers/paths.js';

const COMBINED = [
  'process.roles=broker,controller',
  'node.id=1',
  'controller.quorum.voters=1@localhost:9093',
  'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
  'inter.broker.listener.name=PLAINTEXT',
  'advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
  'controller.listener.names=CONTROLLER',
  'log.dirs=/tmp/samsa-test',
].join('\n');

function load(options: LoadOptions) {
  const r = loadBrokerConfig(options);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.config;
}

function error(options: LoadOptions): string {
  const r = loadBrokerConfig(options);
  assert.ok(!r.ok, 'expected an error');
  return r.error;
}

test('developer defaults give a standalone node on localhost:9092 with data in ./data', () => {
  const c = load({ base: DEVELOPER_DEFAULTS });
  assert.equal(c.nodeId, 1);
  assert.deepEqual(c.processRoles, ['broker', 'controller']);
  assert.equal(c.standalone, true);
  assert.deepEqual(c.listeners, [
    { name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' },
  ]);
  assert.deepEqual(c.advertisedListeners, c.listeners);
  assert.deepEqual(c.logDirs, ['./data']);
  assert.equal(c.metadataLogDir, './data');
  assert.equal(c.autoCreateTopicsEnable, true);
  assert.equal(c.groupInitialRebalanceDelayMs, 0);
  assert.equal(c.offsetsTopicReplicationFactor, 3, 'clamped later by the broker');
  assert.deepEqual(c.notes, []);
  assert.equal(c.get('node.id')?.source, 'base');
});

test('typed values carry units: retention in ms, byte limits, Samsa keys', () => {
  const c = load({ base: DEVELOPER_DEFAULTS });
  assert.equal(c.offsetsRetentionMs, 7 * 24 * 3600 * 1000);
  assert.equal(c.socketRequestBytesMax, 104857600);
  assert.equal(c.messageBytesMax, 1048588);
  assert.equal(c.maxConnections, 2147483647);
  assert.equal(c.connectionsIdleMsMax, 600000);
  assert.equal(c.transactionStateLogPartitions, 50);
  assert.equal(c.producerIdExpirationMs, 86400000);
  assert.equal(c.transactionalIdExpirationMs, 604800000);
  assert.equal(c.logRetentionCheckIntervalMs, 300000);
  assert.equal(c.metricsPort, 9404);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.logFormat, 'auto');
  assert.equal(c.topicDefaults.retentionMs, 604800000);
});

test('config/server.properties loads cleanly as a combined node', () => {
  const c = load({ fileName: join(repoRoot, 'config', 'server.properties') });
  assert.deepEqual(c.processRoles, ['broker', 'controller']);
  assert.equal(c.standalone, false);
  assert.deepEqual(
    c.listeners.map((l) => `${l.name}://${l.host}:${l.port}`),
    ['PLAINTEXT://:9092', 'CONTROLLER://:9093'],
  );
  assert.deepEqual(
    c.advertisedListeners.map((l) => `${l.host}:${l.port}`),
    ['localhost:9092'],
  );
  assert.deepEqual(c.controllerQuorumVoters, [{ id: 1, host: 'localhost', port: 9093 }]);
  assert.equal(c.offsetsTopicReplicationFactor, 1);
  assert.equal(c.get('log.retention.hours')?.origin, 'server.properties line 82');
  assert.equal(c.warnings.length, 0);
});

test('precedence: defaults < base < file < KAFKA_* variables < --override', () => {
  const options = (n: number): LoadOptions => ({
    base: { ...DEVELOPER_DEFAULTS, 'num.partitions': '2' },
    text: n >= 3 ? 'num.partitions=3' : undefined,
    env: n >= 4 ? { KAFKA_NUM_PARTITIONS: '4' } : {},
    overrides: n >= 5 ? ['num.partitions=5'] : [],
  });
  const sources = [2, 3, 4, 5].map((n) => {
    const c = load(options(n));
    return [c.numPartitions, c.get('num.partitions')?.source];
  });
  assert.deepEqual(sources, [
    [2, 'base'],
    [3, 'file'],
    [4, 'env'],
    [5, 'override'],
  ]);
  assert.equal(load({ base: { 'node.id': '1' } }).get('num.partitions')?.source, 'default');
});

test('--override arguments: first = splits, later ones win, a bare key is an empty value', () => {
  const c = load({
    base: DEVELOPER_DEFAULTS,
    overrides: ['broker.rack=a=b', 'num.partitions=2', 'num.partitions=6'],
  });
  assert.equal(c.brokerRack, 'a=b');
  assert.equal(c.numPartitions, 6);
  assert.equal(load({ base: DEVELOPER_DEFAULTS, overrides: { 'num.partitions': '7' } }).numPartitions, 7);
  assert.equal(
    load({ base: DEVELOPER_DEFAULTS, overrides: ['early.start.listeners'] }).get('early.start.listeners')
      ?.value,
    '',
  );
});

test('node.id and broker.id stand for each other; different values are an error', () => {
  assert.equal(load({ text: 'broker.id=3' }).nodeId, 3);
  assert.equal(load({ text: 'node.id=4' }).get('broker.id')?.value, 4);
  assert.equal(
    error({ text: 'node.id=1\nbroker.id=2' }),
    'You must set `node.id` to the same value as `broker.id`.',
  );
});

test('unknown keys: one line with the place and a suggestion', () => {
  assert.equal(
    error({ text: 'node.id=1\nnum.partition=3', fileName: '/etc/samsa/server.properties' }),
    "server.properties line 2: unknown configuration 'num.partition' (did you mean 'num.partitions'?)",
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['log.dir.s=/x'] }),
    "--override log.dir.s: unknown configuration 'log.dir.s' (did you mean 'log.dirs'?)",
  );
  assert.equal(error({ base: { 'node.id': '1', zzz: '1' } }), "default zzz=1: unknown configuration 'zzz'");
});

test('unknown KAFKA_* variables are warnings, since the environment is shared', () => {
  const c = load({
    base: DEVELOPER_DEFAULTS,
    env: { KAFKA_NUM_PARTITON: '3', KAFKA_HEAP_OPTS: '-Xmx1G', KAFKA_BROKERS: 'x' },
  });
  assert.deepEqual(c.warnings, [
    "environment variable KAFKA_BROKERS ignored: unknown configuration 'brokers'",
    "environment variable KAFKA_NUM_PARTITON ignored: unknown configuration 'num.partiton' (did you mean 'num.partitions'?)",
  ]);
});

test('wrong types and ranges name the key, the value and where it was written', () => {
  assert.equal(
    error({ text: 'node.id=1\n\nnum.partitions=many' }),
    'server.properties line 3: Invalid value many for configuration num.partitions: Not a number of type INT',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, env: { KAFKA_SOCKET_REQUEST_MAX_BYTES: '0' } }),
    'environment variable KAFKA_SOCKET_REQUEST_MAX_BYTES: Invalid value 0 for configuration socket.request.max.bytes: Value must be at least 1',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['auto.create.topics.enable=yes'] }),
    '--override auto.create.topics.enable: Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['listener.name.plaintext.max.connections=lots'] }),
    '--override listener.name.plaintext.max.connections: Invalid value lots for configuration listener.name.plaintext.max.connections: Not a number of type INT',
  );
});

test('listener syntax errors', () => {
  const bad = (listeners: string) =>
    error({ base: DEVELOPER_DEFAULTS, overrides: [`listeners=${listeners}`] });
  assert.equal(
    bad('localhost:9092'),
    "listeners: unable to parse 'localhost:9092' as a listener (expected NAME://host:port)",
  );
  assert.equal(
    bad('PLAINTEXT://:99999'),
    "listeners: port 99999 of listener 'PLAINTEXT://:99999' is out of range (0-65535)",
  );
  assert.equal(
    bad('EXTERNAL://:9092'),
    'listeners: no security protocol defined for listener EXTERNAL (add it to listener.security.protocol.map)',
  );
  assert.match(
    bad('PLAINTEXT://:9092,PLAINTEXT://:9093'),
    /^listeners: each listener must have a different name/,
  );
  assert.match(bad('PLAINTEXT://:9092,SSL://:9092'), /^listeners: each listener must have a different port/);
  assert.equal(
    load({
      base: DEVELOPER_DEFAULTS,
      overrides: [
        'listeners=PLAINTEXT://127.0.0.1:9092,SSL://[::1]:9092',
        'inter.broker.listener.name=PLAINTEXT',
      ],
    }).listeners.length,
    2,
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['listener.security.protocol.map=PLAINTEXT:PLAIN'] }),
    "listener.security.protocol.map: invalid security protocol 'PLAIN' (one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)",
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['advertised.listeners=PLAINTEXT://0.0.0.0:9092'] }),
    'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
  );
});

test('a custom listener name with a protocol map', () => {
  const c = load({
    base: DEVELOPER_DEFAULTS,
    overrides: [
      'listeners=INTERNAL://:9092,EXTERNAL://:19092',
      'advertised.listeners=INTERNAL://broker:9092,EXTERNAL://localhost:19092',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SSL',
      'inter.broker.listener.name=INTERNAL',
    ],
  });
  assert.deepEqual(
    c.advertisedListeners.map((l) => [l.name, l.host, l.port, l.securityProtocol]),
    [
      ['INTERNAL', 'broker', 9092, 'PLAINTEXT'],
      ['EXTERNAL', 'localhost', 19092, 'SSL'],
    ],
  );
  assert.equal(
    error({
      base: DEVELOPER_DEFAULTS,
      overrides: ['listeners=INTERNAL://:9092', 'listener.security.protocol.map=INTERNAL:PLAINTEXT'],
    }),
    'inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are INTERNAL',
  );
});

test('KRaft checks when process.roles is set', () => {
  assert.equal(load({ text: COMBINED }).controllerListeners[0].port, 9093);
  const without = (key: string, extra = '') =>
    error({
      text: `${COMBINED.split('\n')
        .filter((l) => !l.startsWith(`${key}=`))
        .join('\n')}\n${extra}`,
    });
  assert.match(
    without('controller.quorum.voters'),
    /^If using process.roles, either controller.quorum.bootstrap.servers/,
  );
  assert.equal(
    without('controller.listener.names'),
    'listeners: no security protocol defined for listener CONTROLLER (add it to listener.security.protocol.map)',
  );
  assert.equal(
    without(
      'controller.listener.names',
      'controller.listener.names=OTHER\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT',
    ),
    "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role",
  );
  assert.equal(
    without('node.id'),
    'Missing configuration `node.id`: every node needs an id (set node.id, for example node.id=1).',
  );
  assert.equal(
    without('controller.quorum.voters', 'controller.quorum.voters=2@localhost:9093'),
    "If process.roles contains the 'controller' role, the node id 1 must be included in the set of voters controller.quorum.voters=2",
  );
});

test('more KRaft and log rules', () => {
  assert.deepEqual(
    load({
      text: COMBINED.replace(
        'controller.quorum.voters=1@localhost:9093',
        'controller.quorum.bootstrap.servers=localhost:9093',
      ),
    }).controllerQuorumBootstrapServers,
    [{ host: 'localhost', port: 9093 }],
  );
  assert.equal(
    error({ text: COMBINED.replace('broker,controller', 'broker,broker') }),
    'Duplicate role names found in `process.roles`: [broker, broker]',
  );
  assert.equal(
    error({ text: COMBINED.replace('broker,controller', 'broker,zookeeper') }),
    'server.properties line 1: Invalid value zookeeper for configuration process.roles: String must be one of: broker, controller',
  );
  assert.equal(
    error({ text: COMBINED.replace('1@localhost:9093', '1@localhost') }),
    "server.properties line 3: Invalid value [1@localhost] for configuration controller.quorum.voters: entry '1@localhost' should be in the form {id}@{host}:{port}",
  );
  assert.equal(
    error({ text: COMBINED.replace('broker,controller', 'broker') }),
    "If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters controller.quorum.voters=1",
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['log.dirs= , '] }),
    'At least one log directory must be defined via log.dirs or log.dir.',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['log.retention.ms=0'] }),
    'log.retention.ms must be unlimited (-1) or, greater than or equal to 1',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['replica.fetch.wait.max.ms=40000'] }),
    'replica.fetch.wait.max.ms (40000) must be less than or equal to replica.socket.timeout.ms (30000)',
  );
  assert.equal(
    error({ base: DEVELOPER_DEFAULTS, overrides: ['queued.max.request.bytes=10'] }),
    'queued.max.request.bytes must be larger or equal to socket.request.max.bytes',
  );
});

test('a broker-only node must not listen on the controller listener', () => {
  const brokerOnly = [
    'process.roles=broker',
    'node.id=2',
    'controller.quorum.voters=1@localhost:9093',
    'listeners=PLAINTEXT://:9092',
    'controller.listener.names=CONTROLLER',
    'log.dirs=/tmp/b',
  ].join('\n');
  assert.equal(load({ text: brokerOnly }).listenerSecurityProtocolMap.get('CONTROLLER'), 'PLAINTEXT');
  assert.equal(
    error({ text: brokerOnly.replace('PLAINTEXT://:9092', 'PLAINTEXT://:9092,CONTROLLER://:9093') }),
    "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role",
  );
});

test('a Kafka 3.9 ZooKeeper-era file is accepted, its ZooKeeper keys noted as ignored', () => {
  const c = load({
    text: 'broker.id=0\nzookeeper.connect=localhost:2181\nzookeeper.connection.timeout.ms=18000\nlog.dirs=/tmp/kafka-logs\nlog.message.format.version=3.0\ngroup.initial.rebalance.delay.ms=0',
  });
  assert.equal(c.nodeId, 0);
  assert.ok(c.notes.includes('zookeeper.connect was removed in Kafka 4.0; it is accepted and ignored'));
  assert.ok(
    c.notes.includes('log.message.format.version was removed in Kafka 4.0; it is accepted and ignored'),
  );
});

test('notes for accepted but unused keys; plugin keys pass through unchecked', () => {
  const c = load({
    base: DEVELOPER_DEFAULTS,
    overrides: ['num.io.threads=16', 'rsm.config.bucket=b', 'super.users=User:admin'],
  });
  assert.ok(
    c.notes.includes(
      'num.io.threads is accepted but not used by Samsa (Node.js runs handlers on one event loop.)',
    ),
  );
  assert.ok(c.notes.includes('rsm.config.bucket is kept for plugins and not used by Samsa'));
  assert.equal(c.get('rsm.config.bucket')?.value, 'b');
  assert.equal(c.get('super.users')?.value, 'User:admin');
});

test('the listeners the image derives from KAFKA_ADVERTISED_LISTENERS, and the hint when they do not fit', () => {
  const c = load({
    base: DEVELOPER_DEFAULTS,
    env: { KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://myhost:9092' },
  });
  assert.deepEqual(
    c.listeners.map((l) => [l.host, l.port]),
    [['0.0.0.0', 9092]],
  );
  assert.deepEqual(
    c.advertisedListeners.map((l) => [l.host, l.port]),
    [['myhost', 9092]],
  );
  assert.match(
    error({ text: COMBINED, env: { KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://myhost:9092' } }),
    /set KAFKA_LISTENERS too\)$/,
  );
});

test('files are read when no text is given; a missing file is one line', () => {
  assert.equal(load({ fileName: join(repoRoot, 'config', 'server.properties') }).nodeId, 1);
  assert.match(
    error({ fileName: '/nonexistent/server.properties' }),
    /^Cannot read config file \/nonexistent\/server.properties: ENOENT/,
  );
  assert.equal(
    error({ text: 'a=\\uZZZZ', fileName: 'x.properties' }),
    'x.properties line 1: Malformed \\uxxxx encoding',
  );
});

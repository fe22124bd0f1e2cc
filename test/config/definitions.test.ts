import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BROKER_CONFIGS, classifyBrokerKey, suggestName, TOPIC_CONFIGS } from '../../src/config/registry.js';
import { defaultValue, javaDoubleText, parseForDefinition, parseText } from '../../src/config/values.js';
import { repoRoot } from '../helpers/paths.js';

const kafkaKeys = readFileSync(join(repoRoot, 'test', 'config', 'fixtures', 'kafka-broker-keys.txt'), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

test('every broker key Kafka 3.9 and 4.0 define is known', () => {
  assert.ok(kafkaKeys.length > 300);
  const missing = kafkaKeys.filter((k) => !BROKER_CONFIGS.has(k));
  assert.deepEqual(missing, []);
});

test('every definition has a parseable default, a doc, and a validator its default passes', () => {
  for (const def of [...BROKER_CONFIGS.values(), ...TOPIC_CONFIGS.values()]) {
    assert.ok(def.doc.length > 10, def.name);
    assert.doesNotThrow(() => defaultValue(def), def.name);
    if (def.defaultText !== null) {
      const parsed = parseForDefinition(def, def.defaultText);
      assert.ok(parsed.ok, `${def.name}: ${parsed.ok ? '' : parsed.error}`);
      assert.equal(parsed.text, def.defaultText, `${def.name} prints its default as Kafka does`);
    }
  }
});

test('Samsa keys are marked and have Samsa defaults', () => {
  assert.equal(BROKER_CONFIGS.get('metrics.port')?.defaultText, '9404');
  assert.equal(BROKER_CONFIGS.get('log.level')?.defaultText, 'info');
  assert.equal(BROKER_CONFIGS.get('log.format')?.defaultText, 'auto');
  assert.equal(BROKER_CONFIGS.get('log.open.files.max')?.defaultText, '10000');
  const samsa = [...BROKER_CONFIGS.values()].filter((d) => d.samsa).map((d) => d.name);
  assert.equal(BROKER_CONFIGS.get('console.port')?.defaultText, '8080');
  assert.deepEqual(samsa.sort(), [
    'connections.authentication.timeout.ms',
    'console.auth',
    'console.auth.token',
    'console.auth.users',
    'console.host',
    'console.port',
    'console.read.only',
    'console.refresh.ms',
    'log.format',
    'log.level',
    'log.open.files.max',
    'metrics.port',
  ]);
  for (const name of samsa) assert.ok(!kafkaKeys.includes(name));
});

test('Kafka 4.0 defaults, with the 3.9 value noted where it changed', () => {
  const changed = (name: string) => [
    BROKER_CONFIGS.get(name)?.defaultText,
    BROKER_CONFIGS.get(name)?.kafka39Default,
  ];
  assert.deepEqual(changed('num.recovery.threads.per.data.dir'), ['2', '1']);
  assert.deepEqual(changed('log.message.timestamp.after.max.ms'), ['3600000', '9223372036854775807']);
  assert.deepEqual(changed('group.coordinator.rebalance.protocols'), ['classic,consumer', 'classic']);
  assert.deepEqual(changed('remote.log.manager.thread.pool.size'), ['2', '10']);
  assert.equal(TOPIC_CONFIGS.get('message.timestamp.after.max.ms')?.defaultText, '3600000');
  const segment = parseForDefinition(TOPIC_CONFIGS.get('segment.bytes')!, '1000');
  assert.deepEqual(segment, {
    ok: false,
    error: 'Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576',
  });
});

test('dynamic update modes follow Kafka', () => {
  const mode = (name: string) => BROKER_CONFIGS.get(name)?.dynamic;
  assert.equal(mode('log.retention.ms'), 'cluster-wide');
  assert.equal(mode('log.retention.hours'), 'read-only');
  assert.equal(mode('message.max.bytes'), 'cluster-wide');
  assert.equal(mode('listeners'), 'per-broker');
  assert.equal(mode('ssl.keystore.location'), 'per-broker');
  assert.equal(mode('max.connections'), 'cluster-wide');
  assert.equal(mode('num.network.threads'), 'cluster-wide');
  assert.equal(mode('log.dirs'), 'read-only');
  assert.equal(mode('node.id'), 'read-only');
});

test('passwords are the sensitive type', () => {
  for (const name of [
    'ssl.keystore.password',
    'sasl.jaas.config',
    'ssl.keystore.key',
    'delegation.token.secret.key',
  ])
    assert.equal(BROKER_CONFIGS.get(name)?.type, 'password', name);
});

test("topic configs name their broker synonyms in Kafka's order", () => {
  const synonyms = (name: string) =>
    TOPIC_CONFIGS.get(name)!.synonyms.map((s) => (s.unit ? `${s.name}:${s.unit}` : s.name));
  assert.deepEqual(synonyms('retention.ms'), [
    'log.retention.ms',
    'log.retention.minutes:minutes',
    'log.retention.hours:hours',
  ]);
  assert.deepEqual(synonyms('segment.ms'), ['log.roll.ms', 'log.roll.hours:hours']);
  assert.deepEqual(synonyms('max.message.bytes'), ['message.max.bytes']);
  assert.deepEqual(synonyms('segment.bytes'), ['log.segment.bytes']);
  assert.deepEqual(synonyms('flush.ms'), ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
  assert.deepEqual(synonyms('min.cleanable.dirty.ratio'), ['log.cleaner.min.cleanable.ratio']);
  assert.deepEqual(synonyms('remote.storage.enable'), []);
  for (const def of TOPIC_CONFIGS.values())
    for (const s of def.synonyms) assert.ok(BROKER_CONFIGS.has(s.name), `${def.name} → ${s.name}`);
});

test('listener-prefixed keys take their base definition; plugin prefixes pass through', () => {
  const k = classifyBrokerKey('listener.name.external.ssl.keystore.location');
  assert.equal(k.kind, 'listener');
  assert.equal(k.kind === 'listener' && k.baseName, 'ssl.keystore.location');
  const mech = classifyBrokerKey('listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config');
  assert.equal(mech.kind === 'listener' && mech.definition.type, 'password');
  assert.equal(classifyBrokerKey('listener.name.x.custom.plugin.option').kind, 'pass-through');
  assert.equal(classifyBrokerKey('rsm.config.bucket').kind, 'pass-through');
  assert.equal(classifyBrokerKey('config.providers').kind, 'pass-through');
  assert.equal(classifyBrokerKey('confluent.support.metrics.enable').kind, 'pass-through');
  assert.equal(
    classifyBrokerKey('x.rsm.bucket', { remoteStorage: 'x.rsm.', remoteMetadata: 'y.' }).kind,
    'pass-through',
  );
  assert.equal(classifyBrokerKey('no.such.key').kind, 'unknown');
});

test('suggestions for near misses only', () => {
  const names = [...BROKER_CONFIGS.keys()];
  assert.equal(suggestName('num.partition', names), 'num.partitions');
  assert.equal(suggestName('log_dirs', names), 'log.dirs');
  assert.equal(suggestName('auto.create.topic.enable', names), 'auto.create.topics.enable');
  assert.equal(suggestName('completely.different.thing', names), undefined);
});

test('value parsing follows Java: trimming, ranges of int/short/long, doubles, lists', () => {
  assert.deepEqual(parseText('k', 'int', ' 42 '), { ok: true, value: 42, text: '42' });
  assert.deepEqual(parseText('k', 'int', '+7'), { ok: true, value: 7, text: '7' });
  assert.equal(parseText('k', 'int', '2147483648').ok, false);
  assert.equal(parseText('k', 'short', '32768').ok, false);
  assert.deepEqual(parseText('k', 'long', '9223372036854775807'), {
    ok: true,
    value: 2 ** 63,
    text: '9223372036854775807',
  });
  assert.equal(parseText('k', 'long', '9223372036854775808').ok, false);
  assert.deepEqual(parseText('k', 'double', '1'), { ok: true, value: 1, text: '1.0' });
  assert.deepEqual(parseText('k', 'double', '0.5d'), { ok: true, value: 0.5, text: '0.5' });
  assert.deepEqual(parseText('k', 'boolean', ' TRUE '), { ok: true, value: true, text: 'true' });
  assert.deepEqual(parseText('k', 'list', ' a , b,,c '), {
    ok: true,
    value: ['a', 'b', '', 'c'],
    text: 'a,b,,c',
  });
  assert.deepEqual(parseText('k', 'list', '  '), { ok: true, value: [], text: '' });
  assert.deepEqual(parseText('k', 'string', ' x '), { ok: true, value: 'x', text: 'x' });
});

test('Java double printing', () => {
  assert.equal(javaDoubleText(0.5), '0.5');
  assert.equal(javaDoubleText(1), '1.0');
  assert.equal(javaDoubleText(1e7), '1.0E7');
  assert.equal(javaDoubleText(1.7976931348623157e308), '1.7976931348623157E308');
  assert.equal(javaDoubleText(0.0001), '1.0E-4');
});

test("Kafka's messages for bad values", () => {
  const def = (name: string) => BROKER_CONFIGS.get(name)!;
  const error = (name: string, raw: string) => {
    const r = parseForDefinition(def(name), raw);
    return r.ok ? null : r.error;
  };
  assert.equal(
    error('num.partitions', 'abc'),
    'Invalid value abc for configuration num.partitions: Not a number of type INT',
  );
  assert.equal(
    error('num.partitions', '0'),
    'Invalid value 0 for configuration num.partitions: Value must be at least 1',
  );
  assert.equal(
    error('delete.topic.enable', 'yes'),
    'Invalid value yes for configuration delete.topic.enable: Expected value to be either true or false',
  );
  assert.equal(
    error('compression.type', 'brotli'),
    'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
  );
  assert.equal(
    error('log.cleanup.policy', 'delete,archive'),
    'Invalid value archive for configuration log.cleanup.policy: String must be one of: compact, delete',
  );
  assert.equal(
    error('compression.gzip.level', '10'),
    'Invalid value 10 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1',
  );
  assert.equal(
    error('compression.zstd.level', '23'),
    'Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22',
  );
  assert.equal(
    error('log.message.timestamp.type', 'createtime'),
    'Invalid value createtime for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
  );
  assert.equal(
    error('log.cleaner.min.cleanable.ratio', '1.5'),
    'Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1',
  );
});

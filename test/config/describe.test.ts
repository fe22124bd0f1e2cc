import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerConfig } from '../../src/config/broker-config.js';
import {
  type DescribedConfig,
  describeBrokerConfigs,
  describeTopicConfigs,
} from '../../src/config/describe.js';
import { withDynamicConfigs } from '../../src/config/dynamic.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/load.js';
import { ConfigSourceCode as S } from '../../src/config/types.js';

function broker(
  text: string,
  dynamic?: { cluster?: Record<string, string>; broker?: Record<string, string> },
): BrokerConfig {
  const r = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, text });
  assert.ok(r.ok, r.ok ? '' : r.error);
  if (!dynamic) return r.config;
  const d = withDynamicConfigs(r.config, { clusterDefaults: dynamic.cluster, perBroker: dynamic.broker });
  assert.ok(d.ok, d.ok ? '' : d.error);
  return d.config;
}

function entries(c: BrokerConfig, resource: string, names?: string[]): Map<string, DescribedConfig> {
  const r = describeBrokerConfigs(c, resource, { names, includeSynonyms: true });
  assert.ok(r.ok);
  return new Map(r.entries.map((e) => [e.name, e]));
}

const synonyms = (e: DescribedConfig | undefined) => e?.synonyms.map((s) => [s.name, s.value, s.source]);

test('config source and type codes are those of DescribeConfigsResponse', () => {
  assert.deepEqual(
    [
      S.UNKNOWN,
      S.DYNAMIC_TOPIC_CONFIG,
      S.DYNAMIC_BROKER_CONFIG,
      S.DYNAMIC_DEFAULT_BROKER_CONFIG,
      S.STATIC_BROKER_CONFIG,
      S.DEFAULT_CONFIG,
    ],
    [0, 1, 2, 3, 4, 5],
  );
  const e = entries(broker(''), '1', [
    'num.partitions',
    'log.dirs',
    'message.max.bytes',
    'ssl.keystore.password',
    'log.cleanup.policy',
  ]);
  assert.deepEqual(
    [...e.values()].map((x) => [x.name, x.configType]),
    [
      ['log.cleanup.policy', 7],
      ['log.dirs', 2],
      ['message.max.bytes', 3],
      ['num.partitions', 3],
      ['ssl.keystore.password', 9],
    ],
  );
});

test('broker synonyms come level by level and start at the key itself', () => {
  const e = entries(broker('log.retention.ms=1680000000\nlog.retention.hours=168'), '1');
  assert.deepEqual(synonyms(e.get('log.retention.ms')), [
    ['log.retention.ms', '1680000000', S.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', S.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', S.DEFAULT_CONFIG],
  ]);
  assert.deepEqual(synonyms(e.get('log.retention.hours')), [
    ['log.retention.hours', '168', S.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', S.DEFAULT_CONFIG],
  ]);
  assert.deepEqual(synonyms(e.get('log.roll.hours')), [['log.roll.hours', '168', S.DEFAULT_CONFIG]]);
  assert.equal(e.get('log.retention.ms')?.readOnly, false);
  assert.equal(e.get('log.retention.hours')?.readOnly, true);
  assert.equal(e.get('log.retention.ms')?.configSource, S.STATIC_BROKER_CONFIG);
  assert.equal(e.get('log.roll.ms')?.value, null);
  assert.equal(e.get('log.roll.ms')?.configSource, S.DEFAULT_CONFIG);
  assert.equal(e.get('node.id')?.configSource, S.STATIC_BROKER_CONFIG, 'developer defaults are static');
});

test('dynamic per-broker and cluster-default levels come first', () => {
  const c = broker('log.retention.ms=1000', {
    cluster: { 'log.retention.ms': '2000' },
    broker: { 'log.retention.ms': '3000' },
  });
  const e = entries(c, '1').get('log.retention.ms');
  assert.equal(e?.value, '3000');
  assert.equal(e?.configSource, S.DYNAMIC_BROKER_CONFIG);
  assert.deepEqual(synonyms(e), [
    ['log.retention.ms', '3000', S.DYNAMIC_BROKER_CONFIG],
    ['log.retention.ms', '2000', S.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['log.retention.ms', '1000', S.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', S.DEFAULT_CONFIG],
  ]);
  const cluster = entries(c, '');
  assert.deepEqual([...cluster.keys()], ['log.retention.ms']);
  assert.equal(cluster.get('log.retention.ms')?.value, '2000');
  assert.deepEqual(synonyms(cluster.get('log.retention.ms')), [
    ['log.retention.ms', '2000', S.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ]);
});

test('sensitive values and keys of unknown type are null everywhere', () => {
  const c = broker(
    'listener.name.plaintext.ssl.keystore.password=secret\nssl.key.password=k\nrsm.config.token=t',
  );
  const e = entries(c, '1');
  for (const name of [
    'listener.name.plaintext.ssl.keystore.password',
    'ssl.key.password',
    'rsm.config.token',
  ]) {
    assert.equal(e.get(name)?.value, null, name);
    assert.equal(e.get(name)?.isSensitive, true, name);
    for (const s of e.get(name)?.synonyms ?? []) assert.equal(s.value, null);
  }
  assert.equal(e.get('rsm.config.token')?.configType, 0);
  assert.equal(e.get('listener.name.plaintext.ssl.keystore.password')?.configType, 9);
  assert.equal(e.get('listener.name.plaintext.ssl.keystore.password')?.readOnly, true);
  assert.deepEqual(
    e.get('listener.name.plaintext.ssl.keystore.password')?.synonyms.map((s) => [s.name, s.source]),
    [['listener.name.plaintext.ssl.keystore.password', S.STATIC_BROKER_CONFIG]],
  );
  assert.equal(e.get('num.partitions')?.isSensitive, false);
});

test('internal, removed, Samsa and non-KafkaConfig keys are listed only when set', () => {
  const plain = entries(broker(''), '1');
  for (const name of [
    'metrics.port',
    'zookeeper.connect',
    'unstable.api.versions.enable',
    'log.message.format.version',
  ])
    assert.ok(!plain.has(name), name);
  assert.ok(plain.size > 250);
  const set = entries(broker('metrics.port=0\nzookeeper.connect=zk:2181'), '1');
  assert.equal(set.get('metrics.port')?.value, '0');
  assert.equal(set.get('zookeeper.connect')?.value, 'zk:2181');
});

test('requested names filter, synonyms and documentation only on request, v0 IsDefault', () => {
  const c = broker('num.partitions=3');
  const r = describeBrokerConfigs(c, '1', { names: ['num.partitions', 'no.such.key'] });
  assert.ok(r.ok);
  assert.deepEqual(r.entries, [
    {
      name: 'num.partitions',
      value: '3',
      readOnly: true,
      configSource: S.STATIC_BROKER_CONFIG,
      isSensitive: false,
      synonyms: [],
      configType: 3,
      documentation: null,
      isDefault: false,
    },
  ]);
  const doc = describeBrokerConfigs(c, '1', { names: ['delete.topic.enable'], includeDocumentation: true });
  assert.ok(doc.ok && doc.entries[0].documentation?.includes('TOPIC_DELETION_DISABLED'));
  assert.ok(doc.ok && doc.entries[0].isDefault);
});

test('a broker resource must be this node or empty', () => {
  const c = broker('');
  assert.deepEqual(describeBrokerConfigs(c, '2'), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Unexpected broker id, expected 1 or empty string, but received 2',
  });
  assert.deepEqual(describeBrokerConfigs(c, 'one'), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Broker id must be an integer, but it is: one',
  });
});

test('topic entries: an override is DYNAMIC_TOPIC_CONFIG, followed by the broker synonyms', () => {
  const c = broker('log.retention.ms=5000\nmessage.max.bytes=2000000');
  const t = new Map(
    describeTopicConfigs(c, { 'retention.ms': '1000' }, { includeSynonyms: true }).map((e) => [e.name, e]),
  );
  assert.equal(t.get('retention.ms')?.value, '1000');
  assert.equal(t.get('retention.ms')?.configSource, S.DYNAMIC_TOPIC_CONFIG);
  assert.deepEqual(synonyms(t.get('retention.ms')), [
    ['retention.ms', '1000', S.DYNAMIC_TOPIC_CONFIG],
    ['log.retention.ms', '5000', S.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', S.DEFAULT_CONFIG],
  ]);
  assert.equal(t.get('max.message.bytes')?.value, '2000000');
  assert.equal(t.get('max.message.bytes')?.configSource, S.STATIC_BROKER_CONFIG);
  assert.deepEqual(synonyms(t.get('max.message.bytes')), [
    ['message.max.bytes', '2000000', S.STATIC_BROKER_CONFIG],
    ['message.max.bytes', '1048588', S.DEFAULT_CONFIG],
  ]);
  assert.equal(t.get('cleanup.policy')?.configSource, S.DEFAULT_CONFIG);
  assert.equal(t.get('remote.storage.enable')?.synonyms.length, 0);
  assert.ok(!t.has('message.format.version'), 'removed in 4.0');
  assert.ok([...t.values()].every((e) => !e.readOnly && !e.isSensitive));
});

test('as in Kafka, synonyms start at the first broker name: log.retention.hours alone leaves retention.ms at DEFAULT_CONFIG', () => {
  const t = describeTopicConfigs(
    broker('log.retention.hours=24'),
    {},
    { includeSynonyms: true, names: ['retention.ms'] },
  );
  assert.deepEqual(
    t.map((e) => [e.name, e.value, e.configSource, e.synonyms.length]),
    [['retention.ms', '86400000', S.DEFAULT_CONFIG, 0]],
  );
});

test('topic entries are filtered by name and carry documentation on request', () => {
  const t = describeTopicConfigs(
    broker(''),
    { 'cleanup.policy': 'compact' },
    { names: ['cleanup.policy'], includeDocumentation: true },
  );
  assert.equal(t.length, 1);
  assert.equal(t[0].value, 'compact');
  assert.equal(t[0].synonyms.length, 0);
  assert.match(t[0].documentation ?? '', /compact/);
});

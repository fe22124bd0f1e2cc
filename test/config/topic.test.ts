import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerConfig } from '../../src/config/broker-config.js';
import { withDynamicConfigs } from '../../src/config/dynamic.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/load.js';
import { validateTopicConfigs } from '../../src/config/topic-config.js';

function broker(...overrides: string[]): BrokerConfig {
  const r = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, overrides });
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.config;
}

const HOUR = 3600000;

test("a topic without overrides gets Kafka's defaults", () => {
  const t = broker().topicDefaults;
  assert.deepEqual(t.cleanupPolicy, { delete: true, compact: false });
  assert.equal(t.retentionMs, 168 * HOUR);
  assert.equal(t.retentionBytes, -1);
  assert.equal(t.segmentBytes, 1073741824);
  assert.equal(t.segmentMs, 168 * HOUR);
  assert.equal(t.segmentJitterMs, 0);
  assert.equal(t.segmentIndexBytes, 10485760);
  assert.equal(t.indexIntervalBytes, 4096);
  assert.equal(t.maxMessageBytes, 1048588);
  assert.equal(t.messageTimestampType, 'CreateTime');
  assert.equal(t.messageTimestampBeforeMaxMs, 2 ** 63);
  assert.equal(t.messageTimestampAfterMaxMs, HOUR);
  assert.equal(t.minInsyncReplicas, 1);
  assert.equal(t.compressionType, 'producer');
  assert.equal(t.deleteRetentionMs, 24 * HOUR);
  assert.equal(t.minCompactionLagMs, 0);
  assert.equal(t.minCleanableDirtyRatio, 0.5);
  assert.equal(t.flushMessages, 2 ** 63);
  assert.equal(t.flushMs, 2 ** 63);
  assert.equal(t.fileDeleteDelayMs, 60000);
  assert.equal(t.localRetentionMs, t.retentionMs);
  assert.deepEqual(t.overridden, []);
});

test('retention.ms: log.retention.ms beats .minutes beats .hours', () => {
  assert.equal(broker('log.retention.hours=24').topicDefaults.retentionMs, 24 * HOUR);
  assert.equal(
    broker('log.retention.hours=24', 'log.retention.minutes=30').topicDefaults.retentionMs,
    30 * 60000,
  );
  assert.equal(
    broker('log.retention.hours=24', 'log.retention.minutes=30', 'log.retention.ms=5000').topicDefaults
      .retentionMs,
    5000,
  );
  assert.equal(broker('log.retention.hours=-1').topicDefaults.retentionMs, -1, 'negative means forever');
  assert.equal(broker('log.retention.ms=-1').topicDefaults.retentionMs, -1);
});

test('segment.ms from log.roll.ms or log.roll.hours; flush.ms from the flush interval or the scheduler', () => {
  assert.equal(broker('log.roll.hours=1').topicDefaults.segmentMs, HOUR);
  assert.equal(broker('log.roll.hours=1', 'log.roll.ms=777').topicDefaults.segmentMs, 777);
  assert.equal(broker('log.roll.jitter.hours=2').topicDefaults.segmentJitterMs, 2 * HOUR);
  assert.equal(broker('log.flush.scheduler.interval.ms=3000').topicDefaults.flushMs, 3000);
  assert.equal(
    broker('log.flush.scheduler.interval.ms=3000', 'log.flush.interval.ms=10').topicDefaults.flushMs,
    10,
  );
});

test('single-name synonyms: message.max.bytes, log.segment.bytes, log.cleanup.policy, log.cleaner.*', () => {
  const t = broker(
    'message.max.bytes=2000000',
    'log.segment.bytes=2097152',
    'log.cleanup.policy=compact,delete',
    'log.cleaner.min.cleanable.ratio=0.25',
    'log.message.timestamp.type=LogAppendTime',
  ).topicDefaults;
  assert.equal(t.maxMessageBytes, 2000000);
  assert.equal(t.segmentBytes, 2097152);
  assert.deepEqual(t.cleanupPolicy, { delete: true, compact: true });
  assert.equal(t.minCleanableDirtyRatio, 0.25);
  assert.equal(t.messageTimestampType, 'LogAppendTime');
});

test('topic overrides win over every broker level', () => {
  const b = broker('log.retention.ms=5000');
  const t = b.topicConfig({
    'retention.ms': '1000',
    'cleanup.policy': 'compact',
    'max.message.bytes': '100',
  });
  assert.equal(t.retentionMs, 1000);
  assert.deepEqual(t.cleanupPolicy, { delete: false, compact: true });
  assert.equal(t.maxMessageBytes, 100);
  assert.deepEqual(t.overridden, ['retention.ms', 'cleanup.policy', 'max.message.bytes']);
  assert.equal(b.topicConfig(new Map([['retention.bytes', '10']])).retentionBytes, 10);
});

test('dynamic broker configs: per-broker beats the cluster default, which beats the static value', () => {
  const b = broker('log.retention.ms=5000');
  const cluster = withDynamicConfigs(b, { clusterDefaults: { 'log.retention.ms': '6000' } });
  assert.ok(cluster.ok);
  assert.equal(cluster.config.topicDefaults.retentionMs, 6000);
  const both = withDynamicConfigs(b, {
    clusterDefaults: { 'log.retention.ms': '6000' },
    perBroker: { 'log.retention.ms': '7000' },
  });
  assert.ok(both.ok);
  assert.equal(both.config.topicDefaults.retentionMs, 7000);
  assert.equal(both.config.get('log.retention.ms')?.source, 'dynamic-broker');
  assert.equal(both.config.topicConfig({ 'retention.ms': '1' }).retentionMs, 1);
});

test('stored dynamic values of read-only or malformed keys are skipped with a warning', () => {
  const r = withDynamicConfigs(broker('log.retention.ms=5000'), {
    clusterDefaults: { 'log.retention.hours': '1', 'log.segment.bytes': 'x', 'custom.key': 'kept' },
  });
  assert.ok(r.ok);
  assert.equal(r.config.topicDefaults.retentionMs, 5000);
  assert.equal(r.config.get('custom.key')?.value, 'kept');
  assert.deepEqual(r.config.warnings, [
    'dynamic cluster default log.retention.hours ignored: it cannot be changed dynamically',
    'dynamic cluster default ignored: Invalid value x for configuration log.segment.bytes: Not a number of type INT',
  ]);
});

test('stored overrides that do not parse are ignored and reported, never thrown', () => {
  const t = broker().topicConfig({ 'retention.ms': 'soon', 'no.such': '1', 'segment.ms': '60000' });
  assert.equal(t.retentionMs, 168 * HOUR);
  assert.equal(t.segmentMs, 60000);
  assert.deepEqual(t.ignored, [
    'Invalid value soon for configuration retention.ms: Not a number of type LONG',
    'Unknown topic config name: no.such',
  ]);
});

test("validateTopicConfigs: Kafka's messages, first ones first", () => {
  assert.deepEqual(validateTopicConfigs({ 'retention.ms': '1000', 'cleanup.policy': 'compact,delete' }), []);
  assert.deepEqual(validateTopicConfigs({ 'retention.mss': '1' }), [
    'Unknown topic config name: retention.mss',
  ]);
  assert.deepEqual(validateTopicConfigs({ 'retention.ms': null }), [
    'Null value not supported for topic configs: retention.ms',
  ]);
  assert.deepEqual(validateTopicConfigs(new Map([['retention.ms', '-2']])), [
    'Invalid value -2 for configuration retention.ms: Value must be at least -1',
  ]);
  assert.deepEqual(
    validateTopicConfigs({
      'segment.bytes': 'big',
      'cleanup.policy': 'remove',
      'message.timestamp.type': 'Now',
    }),
    [
      'Invalid value big for configuration segment.bytes: Not a number of type INT',
      'Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete',
      'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
    ],
  );
  assert.deepEqual(validateTopicConfigs({ 'min.cleanable.dirty.ratio': '2' }), [
    'Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1',
  ]);
  assert.deepEqual(validateTopicConfigs({ 'leader.replication.throttled.replicas': '0:1,x' }), [
    "Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
  ]);
  assert.deepEqual(validateTopicConfigs({ 'leader.replication.throttled.replicas': '*' }), []);
});

test('validateTopicConfigs: checks across configs use the broker defaults', () => {
  const b = broker('log.cleaner.max.compaction.lag.ms=1000');
  assert.deepEqual(validateTopicConfigs({ 'min.compaction.lag.ms': '5000' }, b.get), [
    'conflict topic config setting min.compaction.lag.ms (5000) > max.compaction.lag.ms (1000)',
  ]);
  assert.deepEqual(validateTopicConfigs({ 'remote.storage.enable': 'true' }), [
    'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.',
  ]);
});

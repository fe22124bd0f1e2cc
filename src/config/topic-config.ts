// A topic's effective configuration: its own overrides, else the broker keys that stand for it (Kafka's
// synonyms, e.g. retention.ms ← log.retention.ms ← log.retention.minutes ← log.retention.hours), else
// the topic default. Broker values are first resolved across their own layers (dynamic per-broker >
// dynamic cluster default > static > default), as the running broker does.

import { TOPIC_CONFIGS } from './registry.js';
import type { ResolvedValue } from './resolve.js';
import type { ConfigValue, TopicConfigDefinition, ValueSource } from './types.js';
import { defaultValue, parseForDefinition } from './values.js';

export type CompressionType = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface TopicConfig {
  readonly cleanupPolicy: { readonly delete: boolean; readonly compact: boolean };
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly indexIntervalBytes: number;
  /** Effective local retention of a tiered topic (-2 resolved to retention.bytes). */
  readonly localRetentionBytes: number;
  /** Effective local retention of a tiered topic (-2 resolved to retention.ms). */
  readonly localRetentionMs: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageTimestampType: 'CreateTime' | 'LogAppendTime';
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly remoteStorageEnable: boolean;
  /** -1: no size limit. */
  readonly retentionBytes: number;
  /** -1: kept forever. */
  readonly retentionMs: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly followerReplicationThrottledReplicas: readonly string[];
  /** Names of the configs set on the topic itself. */
  readonly overridden: readonly string[];
  /** Stored overrides that were not understood (unknown name or bad value), each with the reason. */
  readonly ignored: readonly string[];
}

/** One topic config as resolved: value, Kafka's text, and where it came from. */
export interface TopicValue {
  readonly value: ConfigValue;
  readonly text: string | null;
  readonly source: ValueSource;
}

export type BrokerLookup = (name: string) => ResolvedValue | undefined;

export type TopicEntries = ReadonlyMap<string, string | null> | Readonly<Record<string, string | null>>;

export function entriesOf(entries: TopicEntries): [string, string | null][] {
  return entries instanceof Map ? [...entries] : Object.entries(entries as Record<string, string | null>);
}

const UNIT_MS = { hours: 3600000n, minutes: 60000n } as const;

/** The broker-level default of a topic config, from the first synonym that has a value. */
export function brokerTopicDefault(def: TopicConfigDefinition, broker: BrokerLookup): TopicValue {
  for (const synonym of def.synonyms) {
    const v = broker(synonym.name);
    if (!v || v.text === null) continue;
    let text = v.text;
    if (synonym.unit) text = (BigInt(text) * UNIT_MS[synonym.unit]).toString();
    if (def.name === 'retention.ms' && BigInt(text) < 0n) text = '-1';
    const parsed = parseForDefinition({ ...def, validator: undefined }, text);
    if (parsed.ok) return { value: parsed.value, text: parsed.text, source: v.source };
  }
  return { value: defaultValue(def), text: def.defaultText, source: 'default' };
}

/** Every topic config's value for a topic with these (already stored) overrides. */
export function resolveTopicValues(
  broker: BrokerLookup,
  overrides: TopicEntries,
): { values: Map<string, TopicValue>; ignored: string[] } {
  const values = new Map<string, TopicValue>();
  for (const def of TOPIC_CONFIGS.values()) values.set(def.name, brokerTopicDefault(def, broker));
  const ignored: string[] = [];
  for (const [name, raw] of entriesOf(overrides)) {
    const def = TOPIC_CONFIGS.get(name);
    if (!def || raw === null) {
      ignored.push(def ? `${name}: null value` : `Unknown topic config name: ${name}`);
      continue;
    }
    const parsed = parseForDefinition(def, raw);
    if (parsed.ok) values.set(name, { value: parsed.value, text: parsed.text, source: 'topic' });
    else ignored.push(parsed.error);
  }
  return { values, ignored };
}

/** The typed, effective configuration of a topic. */
export function topicConfigOf(broker: BrokerLookup, overrides: TopicEntries): TopicConfig {
  const { values, ignored } = resolveTopicValues(broker, overrides);
  const v = (name: string) => values.get(name)!.value;
  const n = (name: string) => v(name) as number;
  const policy = (v('cleanup.policy') as string[]).map((s) => s.toLowerCase());
  const retentionMs = n('retention.ms');
  const retentionBytes = n('retention.bytes');
  return {
    cleanupPolicy: { delete: policy.includes('delete'), compact: policy.includes('compact') },
    compressionType: v('compression.type') as CompressionType,
    compressionGzipLevel: n('compression.gzip.level'),
    compressionLz4Level: n('compression.lz4.level'),
    compressionZstdLevel: n('compression.zstd.level'),
    deleteRetentionMs: n('delete.retention.ms'),
    fileDeleteDelayMs: n('file.delete.delay.ms'),
    flushMessages: n('flush.messages'),
    flushMs: n('flush.ms'),
    indexIntervalBytes: n('index.interval.bytes'),
    localRetentionBytes: n('local.retention.bytes') === -2 ? retentionBytes : n('local.retention.bytes'),
    localRetentionMs: n('local.retention.ms') === -2 ? retentionMs : n('local.retention.ms'),
    maxCompactionLagMs: n('max.compaction.lag.ms'),
    maxMessageBytes: n('max.message.bytes'),
    messageTimestampType: v('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    messageTimestampBeforeMaxMs: n('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: n('message.timestamp.after.max.ms'),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    minCompactionLagMs: n('min.compaction.lag.ms'),
    minInsyncReplicas: n('min.insync.replicas'),
    preallocate: v('preallocate') as boolean,
    remoteStorageEnable: v('remote.storage.enable') as boolean,
    retentionBytes,
    retentionMs,
    segmentBytes: n('segment.bytes'),
    segmentIndexBytes: n('segment.index.bytes'),
    segmentJitterMs: n('segment.jitter.ms'),
    segmentMs: n('segment.ms'),
    uncleanLeaderElectionEnable: v('unclean.leader.election.enable') as boolean,
    leaderReplicationThrottledReplicas: v('leader.replication.throttled.replicas') as string[],
    followerReplicationThrottledReplicas: v('follower.replication.throttled.replicas') as string[],
    overridden: entriesOf(overrides)
      .map(([name]) => name)
      .filter((name) => TOPIC_CONFIGS.has(name)),
    ignored,
  };
}

function nameErrors(entries: [string, string | null][]): string[] {
  const errors: string[] = [];
  const nulls = entries.filter(([, value]) => value === null).map(([name]) => name);
  if (nulls.length > 0) errors.push(`Null value not supported for topic configs: ${nulls.join(',')}`);
  for (const [name] of entries)
    if (!TOPIC_CONFIGS.has(name)) errors.push(`Unknown topic config name: ${name}`);
  return errors;
}

function crossErrors(broker: BrokerLookup, entries: [string, string | null][]): string[] {
  const { values } = resolveTopicValues(broker, new Map(entries));
  const errors: string[] = [];
  const minLag = values.get('min.compaction.lag.ms')!.value as number;
  const maxLag = values.get('max.compaction.lag.ms')!.value as number;
  if (minLag > maxLag)
    errors.push(
      `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`,
    );
  if (values.get('remote.storage.enable')!.value === true)
    errors.push(
      'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.',
    );
  return errors;
}

/**
 * Checks topic configs as the controller does for CreateTopics and AlterConfigs (Kafka answers
 * INVALID_CONFIG with the first message). Returns every problem found, first ones first.
 */
export function validateTopicConfigs(
  entries: TopicEntries,
  broker: BrokerLookup = () => undefined,
): string[] {
  const list = entriesOf(entries);
  const errors = nameErrors(list);
  for (const [name, raw] of list) {
    const def = TOPIC_CONFIGS.get(name);
    if (!def || raw === null) continue;
    const parsed = parseForDefinition(def, raw);
    if (!parsed.ok) errors.push(parsed.error);
  }
  return errors.length > 0 ? errors : crossErrors(broker, list);
}

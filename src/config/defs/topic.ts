// Topic configs (the names kafka-topics --config and kafka-configs --entity-type topics accept), each
// with the broker keys that give it its default, highest priority first (Kafka's topic/broker synonyms).
// Topic configs can all change at run time.

import type { ConfigValue, TopicConfigDefinition } from '../types.js';
import { COMPRESSION_TYPES, GZIP_LEVEL, LONG_MAX, METADATA_VERSION, topic } from './define.js';

const TIERED = 'Tiered storage is not implemented by Samsa.';

function checkThrottledReplicas(value: ConfigValue, name: string): string | null {
  const items = (value as readonly string[]).map((s) => s.trim());
  if (items.join('') === '*' || items.every((s) => /^(\d+:\d+)?$/.test(s))) return null;
  return `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`;
}

export const TOPIC_DEFINITIONS: readonly TopicConfigDefinition[] = [
  topic('cleanup.policy', 'list', 'delete', ['log.cleanup.policy'], {
    doc: 'delete removes old segments by age or size; compact keeps the latest record of each key; both may be given.',
    impl: true,
    listOf: ['compact', 'delete'],
  }),
  topic('compression.type', 'string', 'producer', ['compression.type'], {
    doc: "Codec stored batches use; producer keeps the producer's choice.",
    impl: true,
    oneOf: COMPRESSION_TYPES,
  }),
  topic('compression.gzip.level', 'int', '-1', ['compression.gzip.level'], {
    doc: 'gzip level when the topic recompresses with gzip.',
    impl: true,
    check: GZIP_LEVEL,
  }),
  topic('compression.lz4.level', 'int', '9', ['compression.lz4.level'], {
    doc: 'lz4 level when the topic recompresses with lz4.',
    min: 1,
    max: 17,
  }),
  topic('compression.zstd.level', 'int', '3', ['compression.zstd.level'], {
    doc: 'zstd level when the topic recompresses with zstd.',
    impl: true,
    min: -131072,
    max: 22,
  }),
  topic('delete.retention.ms', 'long', '86400000', ['log.cleaner.delete.retention.ms'], {
    doc: 'How long tombstones stay readable in a compacted topic.',
    impl: true,
    min: 0,
  }),
  topic('file.delete.delay.ms', 'long', '60000', ['log.segment.delete.delay.ms'], {
    doc: 'Wait before the files of a removed segment are deleted.',
    impl: true,
    min: 0,
  }),
  topic('flush.messages', 'long', LONG_MAX, ['log.flush.interval.messages'], {
    doc: 'Records appended before the partition is fsynced.',
    impl: true,
    min: 1,
  }),
  topic('flush.ms', 'long', LONG_MAX, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], {
    doc: 'Longest time appended records stay unsynced.',
    impl: true,
    min: 0,
  }),
  topic('follower.replication.throttled.replicas', 'list', '', [], {
    doc: 'Replicas throttled on the follower side, as partition:broker pairs or *.',
    check: checkThrottledReplicas,
  }),
  topic('index.interval.bytes', 'int', '4096', ['log.index.interval.bytes'], {
    doc: 'Bytes between offset index entries.',
    impl: true,
    min: 0,
  }),
  topic('leader.replication.throttled.replicas', 'list', '', [], {
    doc: 'Replicas throttled on the leader side, as partition:broker pairs or *.',
    check: checkThrottledReplicas,
  }),
  topic('local.retention.bytes', 'long', '-2', ['log.local.retention.bytes'], {
    doc: 'Bytes kept locally by a tiered topic; -2 follows retention.bytes.',
    min: -2,
    note: TIERED,
  }),
  topic('local.retention.ms', 'long', '-2', ['log.local.retention.ms'], {
    doc: 'Time data stays locally in a tiered topic; -2 follows retention.ms.',
    min: -2,
    note: TIERED,
  }),
  topic('max.compaction.lag.ms', 'long', LONG_MAX, ['log.cleaner.max.compaction.lag.ms'], {
    doc: 'Oldest a record may get before it must be compacted.',
    min: 1,
  }),
  topic('max.message.bytes', 'int', '1048588', ['message.max.bytes'], {
    doc: 'Largest record batch accepted; larger ones get MESSAGE_TOO_LARGE.',
    impl: true,
    min: 0,
  }),
  topic('message.downconversion.enable', 'boolean', 'true', ['log.message.downconversion.enable'], {
    doc: 'Convert batches for consumers of old fetch versions.',
    imp: 'low',
    removedIn: '4.0',
  }),
  topic('message.format.version', 'string', '3.0-IV1', ['log.message.format.version'], {
    doc: 'Record format for old clients; ignored since 3.0.',
    check: METADATA_VERSION,
    removedIn: '4.0',
  }),
  topic('message.timestamp.after.max.ms', 'long', '3600000', ['log.message.timestamp.after.max.ms'], {
    doc: 'How far in the future a CreateTime timestamp may be; later batches are rejected.',
    impl: true,
    min: 0,
    k39: LONG_MAX,
  }),
  topic('message.timestamp.before.max.ms', 'long', LONG_MAX, ['log.message.timestamp.before.max.ms'], {
    doc: 'How far in the past a CreateTime timestamp may be; older batches are rejected.',
    impl: true,
    min: 0,
  }),
  topic(
    'message.timestamp.difference.max.ms',
    'long',
    LONG_MAX,
    ['log.message.timestamp.difference.max.ms'],
    {
      doc: 'Older single limit on timestamp distance, replaced by the before/after pair.',
      min: 0,
      removedIn: '4.0',
    },
  ),
  topic('message.timestamp.type', 'string', 'CreateTime', ['log.message.timestamp.type'], {
    doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock.",
    impl: true,
    oneOf: ['CreateTime', 'LogAppendTime'],
  }),
  topic('min.cleanable.dirty.ratio', 'double', '0.5', ['log.cleaner.min.cleanable.ratio'], {
    doc: 'Share of uncompacted data that makes the partition eligible for compaction.',
    min: 0,
    max: 1,
  }),
  topic('min.compaction.lag.ms', 'long', '0', ['log.cleaner.min.compaction.lag.ms'], {
    doc: 'Youngest a record may be and still be compacted.',
    min: 0,
  }),
  topic('min.insync.replicas', 'int', '1', ['min.insync.replicas'], {
    doc: 'Replicas that must have a write for acks=all to succeed.',
    impl: true,
    min: 1,
  }),
  topic('preallocate', 'boolean', 'false', ['log.preallocate'], {
    doc: 'Allocate segment files at full size up front.',
  }),
  topic('remote.log.copy.disable', 'boolean', 'false', [], {
    doc: 'Stop copying new segments of a tiered topic.',
    note: TIERED,
  }),
  topic('remote.log.delete.on.disable', 'boolean', 'false', [], {
    doc: 'Delete remote data when tiering is turned off.',
    note: TIERED,
  }),
  topic('remote.storage.enable', 'boolean', 'false', [], {
    doc: 'Move old segments to remote storage.',
    note: TIERED,
  }),
  topic('retention.bytes', 'long', '-1', ['log.retention.bytes'], {
    doc: 'Most bytes kept per partition before old segments are deleted; -1 for no limit.',
    impl: true,
  }),
  topic(
    'retention.ms',
    'long',
    '604800000',
    ['log.retention.ms', 'log.retention.minutes:minutes', 'log.retention.hours:hours'],
    {
      doc: 'How long records are kept before their segment may be deleted; -1 keeps them forever.',
      impl: true,
      min: -1,
    },
  ),
  topic('segment.bytes', 'int', '1073741824', ['log.segment.bytes'], {
    doc: 'Size at which a segment is closed and a new one started.',
    impl: true,
    min: 1048576,
    note: 'Kafka 4.0 raised the minimum from 14 bytes to 1 MiB (KIP-1030).',
  }),
  topic('segment.index.bytes', 'int', '10485760', ['log.index.size.max.bytes'], {
    doc: 'Largest offset index file of a segment.',
    impl: true,
    min: 4,
  }),
  topic('segment.jitter.ms', 'long', '0', ['log.roll.jitter.ms', 'log.roll.jitter.hours:hours'], {
    doc: 'Most random time taken off segment.ms, so segments do not all roll at once.',
    impl: true,
    min: 0,
  }),
  topic('segment.ms', 'long', '604800000', ['log.roll.ms', 'log.roll.hours:hours'], {
    doc: 'Age at which a segment is rolled even if it is not full.',
    impl: true,
    min: 1,
  }),
  topic('unclean.leader.election.enable', 'boolean', 'false', ['unclean.leader.election.enable'], {
    doc: 'Let a replica outside the ISR become leader as a last resort, losing data.',
  }),
];

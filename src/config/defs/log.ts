// Broker keys of the log: directories, segments, retention, flushing, timestamps, the cleaner and tiered
// storage. Many are the broker-wide defaults of topic configs (see topic.ts for the mapping).

import type { ConfigDefinition } from '../types.js';
import { def, LONG_MAX, METADATA_VERSION } from './define.js';

const TIERED = 'Tiered storage is not implemented by Samsa.';

const LOG: ConfigDefinition[] = [
  def('num.partitions', 'int', '1', {
    doc: 'Partitions of auto-created topics and of topics created without a count.',
    impl: true,
    min: 1,
  }),
  def('auto.create.topics.enable', 'boolean', 'true', {
    doc: 'Create a topic when a client asks Metadata for one that does not exist.',
    imp: 'high',
    impl: true,
  }),
  def('log.dirs', 'string', null, {
    doc: 'Comma-separated directories holding partition data; log.dir is used when it is not set.',
    imp: 'high',
    impl: true,
  }),
  def('log.dir', 'string', '/tmp/kafka-logs', {
    doc: 'Data directory used when log.dirs is not set.',
    imp: 'high',
    impl: true,
  }),
  def('log.segment.bytes', 'int', '1073741824', {
    doc: 'Size at which a partition segment is closed and a new one started.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    min: 1048576,
    note: 'Kafka 4.0 raised the minimum from 14 bytes to 1 MiB (KIP-1030).',
  }),
  def('log.roll.ms', 'long', null, {
    doc: 'Age at which a segment is rolled; log.roll.hours when not set.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
  }),
  def('log.roll.hours', 'int', '168', {
    doc: 'Age at which a segment is rolled, in hours (after log.roll.ms).',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('log.roll.jitter.ms', 'long', null, {
    doc: 'Most random time taken off the roll age; log.roll.jitter.hours when not set.',
    imp: 'high',
    dyn: 'cluster',
  }),
  def('log.roll.jitter.hours', 'int', '0', {
    doc: 'Most random time taken off the roll age, in hours.',
    imp: 'high',
    min: 0,
  }),
  def('log.retention.ms', 'long', null, {
    doc: 'How long data is kept; log.retention.minutes when not set; -1 keeps it forever.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
  }),
  def('log.retention.minutes', 'int', null, {
    doc: 'How long data is kept, in minutes (after log.retention.ms, before log.retention.hours).',
    imp: 'high',
    impl: true,
  }),
  def('log.retention.hours', 'int', '168', {
    doc: 'How long data is kept, in hours (the last of the three).',
    imp: 'high',
    impl: true,
  }),
  def('log.retention.bytes', 'long', '-1', {
    doc: 'Most bytes kept per partition; -1 for no limit.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
  }),
  def('log.retention.check.interval.ms', 'long', '300000', {
    doc: 'How often partitions are checked for data to delete.',
    impl: true,
    min: 1,
  }),
  def('log.cleanup.policy', 'list', 'delete', {
    doc: 'What happens to old segments: delete, compact, or both.',
    impl: true,
    dyn: 'cluster',
    listOf: ['compact', 'delete'],
  }),
  def('log.index.size.max.bytes', 'int', '10485760', {
    doc: 'Largest offset index file of a segment.',
    impl: true,
    dyn: 'cluster',
    min: 4,
  }),
  def('log.index.interval.bytes', 'int', '4096', {
    doc: 'Bytes between two offset index entries.',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('log.flush.interval.messages', 'long', LONG_MAX, {
    doc: 'Records appended to a partition before it is fsynced.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    min: 1,
  }),
  def('log.flush.interval.ms', 'long', null, {
    doc: 'Longest time appended data stays unsynced; log.flush.scheduler.interval.ms when not set.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
  }),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX, {
    doc: 'How often the flusher looks for partitions to sync.',
    imp: 'high',
    impl: true,
  }),
  def('log.flush.offset.checkpoint.interval.ms', 'int', '60000', {
    doc: 'How often the recovery point is written.',
    imp: 'high',
    min: 0,
  }),
  def('log.flush.start.offset.checkpoint.interval.ms', 'int', '60000', {
    doc: 'How often log start offsets are written.',
    imp: 'high',
    min: 0,
  }),
  def('log.segment.delete.delay.ms', 'long', '60000', {
    doc: 'Wait between removing a segment from a partition and deleting its files.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('log.preallocate', 'boolean', 'false', {
    doc: 'Allocate segment files at full size up front.',
    dyn: 'cluster',
  }),
  def('num.recovery.threads.per.data.dir', 'int', '2', {
    doc: 'Threads per data directory for recovery at start and flushing at stop.',
    imp: 'high',
    dyn: 'cluster',
    min: 1,
    k39: '1',
  }),
  def('min.insync.replicas', 'int', '1', {
    doc: 'Replicas that must have a write for acks=all to succeed.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    min: 1,
  }),
  def('log.message.timestamp.type', 'string', 'CreateTime', {
    doc: "Timestamp stored in batches: the producer's (CreateTime) or the broker's (LogAppendTime).",
    impl: true,
    dyn: 'cluster',
    oneOf: ['CreateTime', 'LogAppendTime'],
  }),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX, {
    doc: 'How far in the past a CreateTime timestamp may be.',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('log.message.timestamp.after.max.ms', 'long', '3600000', {
    doc: 'How far in the future a CreateTime timestamp may be.',
    impl: true,
    dyn: 'cluster',
    min: 0,
    k39: LONG_MAX,
  }),
  def('log.message.timestamp.difference.max.ms', 'long', LONG_MAX, {
    doc: 'Older single limit on timestamp distance, replaced by the before/after pair.',
    dyn: 'cluster',
    min: 0,
    removedIn: '4.0',
  }),
  def('log.message.format.version', 'string', '3.0-IV1', {
    doc: 'Record format for old clients; ignored since 3.0.',
    check: METADATA_VERSION,
    removedIn: '4.0',
  }),
  def('log.message.downconversion.enable', 'boolean', 'true', {
    doc: 'Convert batches to old formats for old consumers.',
    imp: 'low',
    dyn: 'cluster',
    removedIn: '4.0',
  }),
  def('create.topic.policy.class.name', 'class', null, {
    doc: 'Plugin that vets CreateTopics requests.',
    imp: 'low',
  }),
  def('alter.config.policy.class.name', 'class', null, {
    doc: 'Plugin that vets config changes.',
    imp: 'low',
  }),
  def('log.dir.failure.timeout.ms', 'long', '30000', {
    doc: 'How long a broker keeps running after a log directory failed.',
    imp: 'low',
    min: 1,
  }),
  def('log.initial.task.delay.ms', 'long', '30000', {
    doc: 'Delay before the first log housekeeping tasks.',
    imp: 'low',
    internal: true,
    min: 0,
  }),
];

const CLEANER: ConfigDefinition[] = [
  def('log.cleaner.enable', 'boolean', 'true', {
    doc: 'Run the cleaner that compacts topics with cleanup.policy=compact.',
  }),
  def('log.cleaner.threads', 'int', '1', { doc: 'Cleaner threads.', dyn: 'cluster', min: 0 }),
  def('log.cleaner.io.max.bytes.per.second', 'double', '1.7976931348623157E308', {
    doc: 'Throttle of cleaner reads and writes.',
    dyn: 'cluster',
  }),
  def('log.cleaner.dedupe.buffer.size', 'long', '134217728', {
    doc: 'Memory for deduplication, over all cleaner threads.',
    dyn: 'cluster',
  }),
  def('log.cleaner.io.buffer.size', 'int', '524288', {
    doc: 'Memory for cleaner I/O buffers, over all cleaner threads.',
    dyn: 'cluster',
    min: 0,
  }),
  def('log.cleaner.io.buffer.load.factor', 'double', '0.9', {
    doc: 'Fill factor of the deduplication buffer.',
    dyn: 'cluster',
  }),
  def('log.cleaner.backoff.ms', 'long', '15000', {
    doc: 'Sleep of the cleaner when there is nothing to clean.',
    dyn: 'cluster',
    min: 0,
  }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', {
    doc: 'Share of uncompacted data that makes a partition eligible for cleaning.',
    dyn: 'cluster',
    min: 0,
    max: 1,
  }),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', {
    doc: 'How long tombstones survive compaction.',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', {
    doc: 'Youngest a record may be and still be compacted.',
    dyn: 'cluster',
    min: 0,
  }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, {
    doc: 'Oldest a record may get before it must be compacted.',
    dyn: 'cluster',
    min: 1,
  }),
];

const REMOTE: ConfigDefinition[] = [
  def('remote.log.storage.system.enable', 'boolean', 'false', {
    doc: 'Enable tiered storage on this broker.',
    note: TIERED,
  }),
  def('remote.log.storage.manager.impl.prefix', 'string', 'rsm.config.', {
    doc: 'Prefix of keys passed to the remote storage plugin.',
    nonEmpty: true,
  }),
  def('remote.log.metadata.manager.impl.prefix', 'string', 'rlmm.config.', {
    doc: 'Prefix of keys passed to the remote metadata plugin.',
    nonEmpty: true,
  }),
  def('remote.log.storage.manager.class.name', 'string', null, {
    doc: 'Remote storage plugin class.',
    nonEmpty: true,
  }),
  def('remote.log.storage.manager.class.path', 'string', null, {
    doc: 'Class path of the remote storage plugin.',
  }),
  def(
    'remote.log.metadata.manager.class.name',
    'string',
    'org.apache.kafka.server.log.remote.metadata.storage.TopicBasedRemoteLogMetadataManager',
    {
      doc: 'Remote log metadata plugin class.',
      nonEmpty: true,
    },
  ),
  def('remote.log.metadata.manager.class.path', 'string', null, {
    doc: 'Class path of the remote metadata plugin.',
  }),
  def('remote.log.metadata.manager.listener.name', 'string', null, {
    doc: 'Listener the metadata plugin uses to reach the broker.',
    nonEmpty: true,
  }),
  def('remote.log.metadata.custom.metadata.max.bytes', 'int', '128', {
    doc: 'Most custom metadata bytes a storage plugin may attach.',
    imp: 'low',
    min: 0,
  }),
  def('remote.log.index.file.cache.total.size.bytes', 'long', '1073741824', {
    doc: 'Disk for cached remote indexes.',
    imp: 'low',
    dyn: 'cluster',
    min: 1,
  }),
  def('remote.log.manager.thread.pool.size', 'int', '2', {
    doc: 'Threads for follower tiered-storage tasks.',
    min: 1,
    k39: '10',
  }),
  def('remote.log.manager.copier.thread.pool.size', 'int', '10', {
    doc: 'Threads that copy segments to remote storage.',
    min: 1,
    k39: '-1',
  }),
  def('remote.log.manager.expiration.thread.pool.size', 'int', '10', {
    doc: 'Threads that delete expired remote segments.',
    min: 1,
    k39: '-1',
  }),
  def('remote.log.manager.task.interval.ms', 'long', '30000', {
    doc: 'Interval of tiered-storage tasks.',
    imp: 'low',
    min: 1,
  }),
  def('remote.log.manager.task.retry.backoff.ms', 'long', '500', {
    doc: 'First retry pause of tiered-storage tasks.',
    imp: 'low',
    internal: true,
    min: 1,
  }),
  def('remote.log.manager.task.retry.backoff.max.ms', 'long', '30000', {
    doc: 'Longest retry pause of tiered-storage tasks.',
    imp: 'low',
    internal: true,
    min: 1,
  }),
  def('remote.log.manager.task.retry.jitter', 'double', '0.2', {
    doc: 'Jitter of tiered-storage retries.',
    imp: 'low',
    internal: true,
    min: 0,
    max: 0.5,
  }),
  def('remote.log.reader.threads', 'int', '10', { doc: 'Threads reading from remote storage.', min: 1 }),
  def('remote.log.reader.max.pending.tasks', 'int', '100', {
    doc: 'Queued remote reads before fetches fail.',
    min: 1,
  }),
  def('log.local.retention.ms', 'long', '-2', {
    doc: 'How long tiered topics keep data locally; -2 follows log.retention.ms.',
    dyn: 'cluster',
    min: -2,
  }),
  def('log.local.retention.bytes', 'long', '-2', {
    doc: 'Local bytes kept by tiered topics; -2 follows log.retention.bytes.',
    dyn: 'cluster',
    min: -2,
  }),
  def('remote.log.manager.copy.max.bytes.per.second', 'long', LONG_MAX, {
    doc: 'Throttle of copies to remote storage.',
    dyn: 'cluster',
    min: 1,
  }),
  def('remote.log.manager.copy.quota.window.num', 'int', '11', {
    doc: 'Samples kept for the copy throttle.',
    min: 1,
  }),
  def('remote.log.manager.copy.quota.window.size.seconds', 'int', '1', {
    doc: 'Length of one copy throttle sample.',
    min: 1,
  }),
  def('remote.log.manager.fetch.max.bytes.per.second', 'long', LONG_MAX, {
    doc: 'Throttle of reads from remote storage.',
    dyn: 'cluster',
    min: 1,
  }),
  def('remote.log.manager.fetch.quota.window.num', 'int', '11', {
    doc: 'Samples kept for the fetch throttle.',
    min: 1,
  }),
  def('remote.log.manager.fetch.quota.window.size.seconds', 'int', '1', {
    doc: 'Length of one fetch throttle sample.',
    min: 1,
  }),
  def('remote.fetch.max.wait.ms', 'int', '500', {
    doc: 'Longest wait for a remote fetch.',
    dyn: 'cluster',
    min: 1,
  }),
  def('remote.list.offsets.request.timeout.ms', 'long', '30000', {
    doc: 'Longest wait for a remote ListOffsets lookup.',
    dyn: 'cluster',
    min: 1,
  }),
];

export const LOG_DEFINITIONS: readonly ConfigDefinition[] = [...LOG, ...CLEANER, ...REMOTE];

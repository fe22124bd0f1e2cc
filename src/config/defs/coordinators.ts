// Broker keys of the group, share and transaction coordinators, quotas, metrics, delegation tokens and
// the password encoder.

import type { ConfigDefinition } from '../types.js';
import { def, INT_MAX } from './define.js';

const SHARE = 'Share groups (KIP-932) are not implemented by Samsa.';

const GROUPS: ConfigDefinition[] = [
  def('group.min.session.timeout.ms', 'int', '6000', {
    doc: 'Shortest session timeout a classic group member may ask for.',
    impl: true,
  }),
  def('group.max.session.timeout.ms', 'int', '1800000', {
    doc: 'Longest session timeout a classic group member may ask for.',
    impl: true,
  }),
  def('group.initial.rebalance.delay.ms', 'int', '3000', {
    doc: 'How long a new classic group waits for more members before its first rebalance.',
    impl: true,
  }),
  def('group.max.size', 'int', INT_MAX, { doc: 'Most members in a classic group.', impl: true, min: 1 }),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer', {
    doc: 'Rebalance protocols the group coordinator accepts: classic, consumer, share.',
    listOf: ['consumer', 'classic', 'share'],
    k39: 'classic',
  }),
  def('group.coordinator.threads', 'int', '1', { doc: 'Threads of the group coordinator.', min: 1 }),
  def('group.coordinator.append.linger.ms', 'int', '10', {
    doc: 'How long the coordinator gathers writes before flushing.',
    min: 0,
  }),
  def('group.coordinator.new.enable', 'boolean', 'true', {
    doc: 'Use the new group coordinator.',
    internal: true,
    k39: 'false',
  }),
  def('group.consumer.session.timeout.ms', 'int', '45000', {
    doc: 'Session timeout of consumer-protocol groups.',
    min: 1,
  }),
  def('group.consumer.min.session.timeout.ms', 'int', '45000', {
    doc: 'Shortest session timeout of consumer-protocol groups.',
    min: 1,
  }),
  def('group.consumer.max.session.timeout.ms', 'int', '60000', {
    doc: 'Longest session timeout of consumer-protocol groups.',
    min: 1,
  }),
  def('group.consumer.heartbeat.interval.ms', 'int', '5000', {
    doc: 'Heartbeat interval given to consumer-protocol members.',
    min: 1,
  }),
  def('group.consumer.min.heartbeat.interval.ms', 'int', '5000', {
    doc: 'Shortest heartbeat interval of consumer-protocol groups.',
    min: 1,
  }),
  def('group.consumer.max.heartbeat.interval.ms', 'int', '15000', {
    doc: 'Longest heartbeat interval of consumer-protocol groups.',
    min: 1,
  }),
  def('group.consumer.max.size', 'int', INT_MAX, {
    doc: 'Most members in a consumer-protocol group.',
    min: 1,
  }),
  def(
    'group.consumer.assignors',
    'list',
    'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor',
    {
      doc: 'Server-side assignors of consumer-protocol groups; the first is the default.',
    },
  ),
  def('group.consumer.migration.policy', 'string', 'bidirectional', {
    doc: 'Whether groups may switch between the classic and consumer protocols.',
    internal: true,
    oneOf: ['disabled', 'upgrade', 'downgrade', 'bidirectional'],
    caseInsensitive: true,
    k39: 'disabled',
  }),
  def('offset.metadata.max.bytes', 'int', '4096', {
    doc: 'Largest metadata string of a committed offset.',
    imp: 'high',
    impl: true,
  }),
  def('offsets.load.buffer.size', 'int', '5242880', {
    doc: 'Read size when loading offsets into the coordinator.',
    imp: 'high',
    min: 1,
  }),
  def('offsets.topic.replication.factor', 'short', '3', {
    doc: 'Replicas of __consumer_offsets; a standalone Samsa node lowers it to the number of live brokers, a cluster creates the topic once that many brokers are live (as Kafka).',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('offsets.topic.num.partitions', 'int', '50', {
    doc: 'Partitions of __consumer_offsets (fixed once created).',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('offsets.topic.segment.bytes', 'int', '104857600', {
    doc: 'Segment size of __consumer_offsets.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('offsets.topic.compression.codec', 'int', '0', {
    doc: 'Codec id for __consumer_offsets batches (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).',
    imp: 'high',
  }),
  def('offsets.retention.minutes', 'int', '10080', {
    doc: 'How long the committed offsets of an empty group are kept.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('offsets.retention.check.interval.ms', 'long', '600000', {
    doc: 'How often expired offsets are removed.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('offsets.commit.timeout.ms', 'int', '5000', {
    doc: 'How long an offset commit waits for its write.',
    imp: 'high',
    min: 1,
  }),
  def('offsets.commit.required.acks', 'short', '-1', {
    doc: 'Acks needed for an offset commit.',
    imp: 'high',
    removedIn: '4.0',
  }),
];

const SHARE_GROUPS: ConfigDefinition[] = [
  def('group.share.enable', 'boolean', 'false', {
    doc: 'Enable share groups (early access).',
    internal: true,
    note: SHARE,
  }),
  def('group.share.session.timeout.ms', 'int', '45000', { doc: 'Session timeout of share groups.', min: 1 }),
  def('group.share.min.session.timeout.ms', 'int', '45000', {
    doc: 'Shortest session timeout of share groups.',
    min: 1,
  }),
  def('group.share.max.session.timeout.ms', 'int', '60000', {
    doc: 'Longest session timeout of share groups.',
    min: 1,
  }),
  def('group.share.heartbeat.interval.ms', 'int', '5000', {
    doc: 'Heartbeat interval of share group members.',
    min: 1,
  }),
  def('group.share.min.heartbeat.interval.ms', 'int', '5000', {
    doc: 'Shortest heartbeat interval of share groups.',
    min: 1,
  }),
  def('group.share.max.heartbeat.interval.ms', 'int', '15000', {
    doc: 'Longest heartbeat interval of share groups.',
    min: 1,
  }),
  def('group.share.max.size', 'int', '200', { doc: 'Most members of a share group.', min: 10, max: 1000 }),
  def('group.share.delivery.count.limit', 'int', '5', {
    doc: 'Delivery attempts of a record before it is archived.',
    min: 2,
    max: 10,
  }),
  def('group.share.record.lock.duration.ms', 'int', '30000', {
    doc: 'How long a share consumer holds a record.',
    min: 1000,
    max: 3600000,
  }),
  def('group.share.min.record.lock.duration.ms', 'int', '15000', {
    doc: 'Shortest record lock a group may configure.',
    min: 1000,
    max: 30000,
  }),
  def('group.share.max.record.lock.duration.ms', 'int', '60000', {
    doc: 'Longest record lock a group may configure.',
    min: 30000,
    max: 3600000,
  }),
  def('group.share.max.groups', 'short', '10', { doc: 'Most share groups.', min: 1, max: 100 }),
  def('group.share.partition.max.record.locks', 'int', '200', {
    doc: 'Most locked records per share partition.',
    min: 100,
    max: 10000,
  }),
  def('share.fetch.purgatory.purge.interval.requests', 'int', '1000', {
    doc: 'Purge interval of delayed share fetches, in requests.',
  }),
  def('share.fetch.max.fetch.records', 'int', INT_MAX, {
    doc: 'Most records in one share fetch.',
    imp: 'high',
    internal: true,
  }),
  def('share.coordinator.state.topic.num.partitions', 'int', '50', {
    doc: 'Partitions of __share_group_state.',
    imp: 'high',
    min: 1,
  }),
  def('share.coordinator.state.topic.replication.factor', 'short', '3', {
    doc: 'Replicas of __share_group_state.',
    imp: 'high',
    min: 1,
  }),
  def('share.coordinator.state.topic.min.isr', 'short', '2', {
    doc: 'min.insync.replicas of __share_group_state.',
    imp: 'high',
    min: 1,
  }),
  def('share.coordinator.state.topic.segment.bytes', 'int', '104857600', {
    doc: 'Segment size of __share_group_state.',
    imp: 'high',
    min: 1,
  }),
  def('share.coordinator.state.topic.compression.codec', 'int', '0', {
    doc: 'Codec id for __share_group_state batches.',
    imp: 'high',
  }),
  def('share.coordinator.threads', 'int', '1', { doc: 'Threads of the share coordinator.', min: 1 }),
  def('share.coordinator.snapshot.update.records.per.snapshot', 'int', '500', {
    doc: 'State updates between share snapshots.',
    min: 0,
  }),
  def('share.coordinator.load.buffer.size', 'int', '5242880', {
    doc: 'Read size when loading share state.',
    imp: 'high',
    min: 1,
  }),
  def('share.coordinator.append.linger.ms', 'int', '10', {
    doc: 'How long the share coordinator gathers writes.',
    min: 0,
  }),
  def('share.coordinator.write.timeout.ms', 'int', '5000', {
    doc: 'How long a share state write may take.',
    imp: 'high',
    min: 1,
  }),
];

const TRANSACTIONS: ConfigDefinition[] = [
  def('transaction.state.log.num.partitions', 'int', '50', {
    doc: 'Partitions of __transaction_state (fixed once created).',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.state.log.replication.factor', 'short', '3', {
    doc: 'Replicas of __transaction_state; Samsa lowers it to the number of live brokers.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.state.log.min.isr', 'int', '2', {
    doc: 'min.insync.replicas of __transaction_state.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.state.log.segment.bytes', 'int', '104857600', {
    doc: 'Segment size of __transaction_state.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.state.log.load.buffer.size', 'int', '5242880', {
    doc: 'Read size when loading transaction state.',
    imp: 'high',
    min: 1,
  }),
  def('transaction.partition.verification.enable', 'boolean', 'true', {
    doc: 'Check that a transactional write belongs to an ongoing transaction.',
    imp: 'low',
    impl: true,
    dyn: 'cluster',
  }),
  def('producer.id.expiration.ms', 'int', '86400000', {
    doc: 'How long a producer id is remembered by a partition after its last write.',
    imp: 'low',
    impl: true,
    dyn: 'cluster',
    min: 1,
  }),
  def('producer.id.expiration.check.interval.ms', 'int', '600000', {
    doc: 'How often expired producer ids are removed.',
    imp: 'low',
    internal: true,
    min: 1,
  }),
  def('transactional.id.expiration.ms', 'int', '604800000', {
    doc: 'How long an idle transactional id is remembered.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.max.timeout.ms', 'int', '900000', {
    doc: 'Longest transaction timeout a producer may ask for.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', {
    doc: 'How often timed-out transactions are aborted.',
    imp: 'low',
    impl: true,
    min: 1,
  }),
  def('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', '3600000', {
    doc: 'How often expired transactional ids are removed.',
    imp: 'low',
    impl: true,
    min: 1,
  }),
];

const QUOTAS: ConfigDefinition[] = [
  def('quota.window.num', 'int', '11', {
    impl: true,
    doc: 'Samples kept for client quotas.',
    imp: 'low',
    min: 1,
  }),
  def('quota.window.size.seconds', 'int', '1', {
    impl: true,
    doc: 'Length of one client quota sample.',
    imp: 'low',
    min: 1,
  }),
  def('replication.quota.window.num', 'int', '11', {
    doc: 'Samples kept for replication quotas.',
    imp: 'low',
    min: 1,
  }),
  def('replication.quota.window.size.seconds', 'int', '1', {
    doc: 'Length of one replication quota sample.',
    imp: 'low',
    min: 1,
  }),
  def('alter.log.dirs.replication.quota.window.num', 'int', '11', {
    doc: 'Samples kept for log directory move quotas.',
    imp: 'low',
    min: 1,
  }),
  def('alter.log.dirs.replication.quota.window.size.seconds', 'int', '1', {
    doc: 'Length of one log directory move quota sample.',
    imp: 'low',
    min: 1,
  }),
  def('controller.quota.window.num', 'int', '11', {
    impl: true,
    doc: 'Samples kept for controller mutation quotas.',
    imp: 'low',
    min: 1,
  }),
  def('controller.quota.window.size.seconds', 'int', '1', {
    impl: true,
    doc: 'Length of one controller mutation quota sample.',
    imp: 'low',
    min: 1,
  }),
  def('client.quota.callback.class', 'class', null, { doc: 'Plugin deciding client quotas.', imp: 'low' }),
  // Dynamic-only broker keys (set with kafka-configs --entity-type brokers, e.g. by reassignment throttles).
  def('leader.replication.throttled.rate', 'long', '9223372036854775807', {
    doc: 'Throttle of replication traffic sent by leaders, bytes/s.',
    dyn: 'cluster',
    unlisted: true,
    min: 0,
  }),
  def('follower.replication.throttled.rate', 'long', '9223372036854775807', {
    doc: 'Throttle of replication traffic read by followers, bytes/s.',
    dyn: 'cluster',
    unlisted: true,
    min: 0,
  }),
  def('replica.alter.log.dirs.io.max.bytes.per.second', 'long', '9223372036854775807', {
    doc: 'Throttle of moves between log directories, bytes/s.',
    dyn: 'cluster',
    unlisted: true,
    min: 0,
  }),
];

const METRICS: ConfigDefinition[] = [
  def('metrics.num.samples', 'int', '2', { doc: 'Samples kept per metric.', imp: 'low', min: 1 }),
  def('metrics.sample.window.ms', 'long', '30000', {
    doc: 'Length of one metric sample.',
    imp: 'low',
    min: 1,
  }),
  def('metric.reporters', 'list', 'org.apache.kafka.common.metrics.JmxReporter', {
    doc: 'Metric reporter plugin classes.',
    imp: 'low',
    dyn: 'cluster',
    k39: '',
    note: 'Samsa serves Prometheus text on metrics.port instead.',
  }),
  def('metrics.recording.level', 'string', 'INFO', { doc: 'Highest level of metrics recorded.', imp: 'low' }),
  def('kafka.metrics.reporters', 'list', '', { doc: 'Yammer metrics reporter classes.', imp: 'low' }),
  def('kafka.metrics.polling.interval.secs', 'int', '10', {
    doc: 'Polling interval of Yammer metrics reporters.',
    imp: 'low',
    min: 1,
  }),
  def('telemetry.max.bytes', 'int', '1048576', {
    doc: 'Largest client telemetry push accepted.',
    imp: 'low',
    min: 1,
  }),
  def('auto.include.jmx.reporter', 'boolean', 'true', {
    doc: 'Add the JMX reporter to metric.reporters.',
    imp: 'low',
    removedIn: '4.0',
  }),
];

const TOKENS: ConfigDefinition[] = [
  def('delegation.token.secret.key', 'password', null, {
    doc: 'Secret used to sign delegation tokens; tokens are disabled without it.',
  }),
  def('delegation.token.master.key', 'password', null, {
    doc: 'Older name of delegation.token.secret.key.',
    removedIn: '4.0',
  }),
  def('delegation.token.max.lifetime.ms', 'long', '604800000', {
    doc: 'Longest life of a delegation token.',
    min: 1,
  }),
  def('delegation.token.expiry.time.ms', 'long', '86400000', {
    doc: 'Life of a delegation token before it must be renewed.',
    min: 1,
  }),
  def('delegation.token.expiry.check.interval.ms', 'long', '3600000', {
    doc: 'How often expired tokens are removed.',
    imp: 'low',
    min: 1,
  }),
  def('password.encoder.secret', 'password', null, {
    doc: 'Secret that encrypts passwords stored as dynamic configs.',
  }),
  def('password.encoder.old.secret', 'password', null, {
    doc: 'Previous encoder secret, used when rotating it.',
  }),
  def('password.encoder.keyfactory.algorithm', 'string', null, {
    doc: 'Key derivation algorithm of the password encoder.',
    imp: 'low',
  }),
  def('password.encoder.cipher.algorithm', 'string', 'AES/CBC/PKCS5Padding', {
    doc: 'Cipher of the password encoder.',
    imp: 'low',
  }),
  def('password.encoder.key.length', 'int', '128', {
    doc: 'Key length of the password encoder.',
    imp: 'low',
    min: 8,
  }),
  def('password.encoder.iterations', 'int', '4096', {
    doc: 'Key derivation iterations of the password encoder.',
    imp: 'low',
    min: 1024,
  }),
];

export const COORDINATOR_DEFINITIONS: readonly ConfigDefinition[] = [
  ...GROUPS,
  ...SHARE_GROUPS,
  ...TRANSACTIONS,
  ...QUOTAS,
  ...METRICS,
  ...TOKENS,
];

// The public surface of the client.

export type {
  AbortTransactionSpec,
  AclBinding,
  AclFilter,
  AclOperationName,
  AclPatternType,
  AclPermission,
  AclResourceType,
  AdminCallOptions,
  AlterConfigOp,
  BrokerApiVersions,
  BrokerFeatures,
  ClusterDescription,
  ConfigDescription,
  ConfigEntry,
  ConfigResource,
  ConfigResourceType,
  CreatedTopic,
  GroupDescription,
  GroupListing,
  ListTransactionsOptions,
  LogDirDescription,
  NewTopic,
  OffsetQuery,
  PartitionRead,
  PartitionReassignment,
  ProducerState,
  QuorumDescription,
  QuorumReplica,
  QuotaEntity,
  QuotaEntry,
  ReadFrom,
  ReadOptions,
  ReassignmentResult,
  ReassignmentTarget,
  ReplicaLogDirTarget,
  ScramAlteration,
  ScramMechanismName,
  ScramUserDescription,
  TopicDescription,
  TransactionDescription,
  TransactionListing,
} from './admin.js';
export { Admin } from './admin.js';
export {
  type Assignor,
  cooperativeStickyAssignor,
  type MemberSubscription,
  rangeAssignor,
  roundRobinAssignor,
} from './assignors.js';
export type {
  Acks,
  AdminConfig,
  AutoOffsetReset,
  CommonConfig,
  CompressionType,
  ConsumerConfig,
  IsolationLevel,
  Logger,
  ProducerConfig,
} from './config.js';
export { configKeys } from './config.js';
export { Consumer, type RebalanceListener, type RecordBatch } from './consumer.js';
export type { ConsumerRecord, ConsumerRecordHeader } from './consumer-records.js';
export { type ClientErrorCode, type ErrorLocation, KafkaError } from './errors.js';
export {
  murmur2,
  type Partitioner,
  type PartitionerArgs,
  partitionForKey,
  toPositive,
} from './partitioner.js';
export {
  type GroupMetadata,
  type OffsetToSend,
  Producer,
  type ProducerRecord,
  type RecordHeaders,
  type RecordMetadata,
  type Transaction,
} from './producer.js';
export type { CommittedOffset, ListedOffset, OffsetToCommit, TopicPartition } from './requests.js';

// The admin client: topics, partitions, configs, consumer groups and their offsets, offsets by
// time, record deletion, the cluster and its log dirs. Calls that touch several topics or groups
// report every failure (a KafkaError per location, gathered in `errors` when there are several).
import type {
  CreatePartitionsResponse,
  CreateTopicsResponse,
  DeleteRecordsResponse,
  DeleteTopicsResponse,
  DescribeClusterResponse,
  DescribeLogDirsResponse,
  MetadataResponse,
} from '../protocol/index.js';
import {
  type BrokerFeatures,
  brokerFeatures,
  describeQuorum,
  type QuorumDescription,
} from './admin-cluster.js';
import type {
  AlterConfigOp,
  ConfigDescription,
  ConfigResource,
  ConfigResourceType,
} from './admin-configs.js';
import * as configs from './admin-configs.js';
import type { GroupDescription, GroupListing } from './admin-groups.js';
import * as groups from './admin-groups.js';
import { type PartitionRead, type ReadFrom, type ReadOptions, readRecords } from './admin-records.js';
import * as replicas from './admin-replicas.js';
import type {
  AclBinding,
  AclFilter,
  QuotaEntity,
  QuotaEntry,
  ScramAlteration,
  ScramUserDescription,
} from './admin-security.js';
import * as security from './admin-security.js';
import * as txns from './admin-txns.js';
import { Cluster, sleep, type TopicInfo } from './cluster.js';
import { type AdminConfig, resolveAdminConfig } from './config.js';
import { clientError, combineErrors, type KafkaError, kafkaError } from './errors.js';
import {
  type CommittedOffset,
  commitOffsets,
  fetchCommitted,
  type ListedOffset,
  listOffsets,
  type OffsetToCommit,
  type TopicPartition,
  tpKey,
} from './requests.js';
import { API } from './versions.js';

export type { BrokerFeatures, QuorumDescription, QuorumReplica } from './admin-cluster.js';
export type {
  AlterConfigOp,
  ConfigDescription,
  ConfigEntry,
  ConfigResource,
  ConfigResourceType,
  ConfigSource,
} from './admin-configs.js';
export type { GroupDescription, GroupListing, GroupMemberDescription } from './admin-groups.js';
export type { PartitionRead, ReadFrom, ReadOptions } from './admin-records.js';
export type {
  PartitionReassignment,
  ReassignmentResult,
  ReassignmentTarget,
  ReplicaLogDirTarget,
} from './admin-replicas.js';
export type {
  AclBinding,
  AclFilter,
  AclOperationName,
  AclPatternType,
  AclPermission,
  AclResourceType,
  QuotaEntity,
  QuotaEntry,
  ScramAlteration,
  ScramMechanismName,
  ScramUserDescription,
} from './admin-security.js';
export type {
  AbortTransactionSpec,
  ListTransactionsOptions,
  ProducerState,
  TransactionDescription,
  TransactionListing,
} from './admin-txns.js';

export interface NewTopic {
  name: string;
  /** Default: the broker's num.partitions. */
  numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replica placement: partition -> broker ids. */
  assignments?: Record<number, number[]>;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: {
    partition: number;
    leader: number;
    leaderEpoch: number;
    replicas: number[];
    isr: number[];
    offlineReplicas: number[];
  }[];
}

export type OffsetQuery = 'earliest' | 'latest' | 'max-timestamp' | number;

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  /** `fenced` only when asked for with includeFencedBrokers and the broker answers DescribeCluster v2. */
  brokers: { nodeId: number; host: string; port: number; rack: string | null; fenced?: boolean }[];
}

export interface LogDirDescription {
  broker: number;
  logDir: string;
  errorCode: number;
  totalBytes: number;
  usableBytes: number;
  partitions: { topic: string; partition: number; sizeBytes: number; offsetLag: number; isFuture: boolean }[];
}

export interface BrokerApiVersions {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  versions: { apiKey: number; minVersion: number; maxVersion: number }[];
  error?: KafkaError;
}

export interface AdminCallOptions {
  timeoutMs?: number;
}

function offsetTimestamp(q: OffsetQuery): number {
  if (q === 'earliest') return -2;
  if (q === 'latest') return -1;
  if (q === 'max-timestamp') return -3;
  return q;
}

export class Admin {
  readonly cluster: Cluster;

  constructor(config: AdminConfig) {
    this.cluster = new Cluster(resolveAdminConfig(config));
  }

  /** Opens a connection to the cluster (optional: every call connects on demand). */
  async connect(): Promise<void> {
    await this.cluster.refreshMetadata();
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }

  private timeout(options?: AdminCallOptions): number {
    return options?.timeoutMs ?? this.cluster.config.defaultApiTimeoutMs;
  }

  /** Sends to the controller (the broker Metadata names), retrying when it moved. */
  private toController<T>(
    api: string,
    apiKey: number,
    build: (v: number) => unknown,
    timeoutMs: number,
  ): Promise<T> {
    return this.cluster.withRetries(
      api,
      async () => {
        const conn = await this.cluster.controllerConnection();
        return conn.send<T>(apiKey, build, { timeoutMs: timeoutMs + this.cluster.config.requestTimeoutMs });
      },
      timeoutMs,
    );
  }

  async createTopics(
    topics: readonly NewTopic[],
    options: AdminCallOptions & { validateOnly?: boolean; waitForLeaders?: boolean } = {},
  ): Promise<CreatedTopic[]> {
    const timeoutMs = this.timeout(options);
    const res = await this.toController<CreateTopicsResponse>(
      'CreateTopics',
      API.CreateTopics,
      (v) => ({
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.assignments ? -1 : (t.numPartitions ?? -1),
          replicationFactor: t.assignments ? -1 : (t.replicationFactor ?? (v >= 4 ? -1 : 1)),
          assignments: Object.entries(t.assignments ?? {}).map(([p, brokerIds]) => ({
            partitionIndex: Number(p),
            brokerIds,
          })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      }),
      timeoutMs,
    );
    const errors: KafkaError[] = [];
    const created: CreatedTopic[] = [];
    for (const t of res.topics) {
      if (t.errorCode !== 0) {
        errors.push(kafkaError(t.errorCode, { topic: t.name, api: 'CreateTopics' }, t.errorMessage));
        continue;
      }
      const asked = topics.find((x) => x.name === t.name);
      created.push({
        name: t.name,
        topicId: t.topicId ?? '',
        numPartitions:
          t.numPartitions && t.numPartitions > 0 ? t.numPartitions : (asked?.numPartitions ?? -1),
        replicationFactor:
          t.replicationFactor && t.replicationFactor > 0
            ? t.replicationFactor
            : (asked?.replicationFactor ?? -1),
      });
    }
    if (errors.length > 0) throw combineErrors(errors, 'CreateTopics failed');
    if (options.waitForLeaders !== false && !options.validateOnly) {
      await Promise.all(
        created.map((t) => this.cluster.topic(t.name, { deadlineMs: timeoutMs, autoCreate: false })),
      );
    }
    return created;
  }

  async deleteTopics(names: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    const timeoutMs = this.timeout(options);
    const res = await this.toController<DeleteTopicsResponse>(
      'DeleteTopics',
      API.DeleteTopics,
      (v) =>
        v >= 6
          ? { topics: names.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })), timeoutMs }
          : { topicNames: [...names], timeoutMs },
      timeoutMs,
    );
    const errors = res.responses
      .filter((r) => r.errorCode !== 0)
      .map((r) =>
        kafkaError(r.errorCode, { topic: r.name ?? r.topicId, api: 'DeleteTopics' }, r.errorMessage),
      );
    for (const n of names) {
      this.cluster.topics.delete(n);
      this.cluster.tracked.delete(n);
    }
    if (errors.length > 0) throw combineErrors(errors, 'DeleteTopics failed');
  }

  private async allTopicsMetadata(): Promise<MetadataResponse> {
    const res = await this.cluster.withRetries('Metadata', async () => {
      const conn = await this.cluster.anyConnection();
      return conn.send<MetadataResponse>(API.Metadata, () => ({
        topics: null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }));
    });
    this.cluster.applyMetadata(res, null);
    return res;
  }

  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const res = await this.allTopicsMetadata();
    return res.topics
      .filter((t) => t.errorCode === 0 && t.name !== null && (options.includeInternal || !t.isInternal))
      .map((t) => t.name as string)
      .sort();
  }

  /** Every topic with its partitions, from one Metadata request. */
  async describeAllTopics(options: { includeInternal?: boolean } = {}): Promise<TopicDescription[]> {
    const res = await this.allTopicsMetadata();
    const out: TopicDescription[] = [];
    for (const t of res.topics) {
      if (t.errorCode !== 0 || t.name === null || (t.isInternal && !options.includeInternal)) continue;
      const info = this.cluster.topics.get(t.name);
      if (!info) continue;
      out.push({
        name: info.name,
        topicId: info.topicId,
        isInternal: info.isInternal,
        partitions: info.partitions.map(({ errorCode: _e, ...p }) => p),
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async describeTopics(
    names: readonly string[],
    options: AdminCallOptions = {},
  ): Promise<TopicDescription[]> {
    const res = await this.cluster.withRetries(
      'Metadata',
      async () => {
        const conn = await this.cluster.anyConnection();
        return conn.send<MetadataResponse>(API.Metadata, () => ({
          topics: names.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        }));
      },
      this.timeout(options),
    );
    this.cluster.applyMetadata(res, [...names]);
    const errors: KafkaError[] = [];
    const out: TopicDescription[] = [];
    for (const t of res.topics) {
      if (t.errorCode !== 0) {
        errors.push(kafkaError(t.errorCode, { topic: t.name ?? undefined, api: 'Metadata' }));
        continue;
      }
      const info = this.cluster.topics.get(t.name as string) as TopicInfo;
      out.push({
        name: info.name,
        topicId: info.topicId,
        isInternal: info.isInternal,
        partitions: info.partitions.map(({ errorCode: _e, ...p }) => p),
      });
    }
    if (errors.length > 0) throw combineErrors(errors, 'describeTopics failed');
    return out;
  }

  /** Raises the partition count of topics to the given totals. */
  async createPartitions(
    totals: Record<string, number>,
    options: AdminCallOptions & { validateOnly?: boolean } = {},
  ): Promise<void> {
    const timeoutMs = this.timeout(options);
    const res = await this.toController<CreatePartitionsResponse>(
      'CreatePartitions',
      API.CreatePartitions,
      () => ({
        topics: Object.entries(totals).map(([name, count]) => ({ name, count, assignments: null })),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      }),
      timeoutMs,
    );
    const errors = res.results
      .filter((r) => r.errorCode !== 0)
      .map((r) => kafkaError(r.errorCode, { topic: r.name, api: 'CreatePartitions' }, r.errorMessage));
    if (errors.length > 0) throw combineErrors(errors, 'CreatePartitions failed');
    await this.cluster.refreshMetadata(Object.keys(totals), { autoCreate: false }).catch(() => {});
  }

  describeConfigs(
    resources: readonly ConfigResource[],
    options: AdminCallOptions & { includeSynonyms?: boolean } = {},
  ): Promise<ConfigDescription[]> {
    return configs.describeConfigs(this.cluster, resources, options, this.timeout(options));
  }

  incrementalAlterConfigs(
    changes: readonly { type: ConfigResourceType; name: string; ops: readonly AlterConfigOp[] }[],
    options: AdminCallOptions & { validateOnly?: boolean } = {},
  ): Promise<void> {
    return configs.incrementalAlterConfigs(this.cluster, changes, options, this.timeout(options));
  }

  /** Creates ACLs (needs ALTER on the cluster). */
  createAcls(acls: readonly AclBinding[], options: AdminCallOptions = {}): Promise<void> {
    return security.createAcls(this.cluster, acls, this.timeout(options));
  }

  /** The ACLs a filter selects (all of them for an empty filter). */
  describeAcls(filter: AclFilter = {}, options: AdminCallOptions = {}): Promise<AclBinding[]> {
    return security.describeAcls(this.cluster, filter, this.timeout(options));
  }

  /** Deletes the ACLs each filter selects; returns them, per filter. */
  deleteAcls(filters: readonly AclFilter[], options: AdminCallOptions = {}): Promise<AclBinding[][]> {
    return security.deleteAcls(this.cluster, filters, this.timeout(options));
  }

  /** Creates, replaces or deletes SCRAM credentials; passwords are salted and hashed before they leave. */
  alterUserScramCredentials(
    alterations: readonly ScramAlteration[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return security.alterUserScramCredentials(this.cluster, alterations, this.timeout(options));
  }

  /** SCRAM mechanisms and iterations of the named users (every user without names). */
  describeUserScramCredentials(
    users?: readonly string[],
    options: AdminCallOptions = {},
  ): Promise<ScramUserDescription[]> {
    return security.describeUserScramCredentials(this.cluster, users, this.timeout(options));
  }

  /** Sets (a number) or removes (null) client quotas of user and client-id entities. */
  alterClientQuotas(
    changes: readonly { entity: QuotaEntity; quotas: Record<string, number | null> }[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return security.alterClientQuotas(this.cluster, changes, this.timeout(options));
  }

  /** Stored client quotas matching a filter (see QuotaEntity; `anyUser`/`anyClientId` match any name). */
  describeClientQuotas(
    filter: { user?: string | null; clientId?: string | null; anyUser?: boolean; anyClientId?: boolean } = {},
    options: AdminCallOptions & { strict?: boolean } = {},
  ): Promise<QuotaEntry[]> {
    return security.describeClientQuotas(
      this.cluster,
      filter,
      options.strict ?? false,
      this.timeout(options),
    );
  }

  /** Starts (or, with replicas null, cancels) partition reassignments; a result per partition. */
  alterPartitionReassignments(
    targets: readonly replicas.ReassignmentTarget[],
    options: AdminCallOptions = {},
  ): Promise<replicas.ReassignmentResult[]> {
    return replicas.alterPartitionReassignments(
      (api, key, build, t) => this.toController(api, key, build, t),
      targets,
      this.timeout(options),
    );
  }

  /** The ongoing partition reassignments (of the given partitions, or all). */
  listPartitionReassignments(
    partitions: readonly { topic: string; partition: number }[] | null = null,
    options: AdminCallOptions = {},
  ): Promise<replicas.PartitionReassignment[]> {
    return replicas.listPartitionReassignments(
      (api, key, build, t) => this.toController(api, key, build, t),
      partitions,
      this.timeout(options),
    );
  }

  /** Moves replicas to other log dirs of their brokers; an error per replica, or null. */
  alterReplicaLogDirs(
    targets: readonly replicas.ReplicaLogDirTarget[],
  ): Promise<(replicas.ReplicaLogDirTarget & { error: KafkaError | null })[]> {
    return replicas.alterReplicaLogDirs(this.cluster, targets);
  }

  /** Groups known to every broker; fails when a broker does not answer. */
  listGroups(options: groups.ListGroupsOptions = {}): Promise<GroupListing[]> {
    return groups.listGroups(this.cluster, options);
  }

  /** The groups of the brokers that answered, and an error for each broker that did not. */
  listGroupsAnswered(
    options: groups.ListGroupsOptions = {},
  ): Promise<{ groups: GroupListing[]; errors: KafkaError[] }> {
    return groups.listGroupsAnswered(this.cluster, options);
  }

  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return groups.describeGroups(this.cluster, groupIds);
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return groups.deleteGroups(this.cluster, groupIds);
  }

  /** Committed offsets of a group (all its partitions, or the given ones). */
  listGroupOffsets(
    groupId: string,
    partitions: readonly TopicPartition[] | null = null,
  ): Promise<CommittedOffset[]> {
    return fetchCommitted(this.cluster, groupId, partitions);
  }

  /** Commits offsets for a group that has no active members (as kafka-consumer-groups --reset-offsets). */
  alterGroupOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    return commitOffsets(this.cluster, groupId, offsets);
  }

  deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    return groups.deleteGroupOffsets(this.cluster, groupId, partitions);
  }

  /** The transactions every broker coordinates (filtered by state, producer id, running time). */
  listTransactions(options: txns.ListTransactionsOptions = {}): Promise<txns.TransactionListing[]> {
    return txns.listTransactions(this.cluster, options);
  }

  /** The state of transactional ids, from their coordinators. */
  describeTransactions(transactionalIds: readonly string[]): Promise<txns.TransactionDescription[]> {
    return txns.describeTransactions(this.cluster, transactionalIds);
  }

  /** The active producers of a partition (idempotent and transactional), on its leader or `brokerId`. */
  describeProducers(tp: TopicPartition, options: { brokerId?: number } = {}): Promise<txns.ProducerState[]> {
    return txns.describeProducers(this.cluster, tp, options.brokerId);
  }

  /** Aborts a producer's open (hanging) transaction on one partition by writing its ABORT marker. */
  abortTransaction(spec: txns.AbortTransactionSpec): Promise<void> {
    return txns.abortTransaction(this.cluster, spec);
  }

  /** Offsets by time (a timestamp in ms) or the earliest / latest / max-timestamp offsets. */
  async listOffsets(
    queries: readonly (TopicPartition & { at: OffsetQuery })[],
    options: AdminCallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {},
  ): Promise<ListedOffset[]> {
    // A request may name a partition once, so each distinct time gets its own lookup.
    const byTime = new Map<number, TopicPartition[]>();
    for (const q of queries) {
      const ts = offsetTimestamp(q.at);
      byTime.set(ts, [...(byTime.get(ts) ?? []), { topic: q.topic, partition: q.partition }]);
    }
    const found = new Map<number, Map<string, ListedOffset>>();
    await Promise.all(
      [...byTime].map(async ([timestamp, tps]) => {
        const map = await listOffsets(
          this.cluster,
          tps.map((tp) => ({ ...tp, timestamp })),
          options.isolationLevel === 'read_committed' ? 1 : 0,
          this.timeout(options),
        );
        found.set(timestamp, map);
      }),
    );
    return queries.map(
      (q) => found.get(offsetTimestamp(q.at))?.get(tpKey(q.topic, q.partition)) as ListedOffset,
    );
  }

  /** Deletes records before the given offsets (-1: up to the high watermark); returns the new low watermarks. */
  async deleteRecords(
    before: readonly (TopicPartition & { offset: number })[],
    options: AdminCallOptions = {},
  ): Promise<(TopicPartition & { lowWatermark: number })[]> {
    const timeoutMs = this.timeout(options);
    const byLeader = new Map<number, (TopicPartition & { offset: number })[]>();
    for (const b of before) {
      const t = await this.cluster.topic(b.topic, { autoCreate: false });
      const leader = t.partitions[b.partition]?.leader;
      if (leader === undefined)
        throw kafkaError(3, { topic: b.topic, partition: b.partition, api: 'DeleteRecords' });
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), b]);
    }
    const out: (TopicPartition & { lowWatermark: number })[] = [];
    const errors: KafkaError[] = [];
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const byTopic = new Map<string, typeof list>();
        for (const b of list) byTopic.set(b.topic, [...(byTopic.get(b.topic) ?? []), b]);
        try {
          const res = await this.cluster.sendTo<DeleteRecordsResponse>(leader, API.DeleteRecords, () => ({
            topics: [...byTopic].map(([name, ps]) => ({
              name,
              partitions: ps.map((p) => ({ partitionIndex: p.partition, offset: p.offset })),
            })),
            timeoutMs,
          }));
          for (const t of res.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0)
                errors.push(
                  kafkaError(p.errorCode, {
                    topic: t.name,
                    partition: p.partitionIndex,
                    broker: leader,
                    api: 'DeleteRecords',
                  }),
                );
              else out.push({ topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark });
            }
          }
        } catch (e) {
          errors.push(e as KafkaError);
        }
      }),
    );
    if (errors.length > 0) throw combineErrors(errors, 'DeleteRecords failed');
    return out;
  }

  /**
   * The cluster id, a controller id and the brokers. With includeFencedBrokers (KIP-1073, DescribeCluster
   * v2) fenced brokers are listed too, each marked; older brokers list the unfenced ones only.
   */
  async describeCluster(options: { includeFencedBrokers?: boolean } = {}): Promise<ClusterDescription> {
    const conn = await this.cluster.anyConnection();
    if (conn.versionOf(API.DescribeCluster) !== undefined) {
      const withFenced = options.includeFencedBrokers === true;
      const res = await this.cluster.withRetries('DescribeCluster', async () =>
        (await this.cluster.anyConnection()).send<DescribeClusterResponse>(API.DescribeCluster, () => ({
          includeClusterAuthorizedOperations: false,
          endpointType: 1,
          includeFencedBrokers: withFenced,
        })),
      );
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, { api: 'DescribeCluster' }, res.errorMessage);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        brokers: res.brokers.map((b) => ({
          nodeId: b.brokerId,
          host: b.host,
          port: b.port,
          rack: b.rack,
          ...(withFenced && b.isFenced !== undefined ? { fenced: b.isFenced } : {}),
        })),
      };
    }
    await this.cluster.refreshMetadata();
    return {
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.controllerId,
      brokers: [...this.cluster.brokers.values()],
    };
  }

  /**
   * The API version ranges each broker of the cluster advertises in its ApiVersions answer (what
   * kafka-broker-api-versions.sh shows); a broker that cannot be reached has `error` instead.
   */
  async brokerApiVersions(options: AdminCallOptions = {}): Promise<BrokerApiVersions[]> {
    const timeoutMs = this.timeout(options);
    await this.cluster.refreshMetadata();
    const brokers = [...this.cluster.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
    return Promise.all(
      brokers.map(async (b) => {
        try {
          const conn = await this.cluster.withRetries(
            'ApiVersions',
            () => this.cluster.connectionTo(b.nodeId),
            timeoutMs,
          );
          const versions = [...conn.brokerVersions]
            .map(([apiKey, [minVersion, maxVersion]]) => ({ apiKey, minVersion, maxVersion }))
            .sort((x, y) => x.apiKey - y.apiKey);
          return { ...b, versions };
        } catch (e) {
          return { ...b, versions: [], error: e as KafkaError };
        }
      }),
    );
  }

  /**
   * Log dirs of the given brokers (default: all), with the size of each partition. `timeoutMs` bounds
   * the retries of a broker that cannot be reached.
   */
  async describeLogDirs(
    brokerIds?: readonly number[],
    options: AdminCallOptions = {},
  ): Promise<LogDirDescription[]> {
    const timeoutMs = this.timeout(options);
    if (!brokerIds) await this.cluster.refreshMetadata();
    const ids = brokerIds ?? [...this.cluster.brokers.keys()];
    const out: LogDirDescription[] = [];
    const errors: KafkaError[] = [];
    await Promise.all(
      ids.map(async (broker) => {
        try {
          const res = await this.cluster.withRetries(
            'DescribeLogDirs',
            () =>
              this.cluster.sendTo<DescribeLogDirsResponse>(broker, API.DescribeLogDirs, () => ({
                topics: null,
              })),
            timeoutMs,
          );
          if (res.errorCode) throw kafkaError(res.errorCode, { broker, api: 'DescribeLogDirs' });
          for (const d of res.results) {
            out.push({
              broker,
              logDir: d.logDir,
              errorCode: d.errorCode,
              totalBytes: d.totalBytes ?? -1,
              usableBytes: d.usableBytes ?? -1,
              partitions: d.topics.flatMap((t) =>
                t.partitions.map((p) => ({
                  topic: t.name,
                  partition: p.partitionIndex,
                  sizeBytes: p.partitionSize,
                  offsetLag: p.offsetLag,
                  isFuture: p.isFutureKey,
                })),
              ),
            });
          }
        } catch (e) {
          errors.push(e as KafkaError);
        }
      }),
    );
    if (errors.length > 0) throw combineErrors(errors, 'DescribeLogDirs failed');
    return out;
  }

  /** The metadata quorum (DescribeQuorum); UNSUPPORTED_VERSION from a broker that does not serve it. */
  describeQuorum(options: AdminCallOptions = {}): Promise<QuorumDescription> {
    return describeQuorum(this.cluster, this.timeout(options));
  }

  /** The features each broker advertises (ApiVersions v3+). */
  brokerFeatures(options: AdminCallOptions = {}): Promise<BrokerFeatures[]> {
    return brokerFeatures(this.cluster, this.timeout(options));
  }

  /** Reads partitions once from the given offsets, without a group (see admin-records.ts). */
  readRecords(from: readonly ReadFrom[], options: ReadOptions = {}): Promise<PartitionRead[]> {
    return readRecords(this.cluster, from, options);
  }

  /** Waits until `predicate` holds for the topic metadata (e.g. after a create). */
  async waitForTopic(name: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      try {
        await this.cluster.topic(name, { deadlineMs: until - Date.now(), autoCreate: false });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw clientError('REQUEST_TIMED_OUT', `topic ${name} did not appear`, {
      topic: name,
      retriable: true,
      errorCode: 7,
    });
  }
}

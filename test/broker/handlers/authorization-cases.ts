// The cases of the authorization matrix (authorization-matrix.test.ts): for every API the broker
// serves, one request, the ACLs Kafka asks for it, and the error it answers without them.
import { AclOperation, ResourceType } from '../../../src/security/acl/types.js';

export type Acl = [
  resourceType: number,
  name: string,
  operation: number,
  patternType?: number,
  permission?: number,
];

const T = ResourceType.TOPIC;
const G = ResourceType.GROUP;
const C = ResourceType.CLUSTER;
const X = ResourceType.TRANSACTIONAL_ID;
const CL = 'kafka-cluster';
const op = AclOperation;

export interface Case {
  api: string;
  key: number;
  version: number;
  body: () => unknown;
  acls: Acl[];
  /** ACLs present in both phases (the part of the request this case does not test). */
  base?: Acl[];
  /** The error code(s) the denied answer carries where this case looks. */
  // biome-ignore lint/suspicious/noExplicitAny: answers of every API, read field by field
  errorOf: (res: any) => number | number[];
  denied: number;
}

const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
// biome-ignore lint/suspicious/noExplicitAny: answers of every API, read field by field
const first = (xs: any[] | undefined) => xs?.[0];

/** Every API served, with the request, the ACLs it needs and the error without them. */
export function authorizationCases(batch: () => Buffer, topicId: () => string): Case[] {
  const CASES: Case[] = [
    {
      api: 'Produce',
      key: 0,
      version: 9,
      body: () => ({
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: batch() }] }],
      }),
      acls: [[T, 't', op.WRITE]],
      errorOf: (r) => first(first(r.responses).partitionResponses).errorCode,
      denied: 29,
    },
    {
      api: 'Produce (transactional id)',
      key: 0,
      version: 9,
      body: () => ({
        transactionalId: 'tx',
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: batch() }] }],
      }),
      acls: [
        [T, 't', op.WRITE],
        [X, 'tx', op.WRITE],
      ],
      errorOf: (r) => first(first(r.responses).partitionResponses).errorCode,
      denied: 53,
    },
    {
      api: 'Fetch',
      key: 1,
      version: 12,
      body: () => ({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 't',
            partitions: [
              {
                partition: 0,
                fetchOffset: 0,
                partitionMaxBytes: 1 << 20,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      }),
      acls: [[T, 't', op.READ]],
      errorOf: (r) => first(first(r.responses).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'Fetch by topic id (v13)',
      key: 1,
      version: 13,
      body: () => ({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topicId: topicId(),
            partitions: [
              {
                partition: 0,
                fetchOffset: 0,
                partitionMaxBytes: 1 << 20,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      }),
      acls: [[T, 't', op.READ]],
      errorOf: (r) => first(first(r.responses).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'ListOffsets',
      key: 2,
      version: 7,
      body: () => ({
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
      }),
      acls: [[T, 't', op.DESCRIBE]],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'Metadata (named topic)',
      key: 3,
      version: 12,
      body: () => ({
        topics: [{ name: 't', topicId: ZERO_ID }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: true,
      }),
      acls: [[T, 't', op.DESCRIBE]],
      errorOf: (r) => first(r.topics).errorCode,
      denied: 29,
    },
    {
      api: 'OffsetCommit (group)',
      key: 8,
      version: 8,
      body: () => ({
        groupId: 'g',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null },
            ],
          },
        ],
      }),
      acls: [
        [G, 'g', op.READ],
        [T, 't', op.READ],
      ],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 30,
    },
    {
      api: 'OffsetCommit (topic)',
      key: 8,
      version: 8,
      body: () => ({
        groupId: 'g2',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null },
            ],
          },
        ],
      }),
      base: [[G, 'g2', op.READ]],
      acls: [[T, 't', op.READ]],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'OffsetFetch',
      key: 9,
      version: 7,
      body: () => ({ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], requireStable: false }),
      acls: [
        [G, 'g', op.DESCRIBE],
        [T, 't', op.DESCRIBE],
      ],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'FindCoordinator (group)',
      key: 10,
      version: 3,
      body: () => ({ key: 'g', keyType: 0 }),
      acls: [[G, 'g', op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'FindCoordinator (transactional id)',
      key: 10,
      version: 3,
      body: () => ({ key: 'tx', keyType: 1 }),
      acls: [[X, 'tx', op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 53,
    },
    {
      api: 'JoinGroup',
      key: 11,
      version: 5,
      body: () => ({
        groupId: 'g',
        sessionTimeoutMs: 10000,
        rebalanceTimeoutMs: 10000,
        memberId: 'm',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      }),
      acls: [[G, 'g', op.READ]],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'SyncGroup',
      key: 14,
      version: 3,
      body: () => ({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] }),
      acls: [[G, 'g', op.READ]],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'Heartbeat',
      key: 12,
      version: 3,
      body: () => ({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }),
      acls: [[G, 'g', op.READ]],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'LeaveGroup',
      key: 13,
      version: 3,
      body: () => ({ groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null }] }),
      acls: [[G, 'g', op.READ]],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'DescribeGroups',
      key: 15,
      version: 5,
      body: () => ({ groups: ['g'], includeAuthorizedOperations: true }),
      acls: [[G, 'g', op.DESCRIBE]],
      errorOf: (r) => first(r.groups).errorCode,
      denied: 30,
    },
    {
      api: 'DeleteGroups',
      key: 42,
      version: 2,
      body: () => ({ groupsNames: ['nogroup'] }),
      acls: [[G, 'nogroup', op.DELETE]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 30,
    },
    {
      api: 'OffsetDelete',
      key: 47,
      version: 0,
      body: () => ({ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] }),
      acls: [
        [G, 'g', op.DELETE],
        [T, 't', op.READ],
      ],
      errorOf: (r) => r.errorCode,
      denied: 30,
    },
    {
      api: 'CreateTopics',
      key: 19,
      version: 5,
      body: () => ({
        topics: [{ name: 'made', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: true,
      }),
      acls: [[T, 'made', op.CREATE]],
      errorOf: (r) => first(r.topics).errorCode,
      denied: 29,
    },
    {
      api: 'CreateTopics (CREATE on the cluster)',
      key: 19,
      version: 5,
      body: () => ({
        topics: [{ name: 'made2', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: true,
      }),
      acls: [[C, CL, op.CREATE]],
      errorOf: (r) => first(r.topics).errorCode,
      denied: 29,
    },
    {
      api: 'DeleteRecords',
      key: 21,
      version: 2,
      body: () => ({
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 0 }] }],
        timeoutMs: 5000,
      }),
      acls: [[T, 't', op.DELETE]],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'InitProducerId (idempotent)',
      key: 22,
      version: 4,
      body: () => ({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }),
      acls: [[T, 'anything', op.WRITE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'InitProducerId (transactional)',
      key: 22,
      version: 4,
      body: () => ({ transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }),
      acls: [[X, 'tx', op.WRITE]],
      errorOf: (r) => r.errorCode,
      denied: 53,
    },
    {
      api: 'OffsetForLeaderEpoch',
      key: 23,
      version: 4,
      body: () => ({
        replicaId: -1,
        topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
      }),
      acls: [[T, 't', op.DESCRIBE]],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'DescribeConfigs (topic)',
      key: 32,
      version: 4,
      body: () => ({
        resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      }),
      acls: [[T, 't', op.DESCRIBE_CONFIGS]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 29,
    },
    {
      api: 'DescribeConfigs (broker)',
      key: 32,
      version: 4,
      body: () => ({
        resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] }],
        includeSynonyms: false,
        includeDocumentation: false,
      }),
      acls: [[C, CL, op.DESCRIBE_CONFIGS]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 31,
    },
    {
      api: 'AlterConfigs (topic)',
      key: 33,
      version: 2,
      body: () => ({
        resources: [
          { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '100000' }] },
        ],
        validateOnly: true,
      }),
      acls: [[T, 't', op.ALTER_CONFIGS]],
      errorOf: (r) => first(r.responses).errorCode,
      denied: 29,
    },
    {
      api: 'IncrementalAlterConfigs (broker)',
      key: 44,
      version: 1,
      body: () => ({
        resources: [
          {
            resourceType: 4,
            resourceName: '1',
            configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '2' }],
          },
        ],
        validateOnly: true,
      }),
      acls: [[C, CL, op.ALTER_CONFIGS]],
      errorOf: (r) => first(r.responses).errorCode,
      denied: 31,
    },
    {
      api: 'DescribeLogDirs',
      key: 35,
      version: 4,
      body: () => ({ topics: null }),
      acls: [[C, CL, op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'CreatePartitions',
      key: 37,
      version: 3,
      body: () => ({
        topics: [{ name: 't', count: 2, assignments: null }],
        timeoutMs: 5000,
        validateOnly: true,
      }),
      acls: [[T, 't', op.ALTER]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 29,
    },
    {
      api: 'DescribeProducers',
      key: 61,
      version: 0,
      body: () => ({ topics: [{ name: 't', partitionIndexes: [0] }] }),
      acls: [[T, 't', op.READ]],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 29,
    },
    {
      api: 'DescribeTopicPartitions',
      key: 75,
      version: 0,
      body: () => ({ topics: [{ name: 't' }], responsePartitionLimit: 100, cursor: null }),
      acls: [[T, 't', op.DESCRIBE]],
      errorOf: (r) => first(r.topics).errorCode,
      denied: 29,
    },
    {
      api: 'DescribeAcls',
      key: 29,
      version: 3,
      body: () => ({
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      }),
      acls: [[C, CL, op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'CreateAcls',
      key: 30,
      version: 3,
      body: () => ({
        creations: [
          {
            resourceType: 2,
            resourceName: 'zz',
            resourcePatternType: 3,
            principal: 'User:nobody',
            host: '*',
            operation: 3,
            permissionType: 3,
          },
        ],
      }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 31,
    },
    {
      api: 'DeleteAcls',
      key: 31,
      version: 3,
      body: () => ({
        filters: [
          {
            resourceTypeFilter: 2,
            resourceNameFilter: 'zz',
            patternTypeFilter: 3,
            principalFilter: 'User:nobody',
            hostFilter: null,
            operation: 1,
            permissionType: 1,
          },
        ],
      }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => first(r.filterResults).errorCode,
      denied: 31,
    },
    {
      api: 'DescribeClientQuotas',
      key: 48,
      version: 1,
      body: () => ({ components: [], strict: false }),
      acls: [[C, CL, op.DESCRIBE_CONFIGS]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'AlterClientQuotas',
      key: 49,
      version: 1,
      body: () => ({
        entries: [
          {
            entity: [{ entityType: 'user', entityName: 'x' }],
            ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }],
          },
        ],
        validateOnly: true,
      }),
      acls: [[C, CL, op.ALTER_CONFIGS]],
      errorOf: (r) => first(r.entries).errorCode,
      denied: 31,
    },
    {
      api: 'DescribeUserScramCredentials',
      key: 50,
      version: 0,
      body: () => ({ users: null }),
      acls: [[C, CL, op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'AlterUserScramCredentials',
      key: 51,
      version: 0,
      body: () => ({
        deletions: [],
        upsertions: [
          {
            name: 'carol',
            mechanism: 1,
            iterations: 4096,
            salt: Buffer.alloc(32, 1),
            saltedPassword: Buffer.alloc(32, 2),
          },
        ],
      }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => first(r.results).errorCode,
      denied: 31,
    },
    {
      api: 'DeleteTopics',
      key: 20,
      version: 6,
      body: () => ({ topics: [{ name: 'doomed', topicId: ZERO_ID }], timeoutMs: 5000 }),
      acls: [[T, 'doomed', op.DELETE]],
      errorOf: (r) => first(r.responses).errorCode,
      denied: 29,
    },
  ];

  // The cluster's own administration (replication and the metadata quorum): ALTER or DESCRIBE on it.
  CASES.push(
    {
      api: 'AlterReplicaLogDirs',
      key: 34,
      version: 2,
      body: () => ({ dirs: [{ path: '/no/such/dir', topics: [{ name: 't', partitions: [0] }] }] }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => first(first(r.results).partitions).errorCode,
      denied: 31,
    },
    {
      api: 'ElectLeaders',
      key: 43,
      version: 2,
      body: () => ({ electionType: 0, topicPartitions: [{ topic: 't', partitions: [0] }], timeoutMs: 5000 }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'AlterPartitionReassignments',
      key: 45,
      version: 0,
      body: () => ({
        timeoutMs: 5000,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }],
      }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'ListPartitionReassignments',
      key: 46,
      version: 0,
      body: () => ({ timeoutMs: 5000, topics: null }),
      acls: [[C, CL, op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'DescribeQuorum',
      key: 55,
      version: 2,
      body: () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }),
      acls: [[C, CL, op.DESCRIBE]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'UpdateFeatures',
      key: 57,
      version: 1,
      body: () => ({ timeoutMs: 5000, featureUpdates: [], validateOnly: true }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'UnregisterBroker',
      key: 64,
      version: 0,
      body: () => ({ brokerId: 99 }),
      acls: [[C, CL, op.ALTER]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
  );

  CASES.push(
    {
      api: 'AddPartitionsToTxn (transactional id)',
      key: 24,
      version: 3,
      body: () => ({
        v3AndBelowTransactionalId: 'tx',
        v3AndBelowProducerId: 1,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [{ name: 't', partitions: [0] }],
      }),
      acls: [
        [X, 'tx', op.WRITE],
        [T, 't', op.WRITE],
      ],
      errorOf: (r) => first(first(r.resultsByTopicV3AndBelow).resultsByPartition).partitionErrorCode,
      denied: 53,
    },
    {
      api: 'AddPartitionsToTxn (topic)',
      key: 24,
      version: 3,
      body: () => ({
        v3AndBelowTransactionalId: 'tx',
        v3AndBelowProducerId: 1,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [{ name: 't', partitions: [0] }],
      }),
      base: [[X, 'tx', op.WRITE]],
      acls: [[T, 't', op.WRITE]],
      errorOf: (r) => first(first(r.resultsByTopicV3AndBelow).resultsByPartition).partitionErrorCode,
      denied: 29,
    },
    {
      api: 'AddPartitionsToTxn v4 (brokers)',
      key: 24,
      version: 4,
      body: () => ({
        transactions: [
          {
            transactionalId: 'tx',
            producerId: 1,
            producerEpoch: 0,
            verifyOnly: true,
            topics: [{ name: 't', partitions: [0] }],
          },
        ],
      }),
      acls: [[C, CL, op.CLUSTER_ACTION]],
      errorOf: (r) => r.errorCode,
      denied: 31,
    },
    {
      api: 'AddOffsetsToTxn',
      key: 25,
      version: 3,
      body: () => ({ transactionalId: 'tx', producerId: 1, producerEpoch: 0, groupId: 'g' }),
      acls: [
        [X, 'tx', op.WRITE],
        [G, 'g', op.READ],
      ],
      errorOf: (r) => r.errorCode,
      denied: 53,
    },
    {
      api: 'EndTxn',
      key: 26,
      version: 3,
      body: () => ({ transactionalId: 'tx', producerId: 1, producerEpoch: 0, committed: true }),
      acls: [[X, 'tx', op.WRITE]],
      errorOf: (r) => r.errorCode,
      denied: 53,
    },
    {
      api: 'WriteTxnMarkers',
      key: 27,
      version: 1,
      body: () => ({
        markers: [
          {
            producerId: 1,
            producerEpoch: 0,
            transactionResult: true,
            topics: [{ name: 't', partitionIndexes: [0] }],
            coordinatorEpoch: 0,
          },
        ],
      }),
      acls: [[C, CL, op.CLUSTER_ACTION]],
      errorOf: (r) => first(first(first(r.markers).topics).partitions).errorCode,
      denied: 31,
    },
    {
      api: 'TxnOffsetCommit',
      key: 28,
      version: 3,
      body: () => ({
        transactionalId: 'tx',
        groupId: 'g',
        producerId: 1,
        producerEpoch: 0,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null },
            ],
          },
        ],
      }),
      acls: [
        [X, 'tx', op.WRITE],
        [G, 'g', op.READ],
        [T, 't', op.READ],
      ],
      errorOf: (r) => first(first(r.topics).partitions).errorCode,
      denied: 53,
    },
    {
      api: 'DescribeTransactions',
      key: 65,
      version: 0,
      body: () => ({ transactionalIds: ['tx'] }),
      acls: [[X, 'tx', op.DESCRIBE]],
      errorOf: (r) => first(r.transactionStates).errorCode,
      denied: 53,
    },
  );
  return CASES;
}

// The public shape of an embedded broker and cluster. A broker is a cluster of one: both offer the same
// helpers, and a broker is also its cluster's only node.
import type { Clock } from '../broker/clock.js';
import type { Faults } from './faults.js';
import type { Bytes, ProducedRecord, ProduceRecord, StoredRecord } from './records.js';
import type { SecurityOptions } from './security.js';

export type ConfigValue = string | number | boolean;

/** A topic to create: its partition count, or partitions and topic configs. */
export type TopicSpec = number | { partitions?: number; config?: Readonly<Record<string, ConfigValue>> };

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface StartBrokerOptions extends SecurityOptions {
  /** The port to listen on (default 0: a free port). */
  port?: number;
  /** The address to listen on and advertise (default '127.0.0.1'). */
  host?: string;
  /**
   * 'memory' (default): every log in memory, nothing written to disk. 'disk': logs in `dataDir`, or in a
   * temporary directory removed by `stop()`.
   */
  storage?: 'memory' | 'disk';
  /** With storage 'disk': the log dir to use (created if missing, kept on stop; a restart reads it back). */
  dataDir?: string;
  /** Topics to create at start, and again after every `reset()`: `{ orders: 3 }`. */
  topics?: Readonly<Record<string, TopicSpec>>;
  /** Broker configs (Kafka's server.properties keys), over the embedded defaults. */
  config?: Readonly<Record<string, ConfigValue>>;
  /** Time for sessions, retention, parked fetches and timestamps (default: the system clock). */
  clock?: Clock;
  /** Broker logs on stderr at this level (default 'off'). */
  logLevel?: LogLevel;
  /** Default 1. */
  nodeId?: number;
  /** Default: a new random id. */
  clusterId?: string;
}

export interface StartClusterOptions extends Omit<StartBrokerOptions, 'port' | 'nodeId'> {
  /** How many brokers (default 1). */
  brokers?: number;
  /** One port per broker (default: free ports). */
  ports?: readonly number[];
}

export interface CreateTopicOptions {
  /** Default: the broker's num.partitions (1 unless configured). */
  partitions?: number;
  config?: Readonly<Record<string, ConfigValue>>;
}

export interface ReadOptions {
  /** Only this partition. */
  partition?: number;
  /**
   * 'read_uncommitted' (default): every record up to the high watermark, as a consumer reading
   * uncommitted data sees them. 'read_committed': up to the last stable offset, without the records of
   * aborted transactions.
   */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The partitions assigned to the member, by topic (consumer groups once Stable), or null. */
  assignment: Record<string, number[]> | null;
}

export interface TransactionDescription {
  transactionalId: string;
  state:
    | 'Empty'
    | 'Ongoing'
    | 'PrepareCommit'
    | 'PrepareAbort'
    | 'CompleteCommit'
    | 'CompleteAbort'
    | 'PrepareEpochFence';
  producerId: number;
  producerEpoch: number;
  /** transaction.timeout.ms the producer asked for. */
  timeoutMs: number;
  /** When the current (or last) transaction started, -1 when none did. */
  startTimeMs: number;
  /** The partitions of the current transaction, by topic. */
  partitions: Record<string, number[]>;
}

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupDescription {
  groupId: string;
  /** 'Dead' for a group the broker does not know. */
  state: GroupState;
  protocolType: string;
  /** The assignor chosen ('range', 'RoundRobinAssigner', ...), once Stable. */
  protocol: string;
  members: MemberDescription[];
}

export interface WaitForGroupOptions {
  /** Default 'Stable'. */
  state?: GroupState;
  /** Also wait for exactly this many members. */
  members?: number;
  /** Default 10000 (real time). */
  timeoutMs?: number;
}

export interface WaitOptions {
  /** Default 10000 (real time). */
  timeoutMs?: number;
}

/** Committed offsets by topic, then partition: `{ orders: { 0: 12, 1: 7 } }`. */
export type CommittedOffsets = Record<string, Record<number, number>>;

export interface ResetOptions {
  /** Also close every client connection (default false). */
  dropConnections?: boolean;
}

/** One broker of an embedded cluster. */
export interface EmbeddedNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** "host:port" of this broker alone. */
  readonly bootstrapServers: string;
  /** "host:port" of each listener, by name (PLAINTEXT, SSL, SASL_SSL, ...). */
  readonly listeners: Readonly<Record<string, string>>;
  /** Fault hooks for the requests this broker receives. */
  readonly faults: Faults;
}

/** What an embedded cluster (and a broker, a cluster of one) offers a test. */
export interface EmbeddedCluster extends AsyncDisposable {
  /** "host:port[,host:port...]": what a client's `brokers` / `bootstrap.servers` takes. */
  readonly bootstrapServers: string;
  readonly clusterId: string;
  readonly brokers: readonly EmbeddedNode[];
  /** Fault hooks for requests to any broker of the cluster. */
  readonly faults: Faults;
  readonly clock: Clock;

  createTopic(name: string, options?: CreateTopicOptions): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Topic names, internal topics left out, sorted. */
  listTopics(): string[];
  /** Appends records in-process (no client, no network); creates the topic if auto-creation is on. */
  produce(
    topic: string,
    records: ProduceRecord | Bytes | readonly (ProduceRecord | Bytes)[],
  ): Promise<ProducedRecord[]>;
  /** Every record of a topic (or one partition) up to the high watermark, by partition then offset. */
  readAll(topic: string, options?: ReadOptions & { encoding?: 'buffer' }): Promise<StoredRecord<Buffer>[]>;
  readAll(topic: string, options: ReadOptions & { encoding: 'utf8' }): Promise<StoredRecord<string>[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** The coordinator's state of a transactional id, or null when it does not know it. */
  describeTransaction(transactionalId: string): Promise<TransactionDescription | null>;
  /** Resolves once the group is in `state` (default Stable); rejects after `timeoutMs` saying what it saw. */
  waitForGroup(groupId: string, options?: WaitForGroupOptions): Promise<GroupDescription>;
  committedOffsets(groupId: string): Promise<CommittedOffsets>;
  /** Resolves once the group's committed offset for the partition is at least `offset`. */
  waitForCommittedOffset(
    groupId: string,
    topic: string,
    partition: number,
    offset: number,
    options?: WaitOptions,
  ): Promise<number>;
  /**
   * Back to a just-started broker: every topic (the internal ones too, so every group and committed
   * offset) and broker config override removed, fault hooks removed, the start-up `topics` created again.
   * Connections stay open unless asked; clients see their topics and groups gone.
   */
  reset(options?: ResetOptions): Promise<void>;
  /** Stops the broker(s); with storage 'disk' and no `dataDir`, removes the temporary directory. */
  stop(): Promise<void>;
}

/** A cluster of real nodes (combined broker and controller each) started by `startCluster`. */
export interface EmbeddedMultiCluster extends EmbeddedCluster {
  /** Stops one node cleanly (controlled shutdown, quorum leadership handed over); its data is kept. */
  stopBroker(nodeId: number): Promise<void>;
  /** Starts a stopped (or killed) node again on its data; resolves once it is registered and unfenced. */
  startBroker(nodeId: number): Promise<EmbeddedNode>;
  /**
   * Kills the active controller as a crashed process would go (no handover, connections dropped);
   * resolves with its id. The others elect a new controller; `waitForController()` waits for it.
   */
  killController(): Promise<number>;
  /** The active controller's id as the running nodes know it, -1 when there is none. */
  controllerId(): number;
  /** Resolves with the active controller's id once one is elected. */
  waitForController(options?: WaitOptions): Promise<number>;
}

/** An embedded broker: a one-node cluster, and that node. */
export interface EmbeddedBroker extends EmbeddedCluster, EmbeddedNode {
  /** The log dir on disk (storage 'disk'), or null. */
  readonly dataDir: string | null;
  readonly faults: Faults;
}

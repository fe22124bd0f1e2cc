// The transaction coordinator as the handlers see it: routes each request to the shard of its
// transactional id's `__transaction_state` partition, validates what Kafka validates before the shard
// (empty ids, the transaction timeout), turns shard failures into each API's error answer, and drives
// the markers of prepared transactions (markers.ts) to their Complete state.
import type { MetadataImage } from '../../../metadata/image.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { Logger } from '../../logger.js';
import {
  CoordinatorFailure,
  CoordinatorRuntime,
  type CoordinatorWriter,
  type Operation,
  type Scheduler,
} from '../runtime.js';
import {
  type DescribedTxn,
  describedError,
  describeTxn,
  KNOWN_STATES,
  type ListedTxn,
  type ListFilters,
  listTxns,
} from './admin-ops.js';
import {
  type MarkerChannel,
  type MarkerJob,
  type MarkerResult,
  TxnMarkerManager,
  tpKey,
  type WritableMarker,
} from './markers.js';
import {
  type AddRequest,
  addPartitions,
  completeTransaction,
  type EndRequest,
  endTransaction,
  type InitRequest,
  initProducerId,
  type ProducerResult,
  verifyPartitions,
} from './ops.js';
import {
  DEFAULT_TXN_COORDINATOR_SETTINGS,
  TRANSACTION_STATE_TOPIC,
  type TxnCoordinatorSettings,
  txnPartition,
} from './settings.js';
import { TxnShard } from './shard.js';

/** Producer ids for the coordinator: taken synchronously inside an operation, fetched in blocks. */
export interface ProducerIdSource {
  /** A new id now, or null when the current block is used up. */
  take(): number | null;
  /** Resolves once an id can be taken. */
  ensureAvailable(): Promise<void>;
}

export interface TxnCoordinatorDeps {
  settings?: Partial<TxnCoordinatorSettings>;
  scheduler: Scheduler;
  /** The log of one `__transaction_state` partition. */
  logFor(partition: number): CoordinatorWriter;
  producerIds: ProducerIdSource;
  /** Where markers go: a local write for partitions led here, WriteTxnMarkers for the others. */
  markers: MarkerChannel;
  /** The leader of a partition; -1 when it has none; null when the partition does not exist. */
  leaderOf(topic: string, partition: number): number | null;
  log: Logger;
}

/** What FindCoordinator creates when `__transaction_state` does not exist yet. */
export interface TransactionTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: [];
  configs: { name: string; value: string }[];
}

/** A hook that sees each marker write first (fault injection): a result replaces the write. */
export type MarkerHook = (
  nodeId: number,
  marker: WritableMarker,
) => MarkerResult | null | Promise<MarkerResult | null>;

export class TxnCoordinator {
  readonly settings: TxnCoordinatorSettings;
  readonly runtime: CoordinatorRuntime<TxnShard>;
  readonly markers: TxnMarkerManager;
  /** Fault injection (the embedded broker): sees every marker write before it is made. */
  markerHook: MarkerHook | null = null;
  private readonly log: Logger;
  private partitionCount: number;
  /** The leader of each `__transaction_state` partition (none while the topic does not exist). */
  private readonly leaders = new Map<number, number>();
  private nodeId = -1;

  constructor(private readonly deps: TxnCoordinatorDeps) {
    this.settings = { ...DEFAULT_TXN_COORDINATOR_SETTINGS, ...deps.settings };
    this.log = deps.log;
    this.partitionCount = this.settings.transactionStateLogPartitions;
    this.markers = new TxnMarkerManager({
      channel: { writeMarkers: (nodeId, marker) => this.writeMarkers(nodeId, marker) },
      leaderOf: deps.leaderOf,
      onWritten: (job) => this.onMarkersWritten(job),
      scheduler: deps.scheduler,
      retryBackoffMs: this.settings.markerRetryBackoffMs,
      log: deps.log,
    });
    const shardDeps = {
      settings: this.settings,
      takeProducerId: () => deps.producerIds.take(),
      sendMarkers: (job: MarkerJob) => this.markers.send(job),
      log: deps.log,
    };
    this.runtime = new CoordinatorRuntime<TxnShard>({
      scheduler: deps.scheduler,
      writerFor: deps.logFor,
      createShard: (partition) => new TxnShard(partition, shardDeps),
      parkedResponsesMax: this.settings.waitingRequestsMax,
      log: deps.log,
    });
  }

  partitionFor(transactionalId: string): number {
    return txnPartition(transactionalId, this.partitionCount);
  }

  /** The topic to create, its replication factor clamped to the live brokers (Kafka's topic configs). */
  transactionTopicSpec(liveBrokers: number): TransactionTopicSpec {
    const replicationFactor = Math.max(
      1,
      Math.min(this.settings.transactionStateLogReplicationFactor, liveBrokers),
    );
    return {
      name: TRANSACTION_STATE_TOPIC,
      numPartitions: this.settings.transactionStateLogPartitions,
      replicationFactor,
      assignments: [],
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'uncompressed' },
        { name: 'unclean.leader.election.enable', value: 'false' },
        {
          name: 'min.insync.replicas',
          value: String(Math.min(this.settings.transactionStateLogMinIsr, replicationFactor)),
        },
        { name: 'segment.bytes', value: String(this.settings.transactionStateLogSegmentBytes) },
      ],
    };
  }

  /** Follows the metadata: loads the partitions of `__transaction_state` this node leads, unloads others. */
  onMetadataImage(image: MetadataImage, _previous: MetadataImage | null, nodeId: number): void {
    const topic = image.topicsByName.get(TRANSACTION_STATE_TOPIC);
    const led = new Set<number>();
    this.nodeId = nodeId;
    this.leaders.clear();
    if (topic) {
      this.partitionCount = topic.partitions.length;
      for (const p of topic.partitions) {
        this.leaders.set(p.partition, p.leader);
        if (p.leader !== nodeId) continue;
        led.add(p.partition);
        this.runtime.load(p.partition, p.leaderEpoch);
      }
    }
    for (const p of this.runtime.partitions()) {
      if (led.has(p)) continue;
      this.runtime.unload(p);
      this.markers.cancelPartition(p);
    }
  }

  /** InitProducerId with a transactional id. */
  async initProducerId(req: InitRequest): Promise<ProducerResult> {
    if (req.transactionalId === '') return producerError(ErrorCode.INVALID_REQUEST);
    if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > this.settings.transactionTimeoutMsMax)
      return producerError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const partition = this.partitionFor(req.transactionalId);
    if (this.runtime.status(partition) !== 'active') return producerError(this.statusError(partition));
    await this.deps.producerIds.ensureAvailable();
    const r = await this.runOn(partition, (shard, ctx) => initProducerId(shard, ctx, req));
    return r instanceof CoordinatorFailure ? producerError(r.errorCode) : r;
  }

  /** AddPartitionsToTxn (client form, and the broker form without verify_only): one error for all. */
  async addPartitions(req: AddRequest): Promise<number> {
    if (req.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const r = await this.runOn(this.partitionFor(req.transactionalId), (shard, ctx) =>
      addPartitions(shard, ctx, req),
    );
    return r instanceof CoordinatorFailure ? r.errorCode : r;
  }

  /** AddPartitionsToTxn with verify_only: each partition's error (NONE when in the transaction). */
  async verifyPartitions(req: AddRequest): Promise<Map<string, number>> {
    const all = (errorCode: number) => {
      const m = new Map<string, number>();
      for (const t of req.partitions) for (const p of t.partitions) m.set(tpKey(t.topic, p), errorCode);
      return m;
    };
    if (req.transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const r = await this.runOn(this.partitionFor(req.transactionalId), (shard) =>
      verifyPartitions(shard, req),
    );
    return r instanceof CoordinatorFailure ? all(r.errorCode) : r;
  }

  /** EndTxn: PrepareCommit/PrepareAbort written, then answered; the markers follow. */
  async endTransaction(req: EndRequest): Promise<ProducerResult> {
    if (req.transactionalId === '') return producerError(ErrorCode.INVALID_REQUEST);
    // A V2 end may rotate an exhausted producer id.
    if (req.clientTransactionVersion >= 2) await this.deps.producerIds.ensureAvailable();
    const r = await this.runOn(this.partitionFor(req.transactionalId), (shard, ctx) =>
      endTransaction(shard, ctx, req),
    );
    return r instanceof CoordinatorFailure ? producerError(r.errorCode) : r;
  }

  /** DescribeTransactions, in request order. */
  async describe(transactionalIds: readonly string[]): Promise<DescribedTxn[]> {
    return Promise.all(
      transactionalIds.map(async (id) => {
        if (id === '') return describedError(id, ErrorCode.INVALID_REQUEST);
        const r = await this.runOn(this.partitionFor(id), (shard) => describeTxn(shard, id));
        return r instanceof CoordinatorFailure ? describedError(id, r.errorCode) : r;
      }),
    );
  }

  /** ListTransactions over every partition this node coordinates. */
  async list(
    filters: ListFilters,
  ): Promise<{ errorCode: number; unknownStateFilters: string[]; transactionStates: ListedTxn[] }> {
    const unknownStateFilters = filters.states.filter((s) => !KNOWN_STATES.has(s));
    const partitions = this.runtime.partitions();
    if (partitions.some((p) => this.runtime.status(p) === 'loading'))
      return {
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        unknownStateFilters,
        transactionStates: [],
      };
    const results = await Promise.all(
      partitions.map((p) => this.runtime.run(p, (shard, ctx) => listTxns(shard, filters, ctx.now))),
    );
    const transactionStates: ListedTxn[] = [];
    for (const r of results) if (!(r instanceof CoordinatorFailure)) transactionStates.push(...r);
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  }

  close(): void {
    this.markers.close();
    this.runtime.close();
    this.log.debug('transaction coordinator closed');
  }

  private statusError(partition: number): number {
    if (this.runtime.status(partition) === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return this.elsewhere(partition) ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** Whether another node leads a partition this node has no shard for. */
  private elsewhere(partition: number): boolean {
    const leader = this.leaders.get(partition);
    return leader !== undefined && leader >= 0 && leader !== this.nodeId;
  }

  /**
   * Runs `op` on a partition's shard. As the group coordinator: NOT_COORDINATOR only when another node
   * leads the partition; with no leader anywhere (the topic not created yet, a shard that failed to
   * load) COORDINATOR_NOT_AVAILABLE, which clients also retry after finding the coordinator again.
   */
  private runOn<R>(partition: number, op: Operation<TxnShard, R>): Promise<R | CoordinatorFailure> {
    if (this.runtime.status(partition) === 'absent' && !this.elsewhere(partition))
      return Promise.resolve(new CoordinatorFailure(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return this.runtime.run(partition, op);
  }

  private async writeMarkers(nodeId: number, marker: WritableMarker): Promise<MarkerResult> {
    const injected = this.markerHook ? await this.markerHook(nodeId, marker) : null;
    return injected ?? this.deps.markers.writeMarkers(nodeId, marker);
  }

  /** Every marker of a transaction is written: CompleteCommit/CompleteAbort, if nothing moved on. */
  private onMarkersWritten(job: MarkerJob): void {
    void this.runtime.run(job.txnPartition, (shard, ctx) => {
      if (ctx.epoch !== job.coordinatorEpoch) return;
      completeTransaction(shard, ctx, job);
    });
  }
}

function producerError(errorCode: number): ProducerResult {
  return { errorCode, producerId: -1, producerEpoch: -1 };
}

// A partition replica on this broker: its log, its role (leader or follower of the leader the metadata
// names), its leader epoch and its high watermark. As leader it takes produces (acks=all waits in the
// produce purgatory until the high watermark passes the batch), serves its followers' fetches, tracks
// their progress and the ISR (leader-state.ts) and proposes ISR changes to the controller. As follower
// it refuses produces and takes the leader's batches unchanged from the replica fetcher, truncating
// where its log diverged. Answers in Kafka error codes; the log below knows none.
import type { TopicConfig } from '../../config/index.js';
import type { PartitionInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  BATCH_HEADER_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  batchBounds,
  readBatchHeader,
} from '../../protocol/records/batch.js';
import type {
  AppendProblem,
  FollowerAppendResult,
  OffsetLookup,
  PartitionLog,
  ReadResult,
} from '../../storage/index.js';
import { ACK_BEFORE_REPLICATION } from '../chaos-unsafe.js';
import type { Logger } from '../logger.js';
import { DETACHED_TOPIC_STATS, type TopicStats } from '../metrics/topic-stats.js';
import type { AlterOutcome } from './alter-partition-manager.js';
import { committedIsr, type ProposedIsr } from './isr-state.js';
import { type BrokerView, LeaderState } from './leader-state.js';
import type { Purgatory } from './purgatory.js';
import { codecsLoaded, codecsReady, needsRecompression, recompress } from './recompress.js';
import { checkRecords, type RecordError } from './record-checks.js';
import type { ReplicationQuota } from './replication-quota.js';

/** Why a coordinator write will not be acknowledged (the coordinator runtime's WriteFailure names). */
export class InternalWriteError extends Error {
  override readonly name = 'InternalWriteError';
  constructor(readonly failure: 'not-leader' | 'timeout' | 'offline') {
    super(`internal write failed: ${failure}`);
  }
}

export interface ProduceOutcome {
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  errorMessage: string | null;
  /** The records that made the batch invalid, by index in the batch (Produce v8+). */
  recordErrors?: RecordError[];
}

const PROBLEM_CODES: Record<AppendProblem, number> = {
  corrupt: ErrorCode.CORRUPT_MESSAGE,
  magic: ErrorCode.INVALID_RECORD,
  'record-count': ErrorCode.INVALID_RECORD,
  'invalid-record': ErrorCode.INVALID_RECORD,
  'too-large': ErrorCode.MESSAGE_TOO_LARGE,
  'out-of-order-sequence': ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  'invalid-producer-epoch': ErrorCode.INVALID_PRODUCER_EPOCH,
  'invalid-txn-state': ErrorCode.INVALID_TXN_STATE,
  'coordinator-fenced': ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  offline: ErrorCode.KAFKA_STORAGE_ERROR,
};

export interface ReadOutcome {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: Buffer[];
  sizeBytes: number;
  /** Gives the read buffer back once the records were sent (see PartitionLog.read); null when none. */
  release: (() => void) | null;
}

function readOutcome(
  base: { highWatermark: number; lastStableOffset: number; logStartOffset: number },
  r: ReadResult,
): ReadOutcome {
  if (r.kind === 'out-of-range')
    return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: [], sizeBytes: 0, release: null };
  if (r.kind === 'offline')
    return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, records: [], sizeBytes: 0, release: null };
  const { records, sizeBytes, release } = r;
  return { ...base, errorCode: ErrorCode.NONE, records, sizeBytes, release };
}

/** What a partition needs from the broker around it (the replica manager supplies it). */
export interface ReplicaHost {
  readonly nodeId: number;
  now(): number;
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** How long an internal (coordinator) write may wait for its replicas. */
  readonly internalWriteTimeoutMs: number;
  readonly brokers: BrokerView;
  /** This broker's epoch (from its registration). */
  localBrokerEpoch(): number;
  /** Whether this broker may act as a leader now (false after a stall past its session timeout). */
  mayLead(): boolean;
  /** Sends an ISR change to the controller. */
  submitIsr(p: Partition, proposed: ProposedIsr): Promise<AlterOutcome>;
  /** acks=all produces (and coordinator writes) waiting for the high watermark. */
  readonly producePurgatory: Purgatory;
  /** The high watermark moved, or the partition changed role: wakes parked fetches and produces. */
  onHighWatermark(p: Partition): void;
  /** Records were appended: wakes followers' parked fetches. */
  onAppend(p: Partition): void;
  /** What leaders here may send to throttled replicas (leader.replication.throttled.*). */
  readonly leaderQuota?: ReplicationQuota;
  /** The controller accepted (or refused: 'failed') an ISR change this leader proposed (metrics). */
  onIsrChanged(p: Partition, change: 'shrink' | 'expand' | 'failed'): void;
  readonly log: Logger;
}

/** A host for a partition outside any cluster (tests): one replica, no controller. */
export const STANDALONE_HOST_DEFAULTS = {
  replicaLagTimeMaxMs: 30_000,
  internalWriteTimeoutMs: 5_000,
};

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Entries kept to tell how many bytes a high-watermark move made readable (coarser beyond). */
const READABLE_MARKS_MAX = 4096;

export class Partition {
  /** Bytes that became readable (below the high watermark) since the partition opened: parked fetches
   * compare it with what they saw to decide whether enough has arrived. */
  readableBytes = 0;
  /** Bytes appended since the partition opened: followers' parked fetches wait for these. */
  appendedBytes = 0;
  /** (end offset, appendedBytes at that end) of appends not yet below the high watermark. */
  private readonly readableMarks: { end: number; bytes: number }[] = [];
  /** The topic's BrokerTopicMetrics (set by the replica manager). */
  stats: TopicStats = DETACHED_TOPIC_STATS;
  /** Set while the codec libraries load for a batch that needs them; appends wait behind it. */
  private codecGate: Promise<void> | null = null;
  /** Told when an append rolled the log to a new segment (for the log line). */
  onSegmentRolled: ((p: Partition, baseOffset: number) => void) | null = null;
  /** Leader-only state; null while following. */
  leaderState: LeaderState | null = null;
  /** The partition epoch this replica has seen (the metadata's, or a newer one from AlterPartition). */
  partitionEpoch: number;
  /** The leader epoch this replica acts in (as leader or follower); -1 before the first. */
  private epoch = -1;
  /** Bumped whenever this replica stops leading: a produce waiting across it must not succeed. */
  leadership = 0;
  /** A truncation in progress (no append until it settles). */
  truncation: Promise<void> | null = null;
  /** Leadership taken while a truncation ran: the epoch starts once it is done. */
  private leaderEpochStartPending = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    public log: PartitionLog,
    public info: PartitionInfo,
    public config: TopicConfig,
    readonly host: ReplicaHost,
  ) {
    this.partitionEpoch = -1;
  }

  get key(): string {
    return `${this.topic}-${this.index}`;
  }

  get leaderEpoch(): number {
    return this.epoch >= 0 ? this.epoch : this.info.leaderEpoch;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  get isLeader(): boolean {
    return this.leaderState !== null;
  }

  /**
   * Leads here and may answer as the leader now. After a stall past its session timeout this broker
   * may have been replaced without knowing it (mayLead is false until the controller has answered
   * and its metadata caught up): its high watermark may then be behind what a new leader has
   * acknowledged, so a consumer it answered would see the partition end early (kcat -e, a lag
   * check) and a ListOffsets latest would be stale. Its reads wait for the controller, as its
   * writes do.
   */
  get answersAsLeader(): boolean {
    return this.leaderState !== null && this.host.mayLead();
  }

  /** The leader this replica follows (or itself), -1 when none. */
  get leaderId(): number {
    return this.info.leader;
  }

  /** The ISR as this replica knows it: the leader's committed ISR, else the metadata's. */
  get isr(): readonly number[] {
    return this.leaderState ? this.leaderState.isr.isr : this.info.isr;
  }

  /** min.insync.replicas, at most the number of replicas (Kafka's effective min ISR). */
  get effectiveMinIsr(): number {
    return Math.min(this.config.minInsyncReplicas, this.info.replicas.length);
  }

  /** Led here with fewer in-sync replicas than the effective min ISR. */
  get isUnderMinIsr(): boolean {
    return this.leaderState !== null && this.leaderState.isr.isr.length < this.effectiveMinIsr;
  }

  /** Led here with fewer in-sync replicas than replicas. */
  get isUnderReplicated(): boolean {
    return this.leaderState !== null && this.leaderState.isr.isr.length < this.info.replicas.length;
  }

  /** Checks a client's view of the leader epoch: -1 skips the check. */
  checkLeaderEpoch(current: number | undefined): number {
    if (current === undefined || current < 0) return ErrorCode.NONE;
    if (current > this.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    if (current < this.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /** Why this replica cannot take a leader's write now, or null. */
  private notLeader(): ProduceOutcome | null {
    if (this.leaderState && !this.truncation && !this.leaderEpochStartPending && this.host.mayLead())
      return null;
    return this.fail(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      `This server is not the leader for partition ${this.key}.`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Role changes, from the metadata image.

  /**
   * Applies the partition's state from a new metadata image. Returns whether a follower must
   * (re)start fetching: it became a follower, or its leader epoch changed.
   */
  applyInfo(info: PartitionInfo): { follow: boolean } {
    // An AlterPartition answer may have told a newer partition epoch than this image's.
    if (info.partitionEpoch < this.partitionEpoch && info.leaderEpoch <= this.epoch) return { follow: false };
    const nodeId = this.host.nodeId;
    if (info.leader === nodeId) {
      this.makeLeader(info);
      return { follow: false };
    }
    return { follow: this.makeFollower(info) };
  }

  private makeLeader(info: PartitionInfo): void {
    const nowMs = this.host.now();
    const isNewLeader = this.leaderState === null;
    const isNewEpoch = info.leaderEpoch > this.epoch;
    const state =
      this.leaderState ?? new LeaderState(this.host.nodeId, info.replicas, info.isr, this.log.logEndOffset);
    state.setReplicas(info.replicas);
    const pending = state.isr;
    state.isr = committedIsr(info.isr);
    // The metadata brought the change this leader proposed before the controller's answer did.
    if (
      pending.kind !== 'committed' &&
      sameMembers(
        pending.proposed.isr.map((m) => m.brokerId),
        info.isr,
      )
    )
      this.host.onIsrChanged(this, pending.kind === 'pending-expand' ? 'expand' : 'shrink');
    this.leaderState = state;
    this.info = info;
    this.partitionEpoch = info.partitionEpoch;
    if (isNewEpoch) {
      this.epoch = info.leaderEpoch;
      if (this.truncation) this.leaderEpochStartPending = true;
      else this.startLeaderEpoch();
      state.resetFollowers(nowMs, state.epochStartOffset, isNewLeader);
      this.host.log.info('became leader', {
        topic: this.topic,
        partition: this.index,
        leaderEpoch: info.leaderEpoch,
        partitionEpoch: info.partitionEpoch,
        isr: info.isr,
        logEndOffset: this.log.logEndOffset,
        highWatermark: this.log.highWatermark,
      });
    }
    this.maybeIncrementHighWatermark();
    this.host.onHighWatermark(this);
  }

  /** Marks where this leader's epoch starts: followers from a later epoch truncate to it. */
  private startLeaderEpoch(): void {
    this.leaderEpochStartPending = false;
    if (!this.leaderState) return;
    this.leaderState.epochStartOffset = this.log.logEndOffset;
    if (this.log.latestEpoch < this.epoch) this.log.assignEpoch(this.epoch);
  }

  private makeFollower(info: PartitionInfo): boolean {
    const wasLeader = this.leaderState !== null;
    const isNewEpoch = info.leaderEpoch > this.epoch || wasLeader || info.leader !== this.info.leader;
    if (wasLeader) this.leadership++;
    this.leaderState = null;
    this.leaderEpochStartPending = false;
    this.info = info;
    this.epoch = Math.max(this.epoch, info.leaderEpoch);
    this.partitionEpoch = info.partitionEpoch;
    if (isNewEpoch)
      this.host.log.info('became follower', {
        topic: this.topic,
        partition: this.index,
        leader: info.leader,
        leaderEpoch: info.leaderEpoch,
        logEndOffset: this.log.logEndOffset,
      });
    // Produces waiting for acks learn they will not be acknowledged here.
    if (wasLeader) this.host.onHighWatermark(this);
    return isNewEpoch;
  }

  /** Stops acting on the partition (it is deleted or moved away): waiting produces fail. */
  detach(): void {
    if (this.leaderState) this.leadership++;
    this.leaderState = null;
    this.host.onHighWatermark(this);
  }

  // ---------------------------------------------------------------------------------------------
  // The leader's writes.

  /**
   * Appends a producer's records. Answers at once for errors and duplicates (and for acks=0); for
   * acks=1 once the bytes are written; for acks=-1 once the high watermark passed them (or with
   * REQUEST_TIMED_OUT after `timeoutMs`, NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
   * min.insync.replicas meanwhile).
   */
  append(
    records: Buffer,
    acks: number,
    nowMs: number,
    timeoutMs = 30_000,
  ): ProduceOutcome | Promise<ProduceOutcome> {
    const notLeader = this.notLeader();
    if (notLeader) return notLeader;
    // The codec libraries load a moment after start-up; a batch that needs them before then (to
    // check its records, or to store it in the topic's codec) waits, and appends behind it too, so
    // that they keep their order.
    if (this.codecGate) return this.codecGate.then(() => this.append(records, acks, nowMs, timeoutMs));
    if (this.needsCodecs(records) && !codecsLoaded()) {
      this.codecGate = codecsReady().then(() => {
        this.codecGate = null;
      });
      return this.append(records, acks, nowMs, timeoutMs);
    }
    const refused = this.validate(records, nowMs);
    const stored = refused ?? this.inTopicCodec(records);
    if (!Buffer.isBuffer(stored)) {
      this.stats.produceFailed(0);
      return stored;
    }
    if (acks === -1 && this.isr.length < this.effectiveMinIsr) {
      this.stats.produceFailed(0);
      return this.fail(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `The size of the current ISR [${this.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${this.effectiveMinIsr} for partition ${this.key}`,
      );
    }
    return this.appendValid(records, stored, acks, nowMs, timeoutMs);
  }

  private needsCodecs(records: Buffer): boolean {
    if (records.length < BATCH_HEADER_BYTES) return false;
    const compressed = (records.readInt16BE(BATCH_OFFSET_ATTRIBUTES) & ATTR_COMPRESSION_MASK) !== 0;
    return compressed || this.config.compressionType !== 'producer';
  }

  /** The batch as the topic stores it (compression.type), or a refusal. */
  private inTopicCodec(records: Buffer): Buffer | ProduceOutcome {
    const header = readBatchHeader(records);
    if (!needsRecompression(header, this.config)) return records;
    const r = recompress(records, header, this.config);
    if (r.ok) return r.batch;
    const code = r.reason === 'too-large' ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.CORRUPT_MESSAGE;
    return this.fail(
      code,
      `The batch could not be recompressed to ${this.config.compressionType}: ${r.detail}`,
    );
  }

  private appendValid(
    records: Buffer,
    stored: Buffer,
    acks: number,
    nowMs: number,
    timeoutMs: number,
  ): ProduceOutcome | Promise<ProduceOutcome> {
    const active = this.log.active;
    const result = this.log.append(stored, {
      leaderEpoch: this.leaderEpoch,
      now: nowMs,
      timestampType: this.config.messageTimestampType,
    });
    if (result.kind === 'rejected') {
      this.stats.produceFailed(result.problem === 'too-large' ? records.length : 0);
      this.host.log.debug('produce refused', {
        topic: this.topic,
        partition: this.index,
        problem: result.problem,
        detail: result.detail,
        leaderEpoch: this.leaderEpoch,
        logEndOffset: this.log.logEndOffset,
      });
      return this.fail(PROBLEM_CODES[result.problem], result.detail);
    }
    if (this.log.active !== active) this.onSegmentRolled?.(this, this.log.active.baseOffset);
    const appendTime = this.config.messageTimestampType === 'LogAppendTime' ? result.appendTimeMs : -1;
    const ok: ProduceOutcome = {
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: appendTime,
      logStartOffset: result.logStartOffset,
      errorMessage: null,
    };
    if (result.kind === 'duplicate') {
      // A retry of a batch already in the log: acknowledged as soon as the original would be.
      if (acks !== -1) return ok;
      return this.waitForReplicas(result.lastOffset + 1, nowMs + timeoutMs, this.leadership, true).then(
        (code) => (code === ErrorCode.NONE ? ok : this.fail(code, null)),
      );
    }
    this.stats.produced(records.length, result.lastOffset - result.baseOffset + 1);
    this.noteAppend(stored.length, result.lastOffset + 1);
    const leadership = this.leadership;
    const written = result.written.then(
      () => {
        this.maybeIncrementHighWatermark();
        return ErrorCode.NONE as number;
      },
      (err: Error) => {
        this.stats.writeFailed();
        this.host.log.error('write failed', { topic: this.topic, partition: this.index, err: err.message });
        return ErrorCode.KAFKA_STORAGE_ERROR as number;
      },
    );
    return written.then((code) => {
      if (code !== ErrorCode.NONE) return this.fail(code, 'the write failed');
      // acks=0 is not answered, but its write settles before the connection reads its next request (as
      // Kafka applies one request at a time): a Fetch right after it sees the records.
      if (acks === 0) return ok;
      // ACK_BEFORE_REPLICATION: the chaos lab's deliberate bug (acks=all answered as acks=1).
      if (acks === 1 || ACK_BEFORE_REPLICATION) return ok;
      if (this.leadership !== leadership) return this.fail(ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
      // Already committed (an ISR of one): answered now, before the fetches the append woke.
      if (this.log.highWatermark > result.lastOffset && this.isr.length >= this.effectiveMinIsr) return ok;
      return this.waitForReplicas(result.lastOffset + 1, nowMs + timeoutMs, leadership, true).then((c) =>
        c === ErrorCode.NONE ? ok : this.fail(c, null),
      );
    });
  }

  /**
   * Appends a batch written by a coordinator of this broker (group offsets, transaction state): no
   * producer checks, control batches allowed. `written` resolves once the high watermark passed it,
   * and rejects with a WriteFailure name ('not-leader', 'timeout', 'offline') when it will not.
   */
  appendInternal(
    batch: Buffer,
  ):
    | { lastOffset: number; written: Promise<void> }
    | { error: 'too-large' | 'offline' | 'refused' | 'not-leader'; errorCode: number } {
    if (this.notLeader()) return { error: 'not-leader', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const active = this.log.active;
    const result = this.log.append(batch, { leaderEpoch: this.leaderEpoch, origin: 'coordinator' });
    if (this.log.active !== active) this.onSegmentRolled?.(this, this.log.active.baseOffset);
    if (result.kind === 'rejected')
      return {
        error:
          result.problem === 'too-large' ? 'too-large' : result.problem === 'offline' ? 'offline' : 'refused',
        errorCode: PROBLEM_CODES[result.problem],
      };
    if (result.kind === 'duplicate') return { lastOffset: result.lastOffset, written: Promise.resolve() };
    this.noteAppend(batch.length, result.lastOffset + 1);
    const leadership = this.leadership;
    const deadline = this.host.now() + this.host.internalWriteTimeoutMs;
    const written = result.written.then(
      () => {
        this.maybeIncrementHighWatermark();
        return this.waitForReplicas(result.lastOffset + 1, deadline, leadership);
      },
      () => ErrorCode.KAFKA_STORAGE_ERROR as number,
    );
    return {
      lastOffset: result.lastOffset,
      written: written.then((code) => {
        if (code === ErrorCode.NONE) return;
        throw new InternalWriteError(
          code === ErrorCode.REQUEST_TIMED_OUT
            ? 'timeout'
            : code === ErrorCode.KAFKA_STORAGE_ERROR
              ? 'offline'
              : 'not-leader',
        );
      }),
    };
  }

  /**
   * Waits until the high watermark reaches `requiredOffset` while this replica keeps leading:
   * NONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND (with `minIsr`: the ISR shrank below min.insync.replicas),
   * NOT_LEADER_OR_FOLLOWER, or REQUEST_TIMED_OUT at the deadline.
   */
  waitForReplicas(
    requiredOffset: number,
    deadlineMs: number,
    leadership = this.leadership,
    minIsr = false,
  ): Promise<number> {
    return new Promise<number>((resolve) => {
      // With `minIsr`, the ISR falling below min.insync.replicas fails the wait at once: under strict
      // min ISR the high watermark would not move any more, and a producer is better told now.
      const check = (): number | null => {
        if (this.leadership !== leadership || !this.leaderState) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        if (minIsr && this.isr.length < this.effectiveMinIsr)
          return ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        return this.log.highWatermark < requiredOffset ? null : ErrorCode.NONE;
      };
      this.host.producePurgatory.park({
        keys: [this.key],
        deadlineMs,
        tryComplete: () => {
          const code = check();
          if (code === null) return false;
          resolve(code);
          return true;
        },
        expire: () => resolve(check() ?? ErrorCode.REQUEST_TIMED_OUT),
      });
    });
  }

  /** Counts appended bytes: for followers' parked fetches now, for consumers' once below the high watermark. */
  private noteAppend(bytes: number, endOffset: number): void {
    this.appendedBytes += bytes;
    const marks = this.readableMarks;
    const last = marks[marks.length - 1];
    if (marks.length >= READABLE_MARKS_MAX && last) {
      last.end = endOffset;
      last.bytes = this.appendedBytes;
    } else marks.push({ end: endOffset, bytes: this.appendedBytes });
    this.host.onAppend(this);
  }

  /** Sets the high watermark; wakes whoever waits for it when it moved. */
  setHighWatermark(offset: number): boolean {
    const before = this.log.highWatermark;
    const after = this.log.updateHighWatermark(offset);
    if (after === before) return false;
    const marks = this.readableMarks;
    let i = 0;
    while (i < marks.length && marks[i].end <= after) i++;
    if (i > 0) {
      this.readableBytes = Math.max(this.readableBytes, marks[i - 1].bytes);
      marks.splice(0, i);
    }
    this.host.onHighWatermark(this);
    return after > before;
  }

  /** Drops the byte marks past a truncated log end. */
  protected forgetAppendsFrom(endOffset: number): void {
    const marks = this.readableMarks;
    while (marks.length > 0 && marks[marks.length - 1].end > endOffset) marks.pop();
  }

  /**
   * The leader's high watermark: the smallest log end among the ISR and caught-up followers (its own
   * being what it has written), never moving back, and not at all while the ISR is below
   * min.insync.replicas (Kafka 3.7's strict min ISR).
   */
  maybeIncrementHighWatermark(): boolean {
    const state = this.leaderState;
    if (!state || this.isUnderMinIsr || this.leaderEpochStartPending) return false;
    const candidate = state.highWatermarkCandidate(
      this.log.writtenEndOffset,
      this.host.now(),
      this.host.replicaLagTimeMaxMs,
      this.host.brokers,
    );
    if (candidate <= this.log.highWatermark) return false;
    return this.setHighWatermark(candidate);
  }

  private validate(records: Buffer, nowMs: number): ProduceOutcome | null {
    const { starts, trailingBytes } = batchBounds(records);
    if (starts.length !== 1 || trailingBytes !== 0) {
      return this.fail(
        ErrorCode.INVALID_RECORD,
        'A produce request must carry exactly one record batch per partition.',
      );
    }
    if (records.length < 61)
      return this.fail(ErrorCode.CORRUPT_MESSAGE, 'The record batch is shorter than its header.');
    const header = readBatchHeader(records);
    if (header.magic !== 2)
      return this.fail(
        ErrorCode.INVALID_RECORD,
        `Record batches of magic ${header.magic} are not supported; use magic 2.`,
      );
    if (header.attributes & ATTR_CONTROL)
      return this.fail(ErrorCode.INVALID_RECORD, 'Clients may not produce control batches.');
    const refused = checkRecords(
      records,
      header,
      {
        topicPartition: this.key,
        compacted: this.config.cleanupPolicy.compact,
        timestampType: this.config.messageTimestampType,
        timestampBeforeMaxMs: this.config.messageTimestampBeforeMaxMs,
        timestampAfterMaxMs: this.config.messageTimestampAfterMaxMs,
      },
      nowMs,
    );
    // As Kafka answers a batch refused for its records: the log start offset, each bad record.
    if (refused)
      return {
        ...this.fail(refused.errorCode, refused.errorMessage),
        logStartOffset: this.log.logStartOffset,
        recordErrors: refused.recordErrors,
      };
    return null;
  }

  private fail(errorCode: number, errorMessage: string | null): ProduceOutcome {
    return { errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
  }

  // ---------------------------------------------------------------------------------------------
  // The follower's writes (the replica fetcher calls these, one at a time per partition).

  /**
   * Appends batches fetched from the leader, offsets and epochs as the leader wrote them. The caller
   * waits for `written` before it fetches further, so what a fetch tells the leader is on this disk.
   */
  appendAsFollower(records: Buffer): FollowerAppendResult {
    if (this.leaderState)
      return { kind: 'rejected', problem: 'offline', detail: 'the replica leads the partition' };
    if (this.truncation)
      return { kind: 'rejected', problem: 'offline', detail: 'a truncation is in progress' };
    const active = this.log.active;
    const r = this.log.appendAsFollower(records);
    if (this.log.active !== active) this.onSegmentRolled?.(this, this.log.active.baseOffset);
    if (r.kind === 'appended') {
      this.noteAppend(records.length, r.lastOffset + 1);
      this.stats.replicated(records.length);
    }
    return r;
  }

  /** A follower takes the leader's high watermark, never past its own log end. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    if (this.leaderState) return;
    this.setHighWatermark(Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /** Removes everything at or after `offset` (a diverged tail); appends wait until it is done. */
  truncateTo(offset: number): Promise<void> {
    return this.exclusively(async () => {
      await this.log.truncateTo(offset);
      this.truncated();
    });
  }

  /** Empties the log and restarts it at `offset` (the leader's log starts past this replica's end). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.exclusively(async () => {
      await this.log.truncateFullyAndStartAt(offset);
      this.truncated();
    });
  }

  private truncated(): void {
    this.forgetAppendsFrom(this.log.logEndOffset);
    this.host.log.info('truncated', {
      topic: this.topic,
      partition: this.index,
      offset: this.log.logEndOffset,
    });
  }

  /**
   * Runs `work` with every append held off (leader and follower appends are refused meanwhile):
   * truncations, and the switch to a log moved to another log dir.
   */
  async exclusively(work: () => Promise<void>): Promise<void> {
    while (this.truncation) await this.truncation;
    let release = () => {};
    this.truncation = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await work();
    } finally {
      this.truncation = null;
      release();
      if (this.leaderEpochStartPending) {
        this.startLeaderEpoch();
        this.maybeIncrementHighWatermark();
      }
    }
  }

  /** The log moved to another log dir: from now on it is this one. */
  replaceLog(log: PartitionLog): void {
    this.log = log;
  }

  /** The bound a reader with this isolation may read up to (exclusive). */
  readBound(readCommitted: boolean): number {
    return readCommitted ? this.log.lastStableOffset : this.log.highWatermark;
  }

  /**
   * Whole batches from `fetchOffset`, bounded by the high watermark (or last stable offset). An answer
   * the tail cache gives comes synchronously (no promise per partition of a large Fetch).
   */
  read(
    fetchOffset: number,
    maxBytes: number,
    readCommitted: boolean,
    minOneBatch: boolean,
  ): ReadOutcome | Promise<ReadOutcome> {
    const base = {
      highWatermark: this.log.highWatermark,
      lastStableOffset: this.log.lastStableOffset,
      logStartOffset: this.log.logStartOffset,
    };
    const bound = this.readBound(readCommitted);
    if (
      fetchOffset >= bound &&
      fetchOffset <= this.log.logEndOffset &&
      fetchOffset >= this.log.logStartOffset
    ) {
      return { ...base, errorCode: ErrorCode.NONE, records: [], sizeBytes: 0, release: null };
    }
    const options = { maxOffset: bound, minOneBatch };
    const cached = this.log.readCached(fetchOffset, maxBytes, options);
    if (cached) return readOutcome(base, cached);
    return this.log.read(fetchOffset, maxBytes, options).then((r) => readOutcome(base, r));
  }

  /** ListOffsets' lookups; null when no record qualifies. */
  async offsetFor(timestamp: number, readCommitted: boolean): Promise<OffsetLookup | null> {
    const bound = this.readBound(readCommitted);
    switch (timestamp) {
      case -1: // latest
        return { offset: bound, timestamp: -1, leaderEpoch: this.leaderEpoch };
      case -2: // earliest
      case -4: // earliest local
        return { ...this.log.earliest(), timestamp: -1 };
      case -3: {
        const max = await this.log.maxTimestamp();
        return max && max.offset < bound ? max : null;
      }
      case -5: // latest tiered: nothing is tiered
        return null;
      default: {
        const found = await this.log.offsetForTimestamp(timestamp);
        return found && found.offset < bound ? found : null;
      }
    }
  }
}

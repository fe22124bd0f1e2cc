// A partition replica on this broker: its log, its leader epoch and its high watermark. With one
// replica the high watermark follows the bytes written; the cluster issue extends this with
// followers and the ISR. Answers in Kafka error codes; the log below knows none.
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
import type { AppendProblem, OffsetLookup, PartitionLog } from '../../storage/index.js';
import { DETACHED_TOPIC_STATS, type TopicStats } from '../metrics/topic-stats.js';
import { codecsLoaded, codecsReady, needsRecompression, recompress } from './recompress.js';
import { checkRecords, type RecordError } from './record-checks.js';

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
}

export class Partition {
  /** Bytes that became readable (below the high watermark) since the partition opened: parked fetches
   * compare it with what they saw to decide whether enough has arrived. */
  readableBytes = 0;
  /** The topic's BrokerTopicMetrics (set by the replica manager). */
  stats: TopicStats = DETACHED_TOPIC_STATS;
  /** Set while the codec libraries load for a batch that needs them; appends wait behind it. */
  private codecGate: Promise<void> | null = null;
  /** Told when an append rolled the log to a new segment (for the log line). */
  onSegmentRolled: ((p: Partition, baseOffset: number) => void) | null = null;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public info: PartitionInfo,
    public config: TopicConfig,
    private readonly onHighWatermark: (p: Partition) => void,
  ) {}

  get key(): string {
    return `${this.topic}-${this.index}`;
  }

  get leaderEpoch(): number {
    return this.info.leaderEpoch;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Checks a client's view of the leader epoch: -1 skips the check. */
  checkLeaderEpoch(current: number | undefined): number {
    if (current === undefined || current < 0) return ErrorCode.NONE;
    if (current > this.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    if (current < this.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /**
   * Appends a producer's records. Answers at once for errors and duplicates (and for acks=0);
   * otherwise once the bytes are written, when the high watermark has moved past them.
   */
  append(records: Buffer, acks: number, nowMs: number): ProduceOutcome | Promise<ProduceOutcome> {
    // The codec libraries load a moment after start-up; a batch that needs them before then (to
    // check its records, or to store it in the topic's codec) waits, and appends behind it too, so
    // that they keep their order.
    if (this.codecGate) return this.codecGate.then(() => this.append(records, acks, nowMs));
    if (this.needsCodecs(records) && !codecsLoaded()) {
      this.codecGate = codecsReady().then(() => {
        this.codecGate = null;
      });
      return this.append(records, acks, nowMs);
    }
    const refused = this.validate(records, nowMs);
    const stored = refused ?? this.inTopicCodec(records);
    if (!Buffer.isBuffer(stored)) {
      this.stats.produceFailed(0);
      return stored;
    }
    return this.appendValid(records, stored, acks, nowMs);
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
  ): ProduceOutcome | Promise<ProduceOutcome> {
    const active = this.log.active;
    const result = this.log.append(stored, {
      leaderEpoch: this.leaderEpoch,
      now: nowMs,
      timestampType: this.config.messageTimestampType,
    });
    if (result.kind === 'rejected') {
      this.stats.produceFailed(result.problem === 'too-large' ? records.length : 0);
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
    if (result.kind === 'duplicate') return ok;
    this.stats.produced(records.length, result.lastOffset - result.baseOffset + 1);
    const written = result.written.then(
      () => {
        this.readableBytes += stored.length;
        this.advanceHighWatermark();
        return ok;
      },
      (err: Error) => {
        this.stats.writeFailed();
        return this.fail(ErrorCode.KAFKA_STORAGE_ERROR, `the write failed: ${err.message}`);
      },
    );
    return acks === 0 ? ok : written;
  }

  /**
   * Appends a batch written by a coordinator of this broker (group offsets, transaction state):
   * no producer checks, control batches allowed. `written` resolves once the high watermark passed it.
   */
  appendInternal(
    batch: Buffer,
  ):
    | { lastOffset: number; written: Promise<void> }
    | { error: 'too-large' | 'offline' | 'refused'; errorCode: number } {
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
    const written = result.written.then(() => {
      this.readableBytes += batch.length;
      this.advanceHighWatermark();
    });
    return { lastOffset: result.lastOffset, written };
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

  private fail(errorCode: number, errorMessage: string): ProduceOutcome {
    return { errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
  }

  /** One replica: everything written is replicated to the whole ISR. */
  private advanceHighWatermark(): void {
    const before = this.log.highWatermark;
    const after = this.log.updateHighWatermark(this.log.writtenEndOffset);
    if (after > before) this.onHighWatermark(this);
  }

  /** The bound a reader with this isolation may read up to (exclusive). */
  readBound(readCommitted: boolean): number {
    return readCommitted ? this.log.lastStableOffset : this.log.highWatermark;
  }

  /** Whole batches from `fetchOffset`, bounded by the high watermark (or last stable offset). */
  async read(
    fetchOffset: number,
    maxBytes: number,
    readCommitted: boolean,
    minOneBatch: boolean,
  ): Promise<ReadOutcome> {
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
      return { ...base, errorCode: ErrorCode.NONE, records: [], sizeBytes: 0 };
    }
    const r = await this.log.read(fetchOffset, maxBytes, { maxOffset: bound, minOneBatch });
    if (r.kind === 'out-of-range')
      return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: [], sizeBytes: 0 };
    if (r.kind === 'offline')
      return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, records: [], sizeBytes: 0 };
    return { ...base, errorCode: ErrorCode.NONE, records: r.records, sizeBytes: r.sizeBytes };
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

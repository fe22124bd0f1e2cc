// Log configuration in storage terms, with Kafka's defaults. The broker maps Kafka's topic and broker
// config names (segment.bytes, retention.ms, cleanup.policy, ...) onto these fields.

/** Kafka's Long.MAX_VALUE, as used for "never" in flush.messages / flush.ms; any value above 2^53 behaves the same. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export interface LogConfig {
  /** segment.bytes: roll the active segment before it would exceed this size. */
  segmentBytes: number;
  /** segment.ms: roll when the first batch of the active segment is this much older than a new batch. */
  segmentMs: number;
  /** segment.index.bytes: an offset index holds segmentIndexBytes / 8 entries, a time index / 12. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of batches between two offset-index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete inactive segments whose newest record is older than this; -1 = unlimited. */
  retentionMs: number;
  /** retention.bytes: delete the oldest inactive segments while the log is larger than this; -1 = unlimited. */
  retentionBytes: number;
  /** cleanup.policy: 'delete' (retention), 'compact' (keep the latest record per key), or both. */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long compaction keeps tombstones (and transaction markers) once cleaned. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a log with records older than this is compacted whatever its dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: compact when dirty bytes / total bytes reach this. */
  minCleanableDirtyRatio: number;
  /** flush.messages: fsync after this many messages (NEVER = leave it to the OS, as Kafka does by default). */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is this old (checked by the LogManager). */
  flushMs: number;
  /** max.message.bytes: the largest batch accepted from a producer. */
  maxMessageBytes: number;
  /** producer.id.expiration.ms: forget idle producers after this long. */
  producerIdExpirationMs: number;
  /** file.delete.delay.ms: how long deleted segment files linger (renamed *.deleted) before removal. */
  fileDeleteDelayMs: number;
  /** Bytes of the most recent batches kept in memory per partition to serve tail reads (Samsa-specific). */
  tailCacheBytes: number;
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  minCleanableDirtyRatio: 0.5,
  flushMessages: NEVER,
  flushMs: NEVER,
  maxMessageBytes: 1024 * 1024 + 12,
  producerIdExpirationMs: 24 * 60 * 60 * 1000,
  fileDeleteDelayMs: 60 * 1000,
  tailCacheBytes: 4 * 1024 * 1024,
});

/** Kafka's smallest allowed segment.bytes (LogConfig's validator). */
export const SEGMENT_BYTES_MIN = 14;

/** Fills missing fields with the defaults and checks the ranges; throws RangeError on a bad value (a caller bug). */
export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const c: LogConfig = { ...DEFAULT_LOG_CONFIG, ...stripUndefined(overrides) };
  const positive: (keyof LogConfig)[] = [
    'segmentBytes',
    'segmentMs',
    'indexIntervalBytes',
    'maxMessageBytes',
  ];
  for (const k of positive) {
    if (!(typeof c[k] === 'number' && (c[k] as number) > 0))
      throw new RangeError(`${k} must be > 0, got ${c[k]}`);
  }
  if (c.segmentBytes < SEGMENT_BYTES_MIN)
    throw new RangeError(`segmentBytes must be >= ${SEGMENT_BYTES_MIN}`);
  if (c.segmentIndexBytes < 8) throw new RangeError('segmentIndexBytes must be >= 8');
  if (c.retentionMs < -1 || c.retentionBytes < -1) throw new RangeError('retention must be >= -1');
  if (c.minCleanableDirtyRatio < 0 || c.minCleanableDirtyRatio > 1) {
    throw new RangeError('minCleanableDirtyRatio must be within [0, 1]');
  }
  if (!['delete', 'compact', 'compact,delete'].includes(c.cleanupPolicy)) {
    throw new RangeError(`cleanupPolicy '${c.cleanupPolicy}'`);
  }
  return c;
}

export function isCompacted(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'delete';
}

export function isDeleteRetained(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'compact';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Settings of a log dir's background work (the LogManager), with Kafka's defaults. */
export interface LogManagerConfig {
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs: number;
  /** log.flush.offset.checkpoint.interval.ms (recovery points) */
  recoveryPointCheckpointIntervalMs: number;
  /** log.flush.start.offset.checkpoint.interval.ms */
  logStartOffsetCheckpointIntervalMs: number;
  /** replica.high.watermark.checkpoint.interval.ms */
  highWatermarkCheckpointIntervalMs: number;
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked (Kafka's default is never). */
  flushCheckIntervalMs: number;
  /** producer.id.expiration.check.interval.ms */
  producerIdExpirationCheckIntervalMs: number;
  /** log.cleaner.enable */
  cleanerEnable: boolean;
  /** log.cleaner.backoff.ms: pause between cleaner passes when nothing needs cleaning. */
  cleanerBackoffMs: number;
  /** log.cleaner.dedupe.buffer.size: bytes of the offset map (24 bytes per key). */
  cleanerDedupeBufferBytes: number;
  /** log.cleaner.io.buffer.load.factor */
  cleanerDedupeLoadFactor: number;
  /** log.cleaner.io.buffer.size: read chunk of the cleaner. */
  cleanerIoBufferBytes: number;
}

export const DEFAULT_LOG_MANAGER_CONFIG: Readonly<LogManagerConfig> = Object.freeze({
  retentionCheckIntervalMs: 5 * 60 * 1000,
  recoveryPointCheckpointIntervalMs: 60 * 1000,
  logStartOffsetCheckpointIntervalMs: 60 * 1000,
  highWatermarkCheckpointIntervalMs: 5 * 1000,
  flushCheckIntervalMs: 1000,
  producerIdExpirationCheckIntervalMs: 10 * 60 * 1000,
  cleanerEnable: true,
  cleanerBackoffMs: 15 * 1000,
  cleanerDedupeBufferBytes: 128 * 1024 * 1024,
  cleanerDedupeLoadFactor: 0.9,
  cleanerIoBufferBytes: 512 * 1024,
});

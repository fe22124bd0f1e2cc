// Kafka's topic configs (src/config) in the storage layer's terms (src/storage LogConfig).
import type { TopicConfig } from '../../config/index.js';
import type { CleanupPolicy, LogConfig } from '../../storage/index.js';

const NEVER = Number.MAX_SAFE_INTEGER;

/** Kafka spells "never" as Long.MAX_VALUE; storage as its NEVER. */
function orNever(ms: number): number {
  return Math.min(ms, NEVER);
}

export function toLogConfig(t: TopicConfig): Partial<LogConfig> {
  const policy: CleanupPolicy = t.cleanupPolicy.compact
    ? t.cleanupPolicy.delete
      ? 'compact,delete'
      : 'compact'
    : 'delete';
  return {
    segmentBytes: t.segmentBytes,
    segmentMs: orNever(t.segmentMs),
    segmentIndexBytes: t.segmentIndexBytes,
    indexIntervalBytes: t.indexIntervalBytes,
    retentionMs: t.retentionMs,
    retentionBytes: t.retentionBytes,
    cleanupPolicy: policy,
    deleteRetentionMs: orNever(t.deleteRetentionMs),
    minCompactionLagMs: orNever(t.minCompactionLagMs),
    maxCompactionLagMs: orNever(t.maxCompactionLagMs),
    minCleanableDirtyRatio: t.minCleanableDirtyRatio,
    flushMessages: orNever(t.flushMessages),
    flushMs: orNever(t.flushMs),
    maxMessageBytes: t.maxMessageBytes,
  };
}

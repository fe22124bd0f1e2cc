// The checks Kafka makes on each record of a produced batch (its LogValidator): a compacted topic
// takes no record without a key, and under CreateTime every record's timestamp must lie within
// [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms] (a producer may not
// set LogAppendTime itself). Each record gets at most one error, the key's first; if any record
// fails, the whole batch is refused: INVALID_TIMESTAMP if any timestamp failed, else INVALID_RECORD,
// with every failed record listed by its index in the batch (`record_errors`) and Kafka's messages.
//
// Records are decoded only when a check may fail: for a compacted topic, a producer-set
// LogAppendTime, a finite before.max.ms, or a batch whose max timestamp is past the upper bound.
// Otherwise the header tells enough (producers set the max timestamp), and the bytes stay bytes.
import { ErrorCode } from '../../protocol/errors.js';
import { DecodeError } from '../../protocol/primitives/decode-error.js';
import { ATTR_TIMESTAMP_LOG_APPEND, type BatchHeader } from '../../protocol/records/batch.js';
import { DecompressionError } from '../../protocol/records/codec-error.js';
import { type KafkaRecord, readRecords } from '../../protocol/records/record.js';

/** Kafka's Long.MAX_VALUE as a config value: no bound. */
const UNBOUNDED_MS = 2 ** 62;

export interface RecordCheckSettings {
  /** "topic-partition", as Kafka names a partition in its messages. */
  topicPartition: string;
  compacted: boolean;
  timestampType: 'CreateTime' | 'LogAppendTime';
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
}

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string;
}

export interface RecordsRefused {
  errorCode: number;
  errorMessage: string;
  recordErrors: RecordError[];
}

/** The records' verdict: null when every record passes (or the records cannot be read here yet). */
export function checkRecords(
  batch: Buffer,
  header: BatchHeader,
  s: RecordCheckSettings,
  nowMs: number,
): RecordsRefused | null {
  const createTime = s.timestampType === 'CreateTime';
  const producerSetAppendTime = (header.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0;
  const mayFail =
    s.compacted ||
    producerSetAppendTime ||
    (createTime &&
      (s.timestampBeforeMaxMs < UNBOUNDED_MS || header.maxTimestamp - nowMs > s.timestampAfterMaxMs));
  if (!mayFail) return null;
  const records = decode(batch);
  if (!records) return null;
  const errors: { timestamp: boolean; error: RecordError }[] = [];
  records.forEach((record, batchIndex) => {
    const message = recordProblem(record, s, createTime, producerSetAppendTime, nowMs);
    if (message)
      errors.push({
        timestamp: message.timestamp,
        error: { batchIndex, batchIndexErrorMessage: message.text },
      });
  });
  if (errors.length === 0) return null;
  const recordErrors = errors.map((e) => e.error);
  if (errors.some((e) => e.timestamp)) {
    return {
      errorCode: ErrorCode.INVALID_TIMESTAMP,
      errorMessage: 'One or more records have been rejected due to invalid timestamp',
      recordErrors,
    };
  }
  const shown = recordErrors
    .slice(0, 3)
    .map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`)
    .join(', ');
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage:
      `One or more records have been rejected due to ${recordErrors.length} record errors in total, ` +
      `and only showing the first three errors at most: [${shown}]`,
    recordErrors,
  };
}

/** Every record, or null when they cannot be read (malformed: the log's own checks answer). */
function decode(batch: Buffer): KafkaRecord[] | null {
  try {
    return [...readRecords(batch)];
  } catch (err) {
    if (err instanceof DecodeError || err instanceof DecompressionError) return null;
    throw err;
  }
}

function recordProblem(
  record: KafkaRecord,
  s: RecordCheckSettings,
  createTime: boolean,
  producerSetAppendTime: boolean,
  nowMs: number,
): { timestamp: boolean; text: string } | null {
  if (s.compacted && record.key === null) {
    return {
      timestamp: false,
      text: `Compacted topic cannot accept message without key in topic partition ${s.topicPartition}`,
    };
  }
  if (createTime && record.timestamp !== -1) {
    const diff = nowMs - record.timestamp;
    if (diff > s.timestampBeforeMaxMs || -diff > s.timestampAfterMaxMs) {
      return {
        timestamp: true,
        text:
          `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. ` +
          `The timestamp should be within [${javaSum(nowMs, -1, s.timestampBeforeMaxMs)}, ` +
          `${javaSum(nowMs, 1, s.timestampAfterMaxMs)}]`,
      };
    }
  } else if (producerSetAppendTime) {
    return {
      timestamp: true,
      text:
        `Invalid timestamp type in message ${javaRecord(record)}. ` +
        'Producer should not set timestamp type to LogAppendTime.',
    };
  }
  return null;
}

const LONG_MAX = (1n << 63n) - 1n;

/** now ± a config value in Java's 64-bit arithmetic (Long.MAX_VALUE wraps around), as Kafka prints it. */
function javaSum(nowMs: number, sign: 1 | -1, ms: number): string {
  let delta = BigInt(Math.min(ms, 2 ** 63));
  if (delta > LONG_MAX) delta = LONG_MAX;
  return String(BigInt.asIntN(64, BigInt(nowMs) + BigInt(sign) * delta));
}

/** Kafka's DefaultRecord.toString. */
function javaRecord(r: KafkaRecord): string {
  return `DefaultRecord(offset=${r.offset}, timestamp=${r.timestamp}, key=${r.key?.length ?? 0} bytes, value=${r.value?.length ?? 0} bytes)`;
}

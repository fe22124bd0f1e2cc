// The checks an append makes before the log changes. A leader's batch: its header (size, magic,
// CRC-32C, count), the size limits, and the rules on control and transactional batches (the producer
// checks come next, in the producer state). A follower's fetched records: split into whole batches,
// each checked as stored, offsets increasing. Functions of the bytes and the config only.
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  type BatchHeader,
  checkBatch,
  readBatchHeader,
} from '../protocol/records/batch.js';
import type { LogConfig } from './config.js';
import type { AppendOptions, AppendProblem, FollowerAppendResult } from './partition-log.js';
import { checkStoredBatch } from './scan.js';

export interface AppendRejection {
  kind: 'rejected';
  problem: AppendProblem;
  detail: string;
}

function problemOf(p: string): AppendProblem {
  if (p === 'magic') return 'magic';
  if (p === 'record-count') return 'record-count';
  return 'corrupt';
}

/** Checks a batch offered to the leader; returns its header, or why it is refused. */
export function checkLeaderBatch(
  batch: Buffer,
  options: AppendOptions,
  config: LogConfig,
): { kind: 'ok'; header: BatchHeader } | AppendRejection {
  const check = checkBatch(batch, 0, options.crcVerified !== true);
  if (!check.ok) return { kind: 'rejected', problem: problemOf(check.problem), detail: check.detail };
  const h = check.header;
  if (batch.length !== h.sizeBytes) {
    return {
      kind: 'rejected',
      problem: 'invalid-record',
      detail: `${batch.length - h.sizeBytes} bytes after the batch`,
    };
  }
  if (h.sizeBytes > config.maxMessageBytes || h.sizeBytes > config.segmentBytes) {
    return {
      kind: 'rejected',
      problem: 'too-large',
      detail: `batch of ${h.sizeBytes} bytes exceeds ${Math.min(config.maxMessageBytes, config.segmentBytes)}`,
    };
  }
  const control = (h.attributes & ATTR_CONTROL) !== 0;
  if (control && (options.origin ?? 'client') === 'client') {
    return { kind: 'rejected', problem: 'invalid-record', detail: 'clients may not write control batches' };
  }
  if ((h.attributes & ATTR_TRANSACTIONAL) !== 0 && h.producerId < 0) {
    return {
      kind: 'rejected',
      problem: 'invalid-record',
      detail: 'transactional batch without a producer id',
    };
  }
  return { kind: 'ok', header: h };
}

/** A whole batch found in a follower's records: where it starts and its header. */
export interface FollowerBatch {
  at: number;
  h: BatchHeader;
}

/**
 * Splits a follower's fetched records into whole batches (a partial batch at the end is ignored), each
 * checked as stored, the first starting at or after `expect` and each after the one before.
 */
export function splitFollowerBatches(
  records: Buffer,
  expect: number,
): { kind: 'ok'; batches: FollowerBatch[] } | Extract<FollowerAppendResult, { kind: 'rejected' }> {
  const found: FollowerBatch[] = [];
  let pos = 0;
  while (records.length - pos >= 61) {
    const size = records.readInt32BE(pos + 8) + 12;
    if (size < 61 || pos + size > records.length) break;
    const problem = checkStoredBatch(records, pos, size);
    if (problem) {
      return {
        kind: 'rejected',
        problem: problem.startsWith('magic') ? 'magic' : 'corrupt',
        detail: problem,
      };
    }
    const h = readBatchHeader(records, pos);
    if (h.baseOffset < expect) {
      return {
        kind: 'rejected',
        problem: 'offset-out-of-order',
        detail: `batch at offset ${h.baseOffset}, expected at least ${expect}`,
      };
    }
    expect = h.baseOffset + h.lastOffsetDelta + 1;
    found.push({ at: pos, h });
    pos += size;
  }
  return { kind: 'ok', batches: found };
}

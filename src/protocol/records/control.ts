// Control records: the COMMIT and ABORT markers a transaction coordinator writes to every partition of
// a transaction. A control batch is transactional, carries the producer's id and epoch, and holds one
// record whose key is (version int16 = 0, type int16: 0 ABORT, 1 COMMIT) and whose value is
// (version int16 = 0, coordinator epoch int32).
import { DecodeError } from '../primitives/decode-error.js';
import { ATTR_CONTROL, BATCH_HEADER_BYTES, readBatchHeader } from './batch.js';
import { buildBatch, type KafkaRecord, readRecords } from './record.js';

export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  /** The leader epoch of the coordinator's `__transaction_state` partition (fences old coordinators). */
  coordinatorEpoch: number;
  commit: boolean;
}

/** One control batch holding the marker (offsets and leader epoch are set by the log). */
export function buildControlBatch(marker: TxnMarker, timestampMs = Date.now()): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(marker.commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  return buildBatch([{ key, value }], {
    control: true,
    transactional: true,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    timestampMs,
  });
}

/**
 * The marker a control batch holds, or null when `batch` is not a control batch or its record is not a
 * COMMIT/ABORT marker (an emptied batch, a future control type).
 */
export function readControlBatch(batch: Buffer): TxnMarker | null {
  if (batch.length < BATCH_HEADER_BYTES) return null;
  const h = readBatchHeader(batch);
  if ((h.attributes & ATTR_CONTROL) === 0) return null;
  let first: KafkaRecord | undefined;
  try {
    first = readRecords(batch).next().value as KafkaRecord | undefined;
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
  if (!first?.key || first.key.length < 4) return null;
  const type = first.key.readInt16BE(2);
  if (type !== CONTROL_TYPE_ABORT && type !== CONTROL_TYPE_COMMIT) return null;
  return {
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    coordinatorEpoch: first.value && first.value.length >= 6 ? first.value.readInt32BE(2) : -1,
    commit: type === CONTROL_TYPE_COMMIT,
  };
}

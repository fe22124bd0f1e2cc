// Writing markers to the partitions this node leads: what a WriteTxnMarkers request asks of a broker,
// and what the transaction coordinator does directly for partitions led by its own node. A data
// partition gets a control batch (checked by its log: an older producer epoch or coordinator epoch is
// refused); a `__consumer_offsets` partition gets it through the group coordinator, whose shard then
// applies or drops the producer's pending offsets.
import type { MetadataImage } from '../../../metadata/image.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { buildControlBatch, type TxnMarker } from '../../../protocol/records/control.js';
import { InternalWriteError, type Partition } from '../../replica/partition.js';
import { OFFSETS_TOPIC } from '../group/settings.js';
import { type MarkerResult, tpKey, type WritableMarker } from './markers.js';

export interface LocalMarkerDeps {
  partition(topic: string, index: number): Partition | undefined;
  metadata(): MetadataImage;
  /** The group coordinator's marker write to a `__consumer_offsets` partition: its error code. */
  completeGroupTransaction(partition: number, marker: TxnMarker): Promise<number>;
  /** A marker reached a partition (verifications in flight for the producer no longer hold). */
  onMarker(partitionKey: string, producerId: number): void;
  now(): number;
}

/** Writes one marker to each of its partitions here; resolves once every write is done or failed. */
export async function writeMarkersLocally(deps: LocalMarkerDeps, m: WritableMarker): Promise<MarkerResult> {
  const marker: TxnMarker = {
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    coordinatorEpoch: m.coordinatorEpoch,
    commit: m.commit,
  };
  const result: MarkerResult = new Map();
  const writes: Promise<void>[] = [];
  for (const t of m.topics) {
    for (const index of t.partitions) {
      const key = tpKey(t.topic, index);
      writes.push(
        writeOne(deps, t.topic, index, marker).then((errorCode) => void result.set(key, errorCode)),
      );
    }
  }
  await Promise.all(writes);
  return result;
}

async function writeOne(
  deps: LocalMarkerDeps,
  topic: string,
  index: number,
  marker: TxnMarker,
): Promise<number> {
  if (topic === OFFSETS_TOPIC) {
    deps.onMarker(`${topic}-${index}`, marker.producerId);
    const errorCode = await deps.completeGroupTransaction(index, marker);
    // The transaction coordinator does not expect coordinator errors here: the partition is not ready.
    return errorCode === ErrorCode.NOT_COORDINATOR ||
      errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE ||
      errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
      ? ErrorCode.NOT_LEADER_OR_FOLLOWER
      : errorCode;
  }
  const p = deps.partition(topic, index);
  if (!p) {
    const known = deps.metadata().topicsByName.get(topic)?.partitions[index];
    return known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }
  deps.onMarker(p.key, marker.producerId);
  const r = p.appendInternal(buildControlBatch(marker, deps.now()));
  if ('error' in r) return r.errorCode;
  try {
    await r.written;
    return ErrorCode.NONE;
  } catch (err) {
    // Written on the leader but not by the ISR in time, or leadership lost meanwhile (replication).
    if (err instanceof InternalWriteError)
      return err.failure === 'not-leader'
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : err.failure === 'timeout'
          ? ErrorCode.REQUEST_TIMED_OUT
          : ErrorCode.KAFKA_STORAGE_ERROR;
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}

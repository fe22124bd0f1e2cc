// The record formats MirrorMaker 2 writes, byte for byte, so that a Samsa mirror and MirrorMaker 2
// can read each other's internal topics and a failover tool built for one works with the other.
//
// - Offset syncs (`mm2-offset-syncs.<target>.internal`): key { topic: STRING, partition: INT32 },
//   value { upstreamOffset: INT64, offset: INT64 }; no version.
// - Checkpoints (`<source>.checkpoints.internal`): key { group: STRING, topic: STRING, partition:
//   INT32 }, value { version: INT16 = 0, upstreamOffset: INT64, offset: INT64, metadata: STRING }.
// - Heartbeats (`heartbeats`): key { sourceClusterAlias: STRING, targetClusterAlias: STRING },
//   value { version: INT16 = 0, timestamp: INT64 }.
// STRING is Kafka's protocol string: an INT16 byte length, then UTF-8. Numbers are big-endian.
//
// - Progress (Kafka Connect's offsets topic, `mm2-offsets.<source>.internal`): key the JSON array
//   ["MirrorSourceConnector",{"cluster":A,"partition":P,"topic":T}], value {"offset":N} where N is
//   the source offset of the last record written. Connect looks offsets up by the key's exact bytes,
//   so the map's keys keep the order Java's HashMap gives them: cluster, partition, topic.

import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';

export interface OffsetSync {
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
}

export interface Checkpoint {
  group: string;
  /** The topic as named on the target (the remote topic). */
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
  metadata: string;
}

export interface Heartbeat {
  sourceClusterAlias: string;
  targetClusterAlias: string;
  timestamp: number;
}

/** A record that is not in the expected format: a value, not a throw (other writers may share a topic). */
export interface FormatError {
  error: string;
}

const FORMAT_VERSION = 0;

const strBytes = (s: string) => 2 + Buffer.byteLength(s);

function decode<T>(
  what: string,
  key: Buffer | null,
  value: Buffer | null,
  read: (k: Reader, v: Reader) => T,
) {
  if (!key || !value) return { error: `${what} without ${key ? 'value' : 'key'}` };
  try {
    return read(new Reader(key), new Reader(value));
  } catch (err) {
    return { error: `malformed ${what}: ${(err as Error).message}` };
  }
}

function checkVersion(r: Reader, what: string): void {
  const version = r.int16();
  if (version !== FORMAT_VERSION) throw new RangeError(`${what} version ${version} (this mirror reads 0)`);
}

export function encodeOffsetSync(s: OffsetSync): { key: Buffer; value: Buffer } {
  return {
    key: new Writer(strBytes(s.topic) + 4).string(s.topic).int32(s.partition).finishFlat(),
    value: new Writer(16).int64(s.upstreamOffset).int64(s.downstreamOffset).finishFlat(),
  };
}

export function decodeOffsetSync(key: Buffer | null, value: Buffer | null): OffsetSync | FormatError {
  return decode('offset sync', key, value, (k, v) => ({
    topic: k.string(),
    partition: k.int32(),
    upstreamOffset: v.int64(),
    downstreamOffset: v.int64(),
  }));
}

export function encodeCheckpoint(c: Checkpoint): { key: Buffer; value: Buffer } {
  return {
    key: new Writer(strBytes(c.group) + strBytes(c.topic) + 4)
      .string(c.group)
      .string(c.topic)
      .int32(c.partition)
      .finishFlat(),
    value: new Writer(2 + 16 + strBytes(c.metadata))
      .int16(FORMAT_VERSION)
      .int64(c.upstreamOffset)
      .int64(c.downstreamOffset)
      .string(c.metadata)
      .finishFlat(),
  };
}

export function decodeCheckpoint(key: Buffer | null, value: Buffer | null): Checkpoint | FormatError {
  return decode('checkpoint', key, value, (k, v) => {
    checkVersion(v, 'checkpoint');
    return {
      group: k.string(),
      topic: k.string(),
      partition: k.int32(),
      upstreamOffset: v.int64(),
      downstreamOffset: v.int64(),
      metadata: v.string(),
    };
  });
}

export function encodeHeartbeat(h: Heartbeat): { key: Buffer; value: Buffer } {
  return {
    key: new Writer(strBytes(h.sourceClusterAlias) + strBytes(h.targetClusterAlias))
      .string(h.sourceClusterAlias)
      .string(h.targetClusterAlias)
      .finishFlat(),
    value: new Writer(10).int16(FORMAT_VERSION).int64(h.timestamp).finishFlat(),
  };
}

export function decodeHeartbeat(key: Buffer | null, value: Buffer | null): Heartbeat | FormatError {
  return decode('heartbeat', key, value, (k, v) => {
    checkVersion(v, 'heartbeat');
    return { sourceClusterAlias: k.string(), targetClusterAlias: k.string(), timestamp: v.int64() };
  });
}

export function isFormatError(x: object): x is FormatError {
  return 'error' in x;
}

// ---- Kafka Connect's source offsets -----------------------------------------------------------

/** The name MirrorMaker 2's dedicated mode gives the replication connector (its progress key). */
export const SOURCE_CONNECTOR_NAME = 'MirrorSourceConnector';

export interface SourcePartitionKey {
  connector: string;
  cluster: string;
  topic: string;
  partition: number;
}

export function encodeProgressKey(k: SourcePartitionKey): Buffer {
  return Buffer.from(
    JSON.stringify([k.connector, { cluster: k.cluster, partition: k.partition, topic: k.topic }]),
  );
}

export function encodeProgressValue(lastWrittenOffset: number): Buffer {
  return Buffer.from(JSON.stringify({ offset: lastWrittenOffset }));
}

/** A progress record of the offsets topic; null for records of other connectors or in other shapes. */
export function decodeProgress(
  key: Buffer | null,
  value: Buffer | null,
): { key: SourcePartitionKey; offset: number | null } | null {
  if (!key) return null;
  let k: unknown;
  try {
    k = JSON.parse(key.toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(k) || k.length !== 2 || typeof k[0] !== 'string') return null;
  const p = k[1] as Record<string, unknown> | null;
  if (!p || typeof p.cluster !== 'string' || typeof p.topic !== 'string') return null;
  if (typeof p.partition !== 'number' || !Number.isInteger(p.partition)) return null;
  const parsed: SourcePartitionKey = {
    connector: k[0],
    cluster: p.cluster,
    topic: p.topic,
    partition: p.partition,
  };
  if (!value) return { key: parsed, offset: null };
  try {
    const v = JSON.parse(value.toString('utf8')) as Record<string, unknown> | null;
    const offset = v?.offset;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) return null;
    return { key: parsed, offset };
  } catch {
    return null;
  }
}

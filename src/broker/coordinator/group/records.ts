// The records of `__consumer_offsets`, in Kafka's formats: key = int16 key version + key struct, value
// = int16 value version + value struct, null value = tombstone. Written as Kafka 3.9 writes them:
// OffsetCommitKey v1 with OffsetCommitValue v3 (v1 when the commit carries an expire timestamp), and
// GroupMetadataKey v2 with GroupMetadataValue v3. Any version Kafka ever wrote is read back; other
// key versions (the KIP-848 and share-group records, 3..15) are recognised and ignored.
import { type Codec, codecFor, type MessageDecl, Reader, Writer } from '../../../protocol/index.js';
import {
  GroupMetadataKey,
  GroupMetadataValue,
  OffsetCommitKey,
  OffsetCommitValue,
} from '../../../protocol/internal/index.js';
import type { CoordinatorRecord } from '../runtime.js';

export type { GroupMetadataValue, OffsetCommitValue } from '../../../protocol/internal/index.js';

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
const GROUP_METADATA_VALUE_VERSION = 3;

// The codecs of what we write, compiled once.
const offsetKeyCodec = codecFor(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION);
const offsetValueCodec = codecFor(OffsetCommitValue, OFFSET_COMMIT_VALUE_VERSION);
const offsetValueWithExpiryCodec = codecFor(OffsetCommitValue, OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY);
const groupKeyCodec = codecFor(GroupMetadataKey, GROUP_METADATA_KEY_VERSION);
const groupValueCodec = codecFor(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION);

/** Encodes a record (key, then value unless a tombstone) into one buffer. */
function record<K, V>(
  keyCodec: Codec<K>,
  key: K,
  valueCodec: Codec<V>,
  value: V | null,
  decoded: DecodedRecord,
): CoordinatorRecord {
  const w = new Writer(128);
  w.int16(keyCodec.version);
  keyCodec.encode(w, key);
  const keyBytes = w.length;
  if (value !== null) {
    w.int16(valueCodec.version);
    valueCodec.encode(w, value);
  }
  const flat = w.finishFlat();
  return { key: flat.subarray(0, keyBytes), value: value === null ? null : flat.subarray(keyBytes), decoded };
}

/** A record whose key is already encoded (the same group, topic and partition committed before). */
function recordWithKey<V>(
  key: Buffer,
  valueCodec: Codec<V>,
  value: V,
  decoded: DecodedRecord,
): CoordinatorRecord {
  const w = new Writer(96);
  w.int16(valueCodec.version);
  valueCodec.encode(w, value);
  return { key, value: w.finishFlat(), decoded };
}

export function offsetCommitRecord(
  group: string,
  topic: string,
  partition: number,
  value: OffsetCommitValue,
  encodedKey?: Buffer,
): CoordinatorRecord {
  const withExpiry = value.expireTimestamp !== undefined && value.expireTimestamp >= 0;
  // What the bytes decode to: value v1 has no leader epoch, v3 no expire timestamp.
  const stored: OffsetCommitValue = withExpiry
    ? { ...value, leaderEpoch: -1 }
    : { ...value, leaderEpoch: value.leaderEpoch ?? -1, expireTimestamp: -1 };
  const decoded: DecodedRecord = { kind: 'offset', group, topic, partition, value: stored };
  const valueCodec = withExpiry ? offsetValueWithExpiryCodec : offsetValueCodec;
  if (encodedKey) return recordWithKey(encodedKey, valueCodec, stored, decoded);
  return record(offsetKeyCodec, { group, topic, partition }, valueCodec, stored, decoded);
}

export function offsetCommitTombstone(group: string, topic: string, partition: number): CoordinatorRecord {
  const decoded: DecodedRecord = { kind: 'offset', group, topic, partition, value: null };
  return record(offsetKeyCodec, { group, topic, partition }, offsetValueCodec, null, decoded);
}

export function groupMetadataRecord(group: string, value: GroupMetadataValue): CoordinatorRecord {
  return record(groupKeyCodec, { group }, groupValueCodec, value, { kind: 'group', group, value });
}

export function groupMetadataTombstone(group: string): CoordinatorRecord {
  return record(groupKeyCodec, { group }, groupValueCodec, null, { kind: 'group', group, value: null });
}

/** A record read back: what it is about and its value (null for a tombstone). */
export type DecodedRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { kind: 'group'; group: string; value: GroupMetadataValue | null }
  | { kind: 'other'; keyVersion: number };

/** Decodes a record of `__consumer_offsets`; throws DecodeError on malformed bytes. */
export function decodeRecord(key: Buffer, value: Buffer | null): DecodedRecord {
  const r = new Reader(key);
  const keyVersion = r.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const k = codecFor(OffsetCommitKey, keyVersion).decode(r);
    return { kind: 'offset', ...k, value: value ? decodeValue(OffsetCommitValue, value) : null };
  }
  if (keyVersion === 2) {
    const k = codecFor(GroupMetadataKey, keyVersion).decode(r);
    return { kind: 'group', group: k.group, value: value ? decodeValue(GroupMetadataValue, value) : null };
  }
  return { kind: 'other', keyVersion };
}

/** Values may carry fields of newer versions after the ones we know; they are ignored, as Kafka does. */
function decodeValue<T>(decl: MessageDecl<T>, bytes: Buffer): T {
  const r = new Reader(bytes);
  const version = r.int16();
  return codecFor(decl, version).decode(r);
}

// KRaft metadata records as they sit in the metadata log: each record value is
// uvarint frame version (1) | uvarint record type | uvarint record version | the record, flexible.
import {
  AccessControlEntryRecord,
  BrokerRegistrationChangeRecord,
  ClientQuotaRecord,
  ConfigRecord,
  FeatureLevelRecord,
  FenceBrokerRecord,
  NoOpRecord,
  PartitionChangeRecord,
  PartitionRecord,
  ProducerIdsRecord,
  RegisterBrokerRecord,
  RegisterControllerRecord,
  RemoveAccessControlEntryRecord,
  RemoveTopicRecord,
  RemoveUserScramCredentialRecord,
  TopicRecord,
  UnfenceBrokerRecord,
  UnregisterBrokerRecord,
  UserScramCredentialRecord,
} from '../protocol/internal/metadata-records.js';
import { DecodeError } from '../protocol/primitives/decode-error.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { codecFor } from '../protocol/schema/codec.js';
import type { MessageDecl } from '../protocol/schema/declaration.js';

const FRAME_VERSION = 1;

/** The records Samsa writes and replays, with the version it writes each at. */
const KINDS = {
  RegisterBroker: { decl: RegisterBrokerRecord, version: 3 },
  UnregisterBroker: { decl: UnregisterBrokerRecord, version: 0 },
  Topic: { decl: TopicRecord, version: 0 },
  Partition: { decl: PartitionRecord, version: 0 },
  Config: { decl: ConfigRecord, version: 0 },
  PartitionChange: { decl: PartitionChangeRecord, version: 0 },
  FenceBroker: { decl: FenceBrokerRecord, version: 0 },
  UnfenceBroker: { decl: UnfenceBrokerRecord, version: 0 },
  RemoveTopic: { decl: RemoveTopicRecord, version: 0 },
  FeatureLevel: { decl: FeatureLevelRecord, version: 0 },
  ProducerIds: { decl: ProducerIdsRecord, version: 0 },
  BrokerRegistrationChange: { decl: BrokerRegistrationChangeRecord, version: 1 },
  NoOp: { decl: NoOpRecord, version: 0 },
  UserScramCredential: { decl: UserScramCredentialRecord, version: 0 },
  RemoveUserScramCredential: { decl: RemoveUserScramCredentialRecord, version: 0 },
  AccessControlEntry: { decl: AccessControlEntryRecord, version: 0 },
  RemoveAccessControlEntry: { decl: RemoveAccessControlEntryRecord, version: 0 },
  ClientQuota: { decl: ClientQuotaRecord, version: 0 },
  RegisterController: { decl: RegisterControllerRecord, version: 0 },
} as const;

type Kinds = typeof KINDS;
export type RecordKind = keyof Kinds;
type DataOf<K extends RecordKind> = Kinds[K]['decl'] extends MessageDecl<infer T> ? T : never;

export type MetadataRecord = { [K in RecordKind]: { kind: K; data: DataOf<K> } }[RecordKind];

export function record<K extends RecordKind>(kind: K, data: DataOf<K>): MetadataRecord {
  return { kind, data } as MetadataRecord;
}

const byType = new Map<number, RecordKind>(
  (Object.keys(KINDS) as RecordKind[]).map((k) => [KINDS[k].decl.apiKey as number, k]),
);

export function encodeMetadataRecord(r: MetadataRecord): Buffer {
  const { decl, version } = KINDS[r.kind];
  const w = new Writer(128);
  w.uvarint(FRAME_VERSION)
    .uvarint(decl.apiKey as number)
    .uvarint(version);
  codecFor(decl as MessageDecl, version).encode(w, r.data);
  return w.finishFlat();
}

/** Decodes one record value; records of types Samsa does not use come back as null. */
export function decodeMetadataRecord(value: Buffer): MetadataRecord | null {
  const r = new Reader(value);
  const frameVersion = r.uvarint();
  if (frameVersion !== FRAME_VERSION)
    throw new DecodeError('invalid', `metadata record frame version ${frameVersion}`);
  const type = r.uvarint();
  const version = r.uvarint();
  const kind = byType.get(type);
  if (!kind) return null;
  const data = codecFor(KINDS[kind].decl as MessageDecl, version).decode(r);
  return { kind, data } as MetadataRecord;
}

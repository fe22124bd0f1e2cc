// KRaft records as kafka-dump-log.sh prints them: metadata records ({"type":"TOPIC_RECORD","version":0,
// "data":{...}}, with --cluster-metadata-decoder) and the control records of the metadata log and its
// snapshots (SnapshotHeader, SnapshotFooter, KRaftVersion, KRaftVoters). The JSON follows the
// declarations: every field of the version, tagged fields only when they differ from their default.

import {
  KRaftVersionRecord,
  SnapshotFooterRecord,
  SnapshotHeaderRecord,
  VotersRecord,
} from '../../protocol/internal/message-data.js';
import * as records from '../../protocol/internal/metadata-records.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { codecFor } from '../../protocol/schema/codec.js';
import { type FieldDecl, inVersions, type MessageDecl } from '../../protocol/schema/declaration.js';

const BY_TYPE = new Map<number, MessageDecl>();
for (const decl of Object.values(records) as MessageDecl[]) {
  if (decl && typeof decl === 'object' && 'apiKey' in decl && decl.kind === 'metadata')
    BY_TYPE.set(decl.apiKey as number, decl);
}

/** TopicRecord -> TOPIC_RECORD (Kafka's MetadataRecordType names). */
function typeName(decl: MessageDecl): string {
  return decl.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function jsonOf(
  fields: readonly FieldDecl[],
  value: Record<string, unknown>,
  version: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value[f.name];
    if (f.tagged !== undefined && inVersions(f.tagged, version) && (v === undefined || v === f.default))
      continue;
    if (v === undefined) continue;
    if (f.type === '[]' && Array.isArray(v))
      out[f.name] = v.map((e) => jsonOf(f.fields ?? [], e as Record<string, unknown>, version));
    else if (f.type === '{}' && v && typeof v === 'object')
      out[f.name] = jsonOf(f.fields ?? [], v as Record<string, unknown>, version);
    else if (Buffer.isBuffer(v)) out[f.name] = v.toString('base64');
    else out[f.name] = v;
  }
  return out;
}

/** A metadata record value as Kafka's ClusterMetadataLogMessageParser prints it. */
export function metadataRecordJson(value: Buffer): string {
  try {
    const r = new Reader(value);
    r.uvarint();
    const type = r.uvarint();
    const version = r.uvarint();
    const decl = BY_TYPE.get(type);
    if (!decl) return `Error at record, skipping. Unknown metadata id ${type}`;
    const data = codecFor(decl, version).decode(r) as Record<string, unknown>;
    return JSON.stringify({ type: typeName(decl), version, data: jsonOf(decl.fields, data, version) });
  } catch (err) {
    return `Error at record, skipping. ${(err as Error).message}`;
  }
}

const CONTROL: Record<number, [string, MessageDecl]> = {
  3: ['SnapshotHeader', SnapshotHeaderRecord as MessageDecl],
  4: ['SnapshotFooter', SnapshotFooterRecord as MessageDecl],
  5: ['KRaftVersion', KRaftVersionRecord as MessageDecl],
  6: ['KRaftVoters', VotersRecord as MessageDecl],
};

/** A KRaft control record as DumpLogSegments prints it, or null for the others. */
export function controlRecordText(type: number, value: Buffer | null): string | null {
  const known = CONTROL[type];
  if (!known || !value) return null;
  try {
    const [label, decl] = known;
    const data = codecFor(decl, 0).decode(new Reader(value)) as Record<string, unknown>;
    return `${label} ${JSON.stringify(jsonOf(decl.fields, data, 0))}`;
  } catch {
    return null;
  }
}

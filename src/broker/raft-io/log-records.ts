// The Raft core's entries as they sit in `__cluster_metadata-0` and travel in KRaft's Fetch: Kafka
// record batches. A batch of data entries is one batch whose records carry the metadata records as
// values (null keys); a LeaderChange or VotersRecord entry is a control batch of one record whose key
// is KRaft's control record key (int16 version 0, int16 type) and whose value is the message. Snapshots
// (`<offset>-<epoch>.checkpoint`) are a control batch with SnapshotHeader (and, for a dynamic quorum,
// KRaftVersion and Voters), the state machine's data batches, and a SnapshotFooter batch.
import {
  KRaftVersionRecord,
  LeaderChangeMessage,
  SnapshotFooterRecord,
  SnapshotHeaderRecord,
  VotersRecord,
} from '../../protocol/internal/index.js';
import { Writer } from '../../protocol/primitives/writer.js';
import {
  BATCH_LOG_OVERHEAD_BYTES,
  buildBatch,
  isControlBatch,
  type KafkaRecord,
  readBatchHeader,
  readRecords,
  setBaseOffset,
} from '../../protocol/records/index.js';
import { codecFor, decodeFromBuffer } from '../../protocol/schema/codec.js';
import type { MessageDecl } from '../../protocol/schema/declaration.js';
import type { Entry, Snapshot, SnapshotId } from '../../raft/index.js';
import { NO_DIRECTORY_ID, type VoterDirectory } from './voter-directory.js';

/** KRaft's ControlRecordType values. */
export const ControlType = {
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

export const CONTROL_TYPE_NAMES: Record<number, string> = {
  0: 'ABORT',
  1: 'COMMIT',
  2: 'LEADER_CHANGE',
  3: 'SNAPSHOT_HEADER',
  4: 'SNAPSHOT_FOOTER',
  5: 'KRAFT_VERSION',
  6: 'KRAFT_VOTERS',
};

function controlKey(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

function encodeMessage<T>(decl: MessageDecl<T>, version: number, value: T): Buffer {
  const w = new Writer(64);
  codecFor(decl, version).encode(w, value);
  return w.finishFlat();
}

/** The type of a control record from its key, or -1. */
export function controlTypeOf(record: KafkaRecord): number {
  const key = record.key;
  return key && key.length >= 4 ? key.readInt16BE(2) : -1;
}

function votersRecordOf(ids: readonly number[], directory: VoterDirectory): VotersRecord {
  return {
    version: 0,
    voters: ids.map((id) => {
      const info = directory.get(id);
      return {
        voterId: id,
        voterDirectoryId: info?.directoryId ?? NO_DIRECTORY_ID,
        endpoints: (info?.endpoints ?? []).map((e) => ({ name: e.name, host: e.host, port: e.port })),
        kRaftVersionFeature: { minSupportedVersion: 0, maxSupportedVersion: 1 },
      };
    }),
  };
}

/** Learns the addresses in a VotersRecord; returns the voter ids. */
function learnVoters(record: VotersRecord, directory: VoterDirectory): number[] {
  for (const v of record.voters) {
    directory.learn({
      id: v.voterId,
      directoryId: v.voterDirectoryId,
      endpoints: v.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port })),
    });
  }
  return record.voters.map((v) => v.voterId);
}

/**
 * Record batches for entries, in order. Consecutive data entries linked by `batchContinues` make one
 * batch; control entries are one batch each.
 */
export function entriesToBatches(
  entries: readonly Entry[],
  directory: VoterDirectory,
  nowMs: number,
): Buffer[] {
  const out: Buffer[] = [];
  let group: Entry[] = [];
  for (const e of entries) {
    if (e.kind === 'data') {
      group.push(e);
      if (e.batchContinues) continue;
      out.push(
        buildBatch(
          group.map((g) => ({ key: null, value: Buffer.from((g as { data: Uint8Array }).data) })),
          { baseOffset: group[0].offset, partitionLeaderEpoch: e.epoch, timestampMs: nowMs },
        ),
      );
      group = [];
      continue;
    }
    if (group.length > 0)
      throw new Error(`raft-io: batch of ${group[0].offset} left open before a control entry`);
    const value =
      e.kind === 'leaderChange'
        ? encodeMessage(LeaderChangeMessage, 0, {
            version: 0,
            leaderId: e.leaderChange.leaderId,
            voters: e.leaderChange.voters.map((v) => ({ voterId: v.voterId })),
            grantingVoters: e.leaderChange.grantingVoters.map((v) => ({ voterId: v.voterId })),
          })
        : encodeMessage(
            VotersRecord,
            0,
            votersRecordOf(
              e.voters.voters.map((v) => v.voterId),
              directory,
            ),
          );
    const type = e.kind === 'leaderChange' ? ControlType.LEADER_CHANGE : ControlType.KRAFT_VOTERS;
    out.push(
      buildBatch([{ key: controlKey(type), value }], {
        baseOffset: e.offset,
        partitionLeaderEpoch: e.epoch,
        control: true,
        timestampMs: nowMs,
      }),
    );
  }
  if (group.length > 0) throw new Error(`raft-io: batch of ${group[0].offset} not closed`);
  return out;
}

/** Splits concatenated batches (a Fetch response's records, a segment read) into whole batches. */
export function splitBatches(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (records.length - pos >= BATCH_LOG_OVERHEAD_BYTES) {
    const size = records.readInt32BE(pos + 8) + BATCH_LOG_OVERHEAD_BYTES;
    if (size < BATCH_LOG_OVERHEAD_BYTES || pos + size > records.length) break;
    out.push(records.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/** Entries of record batches. Control records other than LeaderChange and Voters are skipped as data. */
export function batchesToEntries(batches: readonly Buffer[], directory: VoterDirectory): Entry[] {
  const out: Entry[] = [];
  for (const batch of batches) {
    const h = readBatchHeader(batch);
    const epoch = h.partitionLeaderEpoch;
    const records = [...readRecords(batch)];
    if (isControlBatch(h.attributes)) {
      for (const r of records) out.push(controlEntry(r, epoch, directory));
      continue;
    }
    records.forEach((r, i) => {
      const entry: Entry = { offset: r.offset, epoch, kind: 'data', data: r.value ?? new Uint8Array(0) };
      if (i < records.length - 1) entry.batchContinues = true;
      out.push(entry);
    });
  }
  return out;
}

function controlEntry(r: KafkaRecord, epoch: number, directory: VoterDirectory): Entry {
  const type = controlTypeOf(r);
  const value = r.value ?? Buffer.alloc(0);
  if (type === ControlType.LEADER_CHANGE) {
    const m = decodeFromBuffer(LeaderChangeMessage, 0, value, false);
    return {
      offset: r.offset,
      epoch,
      kind: 'leaderChange',
      leaderChange: {
        version: m.version,
        leaderId: m.leaderId,
        voters: m.voters.map((v) => ({ voterId: v.voterId })),
        grantingVoters: m.grantingVoters.map((v) => ({ voterId: v.voterId })),
      },
    };
  }
  if (type === ControlType.KRAFT_VOTERS) {
    const ids = learnVoters(decodeFromBuffer(VotersRecord, 0, value, false), directory);
    return {
      offset: r.offset,
      epoch,
      kind: 'voters',
      voters: { version: 0, voters: ids.map((voterId) => ({ voterId })) },
    };
  }
  // Another control record (KRaftVersion written by Kafka): it holds an offset but changes no metadata.
  return { offset: r.offset, epoch, kind: 'data', data: new Uint8Array(0) };
}

// ---- snapshots ----

export interface SnapshotFileOptions {
  /** kraft.version: 1 writes KRaftVersion and the voter set into the snapshot (a dynamic quorum). */
  kraftVersion: number;
  nowMs: number;
  lastContainedLogTimestampMs: number;
}

/**
 * A checkpoint file: header batch, data batches (the snapshot's `data`, renumbered after the header),
 * footer batch. The same bytes go on disk and, in chunks, in FetchSnapshot.
 */
export function encodeSnapshotFile(
  snapshot: Snapshot,
  directory: VoterDirectory,
  o: SnapshotFileOptions,
): Uint8Array {
  const epoch = snapshot.id.epoch;
  const header = [
    {
      key: controlKey(ControlType.SNAPSHOT_HEADER),
      value: encodeMessage(SnapshotHeaderRecord, 0, {
        version: 0,
        lastContainedLogTimestamp: o.lastContainedLogTimestampMs,
      }),
    },
  ];
  if (o.kraftVersion > 0) {
    header.push({
      key: controlKey(ControlType.KRAFT_VERSION),
      value: encodeMessage(KRaftVersionRecord, 0, { version: 0, kRaftVersion: o.kraftVersion }),
    });
    header.push({
      key: controlKey(ControlType.KRAFT_VOTERS),
      value: encodeMessage(VotersRecord, 0, votersRecordOf(snapshot.voters, directory)),
    });
  }
  const parts: Buffer[] = [
    buildBatch(header, { baseOffset: 0, partitionLeaderEpoch: epoch, control: true, timestampMs: o.nowMs }),
  ];
  let next = header.length;
  for (const batch of splitBatches(Buffer.from(snapshot.data))) {
    const copy = Buffer.from(batch);
    setBaseOffset(copy, 0, next);
    next += readBatchHeader(copy).lastOffsetDelta + 1;
    parts.push(copy);
  }
  parts.push(
    buildBatch(
      [
        {
          key: controlKey(ControlType.SNAPSHOT_FOOTER),
          value: encodeMessage(SnapshotFooterRecord, 0, { version: 0 }),
        },
      ],
      {
        baseOffset: next,
        partitionLeaderEpoch: epoch,
        control: true,
        timestampMs: o.nowMs,
      },
    ),
  );
  return Buffer.concat(parts);
}

/**
 * Reads a checkpoint file. The voter set comes from its VotersRecord, else `fallbackVoters` (a static
 * quorum keeps it in the configuration, not in the snapshot). Null when the bytes are not a whole
 * snapshot (no header or no footer).
 */
export function decodeSnapshotFile(
  id: SnapshotId,
  bytes: Uint8Array,
  directory: VoterDirectory,
  fallbackVoters: readonly number[],
): Snapshot | null {
  const batches = splitBatches(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  let sawHeader = false;
  let sawFooter = false;
  let voters: number[] | null = null;
  const data: Buffer[] = [];
  try {
    for (const batch of batches) {
      const h = readBatchHeader(batch);
      if (!isControlBatch(h.attributes)) {
        data.push(batch);
        continue;
      }
      for (const r of readRecords(batch)) {
        const type = controlTypeOf(r);
        if (type === ControlType.SNAPSHOT_HEADER) sawHeader = true;
        else if (type === ControlType.SNAPSHOT_FOOTER) sawFooter = true;
        else if (type === ControlType.KRAFT_VOTERS && r.value)
          voters = learnVoters(decodeFromBuffer(VotersRecord, 0, r.value, false), directory);
      }
    }
  } catch {
    return null;
  }
  if (!sawHeader || !sawFooter) return null;
  return { id: { ...id }, voters: voters ?? [...fallbackVoters], data: Buffer.concat(data) };
}

/** Record values (metadata records) of data batches. */
export function* recordValues(data: Uint8Array): Generator<Buffer> {
  for (const batch of splitBatches(Buffer.from(data.buffer, data.byteOffset, data.byteLength))) {
    if (isControlBatch(readBatchHeader(batch).attributes)) continue;
    for (const r of readRecords(batch)) if (r.value && r.value.length > 0) yield r.value;
  }
}

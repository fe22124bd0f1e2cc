// The durable side of the Raft core: `__cluster_metadata-0` in Kafka's layout. Entries go to a
// partition log (segments, indexes, leader-epoch-checkpoint) as record batches, the election state to
// `quorum-state`, snapshots to `<20-digit end offset>-<10-digit epoch>.checkpoint` files. `persist`
// writes one Ready in the order the core asks for (quorum-state, truncation, snapshot, entries) and
// returns once it is all fsynced; only then may the driver let the Ready's messages leave.
import type { Entry, HardState, PersistentState, Snapshot, SnapshotId } from '../../raft/index.js';
import {
  type FileSystem,
  mkdirDurable,
  PartitionLog,
  readWholeFile,
  writeFileAtomic,
} from '../../storage/index.js';
import { batchesToEntries, decodeSnapshotFile, entriesToBatches } from './log-records.js';
import { formatQuorumState, readQuorumState, writeQuorumState } from './quorum-state.js';
import type { VoterDirectory } from './voter-directory.js';

export const METADATA_TOPIC = '__cluster_metadata';
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const SNAPSHOT_FILE = /^(\d{20})-(\d{10})\.checkpoint$/;
const READ_CHUNK_BYTES = 1024 * 1024;

export function snapshotFileName(id: SnapshotId): string {
  return `${String(id.endOffset).padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}.checkpoint`;
}

export interface StoreOptions {
  fs: FileSystem;
  now: () => number;
  directory: VoterDirectory;
  /** kraft.version: 0 for a static quorum, 1 for a dynamic one (quorum-state and snapshot format). */
  kraftVersion: number;
  /** Voters of a static quorum (written in quorum-state v0, used when a snapshot carries none). */
  staticVoters: readonly number[];
  /** Encodes a snapshot as its checkpoint file (the same codec the core uses on the wire). */
  encodeSnapshot: (snapshot: Snapshot) => Uint8Array;
}

export interface LoadedState extends PersistentState {
  /** What quorum-state said, for diagnostics (null: no file). */
  quorumStateVersion: number | null;
  /** A bootstrap checkpoint (0-0) with a voter set, as `kafka-storage.sh format --standalone` writes. */
  bootstrapVoters: number[] | null;
}

export class MetadataLogStore {
  private constructor(
    readonly dir: string,
    private readonly log: PartitionLog,
    private readonly o: StoreOptions,
  ) {}

  static async open(logDir: string, o: StoreOptions): Promise<MetadataLogStore> {
    const dir = `${logDir}/${METADATA_TOPIC}-0`;
    await mkdirDurable(o.fs, dir);
    const log = await PartitionLog.open(
      dir,
      {},
      {
        fs: o.fs,
        now: o.now,
        topicPartition: { topic: METADATA_TOPIC, partition: 0 },
        topicId: METADATA_TOPIC_ID,
      },
    );
    return new MetadataLogStore(dir, log, o);
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** What survived: quorum-state, the newest whole snapshot, and the entries after it. */
  async load(): Promise<LoadedState> {
    const qs = await readQuorumState(this.o.fs, this.dir);
    if (qs && !qs.ok) throw new Error(`${this.dir}/quorum-state is unreadable: ${qs.error}`);
    const hardState: HardState | null = qs?.ok
      ? { leaderEpoch: qs.state.leaderEpoch, leaderId: qs.state.leaderId, votedId: qs.state.votedId }
      : null;
    const { latest, bootstrapVoters } = await this.loadSnapshots();
    const snapshotEnd = latest?.id.endOffset ?? 0;
    if (this.log.logEndOffset < snapshotEnd || this.log.logStartOffset > snapshotEnd) {
      // The snapshot is ahead of the log (installed from the leader), or the log lost its prefix: the
      // log starts over at the snapshot's end.
      await this.log.truncateFullyAndStartAt(snapshotEnd);
    } else if (this.log.logStartOffset < snapshotEnd) {
      this.log.updateHighWatermark(this.log.logEndOffset);
      this.log.deleteRecordsBefore(snapshotEnd);
    }
    const entries = await this.readEntries(snapshotEnd);
    return {
      hardState,
      snapshot: latest,
      entries,
      quorumStateVersion: qs?.ok ? qs.state.dataVersion : null,
      bootstrapVoters,
    };
  }

  private async loadSnapshots(): Promise<{ latest: Snapshot | null; bootstrapVoters: number[] | null }> {
    const ids: SnapshotId[] = [];
    for (const name of await this.o.fs.readdir(this.dir)) {
      if (name.endsWith('.checkpoint.part') || name.endsWith('.checkpoint.deleted')) {
        await this.o.fs.unlink(`${this.dir}/${name}`);
        continue;
      }
      const m = SNAPSHOT_FILE.exec(name);
      if (m) ids.push({ endOffset: Number(m[1]), epoch: Number(m[2]) });
    }
    ids.sort((a, b) => b.endOffset - a.endOffset || b.epoch - a.epoch);
    let latest: Snapshot | null = null;
    let bootstrapVoters: number[] | null = null;
    for (const id of ids) {
      const bytes = await readWholeFile(this.o.fs, `${this.dir}/${snapshotFileName(id)}`);
      const snapshot = bytes ? decodeSnapshotFile(id, bytes, this.o.directory, this.o.staticVoters) : null;
      if (!snapshot) continue;
      if (id.endOffset === 0 && id.epoch === 0)
        bootstrapVoters = snapshot.voters.length > 0 ? snapshot.voters : null;
      if (!latest) latest = snapshot;
    }
    return { latest, bootstrapVoters };
  }

  private async readEntries(from: number): Promise<Entry[]> {
    const out: Entry[] = [];
    const end = this.log.logEndOffset;
    let offset = from;
    while (offset < end) {
      const r = await this.log.read(offset, READ_CHUNK_BYTES, { maxOffset: end, minOneBatch: true });
      if (r.kind !== 'data' || r.records.length === 0) break;
      for (const e of batchesToEntries(r.records, this.o.directory)) if (e.offset >= offset) out.push(e);
      const last = out.length > 0 ? out[out.length - 1].offset : offset - 1;
      if (last < offset) break;
      offset = last + 1;
    }
    return out;
  }

  /** Writes one Ready durably, in the core's order. */
  async persist(
    hardState: HardState | null,
    truncateFromOffset: number | null,
    snapshot: Snapshot | null,
    entries: readonly Entry[],
    voters: readonly number[],
  ): Promise<void> {
    if (hardState) {
      const text = formatQuorumState(hardState, this.o.kraftVersion, this.o.kraftVersion === 0 ? voters : []);
      await writeQuorumState(this.o.fs, this.dir, text);
    }
    if (truncateFromOffset !== null) await this.log.truncateTo(truncateFromOffset);
    if (snapshot) await this.storeSnapshot(snapshot);
    if (entries.length > 0) {
      const batches = entriesToBatches(entries, this.o.directory, this.o.now());
      const r = this.log.appendAsFollower(Buffer.concat(batches));
      if (r.kind === 'rejected')
        throw new Error(`metadata log refused entries at ${entries[0].offset}: ${r.detail}`);
      if (r.kind === 'appended') await r.written;
    }
    // Truncations, snapshots and appends are all made durable here, before the driver sends anything.
    if (truncateFromOffset !== null || snapshot || entries.length > 0) await this.log.flush();
  }

  /** Writes the checkpoint file, then drops the log below it (all of it, for a snapshot installed from the leader). */
  private async storeSnapshot(snapshot: Snapshot): Promise<void> {
    const name = snapshotFileName(snapshot.id);
    await writeFileAtomic(this.o.fs, `${this.dir}/${name}`, this.o.encodeSnapshot(snapshot));
    const end = snapshot.id.endOffset;
    if (end >= this.log.logEndOffset) await this.log.truncateFullyAndStartAt(end);
    else {
      this.log.updateHighWatermark(this.log.logEndOffset);
      this.log.deleteRecordsBefore(end);
    }
    // Older snapshots are no longer needed: the newest covers them (the bootstrap one stays, as in Kafka).
    for (const file of await this.o.fs.readdir(this.dir)) {
      const m = SNAPSHOT_FILE.exec(file);
      if (!m || file === name) continue;
      const offset = Number(m[1]);
      if (offset > 0 && offset < end) await this.o.fs.unlink(`${this.dir}/${file}`);
    }
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}

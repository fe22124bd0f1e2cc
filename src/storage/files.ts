// File names and the small text files of Kafka's on-disk layout: offset checkpoints (recovery point,
// log start offset, high watermark, cleaner), leader-epoch-checkpoint and partition.metadata.
import { posix as path } from 'node:path';
import { type FileSystem, readWholeFile, writeFileAtomic } from './fs.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
/** Suffix of the files of a segment being written by the cleaner. */
export const CLEANED_SUFFIX = '.cleaned';
/** Suffix of the files of a cleaned segment ready to replace the ones it was made from. */
export const SWAP_SUFFIX = '.swap';
/** Suffix of files waiting for removal. */
export const DELETED_SUFFIX = '.deleted';
/** Suffix of a partition directory being deleted (`<topic>-<partition>.<uuid>-delete`). */
export const DELETE_DIR_SUFFIX = '-delete';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** The 20-digit zero-padded name Kafka gives a segment with this base offset. */
export function offsetFileName(offset: number, suffix: string): string {
  return `${String(offset).padStart(20, '0')}${suffix}`;
}

/** Parses `<20 digits><suffix>`; null when the name is not of that form. */
export function parseOffsetFileName(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const digits = name.slice(0, name.length - suffix.length);
  if (!/^\d{1,20}$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `<topic>-<partition>` */
export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Parses a partition directory name; null for anything else (deleted, future, stray or foreign dirs). */
export function parsePartitionDirName(name: string): TopicPartition | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const topic = name.slice(0, dash);
  const part = name.slice(dash + 1);
  if (!/^\d+$/.test(part)) return null;
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) return null;
  const partition = Number(part);
  if (!Number.isSafeInteger(partition) || partition > 0x7fffffff) return null;
  return { topic, partition };
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

// ---------------------------------------------------------------------------------------------------
// Offset checkpoints: "0\n<count>\n<topic> <partition> <offset>\n..."

export class CheckpointFormatError extends Error {
  override readonly name = 'CheckpointFormatError';
}

export function encodeOffsetCheckpoint(entries: ReadonlyMap<string, { tp: TopicPartition; offset: number }>) {
  const lines = ['0', String(entries.size)];
  for (const { tp, offset } of entries.values()) lines.push(`${tp.topic} ${tp.partition} ${offset}`);
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export function decodeOffsetCheckpoint(data: Buffer, file: string): Map<string, number> {
  const lines = data.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== '0') throw new CheckpointFormatError(`${file}: unknown version '${lines[0]}'`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length - 2 !== count) {
    throw new CheckpointFormatError(`${file}: expected ${lines[1]} entries, found ${lines.length - 2}`);
  }
  const out = new Map<string, number>();
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    const offset = Number(parts[2]);
    const partition = Number(parts[1]);
    if (parts.length !== 3 || !Number.isSafeInteger(offset) || !Number.isSafeInteger(partition)) {
      throw new CheckpointFormatError(`${file}: malformed line '${line}'`);
    }
    out.set(tpKey({ topic: parts[0], partition }), offset);
  }
  return out;
}

/** Reads an offset checkpoint; a missing file is empty, a malformed one is reported and treated as empty. */
export async function readOffsetCheckpoint(
  fs: FileSystem,
  file: string,
  onProblem: (message: string) => void = () => {},
): Promise<Map<string, number>> {
  const data = await readWholeFile(fs, file);
  if (data === null) return new Map();
  try {
    return decodeOffsetCheckpoint(data, file);
  } catch (err) {
    if (err instanceof CheckpointFormatError) {
      onProblem(err.message);
      return new Map();
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// leader-epoch-checkpoint: "0\n<count>\n<epoch> <startOffset>\n..."

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function encodeEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  const lines = ['0', String(entries.length), ...entries.map((e) => `${e.epoch} ${e.startOffset}`)];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export function decodeEpochCheckpoint(data: Buffer): EpochEntry[] | null {
  const lines = data.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== '0') return null;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || lines.length - 2 !== count) return null;
  const out: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const [e, o, extra] = line.split(' ');
    const epoch = Number(e);
    const startOffset = Number(o);
    if (extra !== undefined || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset))
      return null;
    out.push({ epoch, startOffset });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// partition.metadata: "version: 0\ntopic_id: <base64 uuid>\n"

export function encodePartitionMetadata(topicId: string): Buffer {
  return Buffer.from(`version: 0\ntopic_id: ${topicId}\n`, 'utf8');
}

export function decodePartitionMetadata(data: Buffer): { topicId: string } | null {
  const m = /^version: 0\ntopic_id: (\S+)\n?$/.exec(data.toString('utf8'));
  return m ? { topicId: m[1] } : null;
}

export async function writePartitionMetadata(fs: FileSystem, dir: string, topicId: string): Promise<void> {
  await writeFileAtomic(fs, path.join(dir, PARTITION_METADATA), encodePartitionMetadata(topicId));
}

export async function readPartitionMetadata(
  fs: FileSystem,
  dir: string,
): Promise<{ topicId: string } | null> {
  const data = await readWholeFile(fs, path.join(dir, PARTITION_METADATA));
  return data ? decodePartitionMetadata(data) : null;
}

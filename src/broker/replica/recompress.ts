// A topic's `compression.type`: with `producer` (the default) batches are stored as the producer sent
// them; with `uncompressed`, `gzip`, `snappy`, `lz4` or `zstd`, a batch in another codec is stored
// in the topic's, as Kafka does. Only the records section changes: it is decompressed (bounded) and
// compressed again, so every record keeps its offset delta, timestamp, key, value and headers, and
// the batch its producer id, epoch, sequence and flags; the header's codec bits, length and CRC are
// rewritten. A batch already in the topic's codec is stored untouched (no copy).
//
// The codec libraries load a moment after start-up (node.ts); `codecsReady` loads them for a batch
// that needs them before that (the partition holds its appends meanwhile).
import {
  ATTR_COMPRESSION_MASK,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_LENGTH,
  type BatchHeader,
  Compression,
  updateCrc,
} from '../../protocol/records/batch.js';
import { DecompressionError } from '../../protocol/records/codec-error.js';
import { codecsFor } from '../../protocol/records/codecs.js';

/** The most bytes a batch's records may decompress to when the broker recompresses it. */
export const RECOMPRESS_BYTES_MAX = 64 * 1024 * 1024;

const TOPIC_CODECS: Readonly<Record<string, Compression>> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

export interface CompressionSettings {
  compressionType: string;
  compressionGzipLevel: number;
  compressionZstdLevel: number;
}

/** The codec a topic stores batches in; null for `producer` (as sent). */
export function topicCodec(s: CompressionSettings): Compression | null {
  return TOPIC_CODECS[s.compressionType] ?? null;
}

/** True when `batch` must be rewritten for the topic. */
export function needsRecompression(header: BatchHeader, s: CompressionSettings): boolean {
  const target = topicCodec(s);
  return target !== null && (header.attributes & ATTR_COMPRESSION_MASK) !== target;
}

export type Recompressed =
  | { ok: true; batch: Buffer }
  | { ok: false; reason: 'too-large' | 'corrupt' | 'unavailable'; detail: string };

/** The batch with its records in the topic's codec (the caller checked `needsRecompression`). */
export function recompress(batch: Buffer, header: BatchHeader, s: CompressionSettings): Recompressed {
  const from = (header.attributes & ATTR_COMPRESSION_MASK) as Compression;
  const to = topicCodec(s) as Compression;
  let body: Buffer;
  try {
    const stored = batch.subarray(BATCH_HEADER_BYTES, header.sizeBytes);
    const raw = codecsFor(from).decompressSync(from, stored, RECOMPRESS_BYTES_MAX);
    const level =
      to === Compression.Gzip
        ? s.compressionGzipLevel
        : to === Compression.Zstd
          ? s.compressionZstdLevel
          : -1;
    body = codecsFor(to).compressSync(to, raw, level === -1 ? {} : { level });
  } catch (err) {
    if (!(err instanceof DecompressionError)) throw err;
    const reason =
      err.reason === 'too-large' ? 'too-large' : err.reason === 'unavailable' ? 'unavailable' : 'corrupt';
    return { ok: false, reason, detail: err.message };
  }
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
  batch.copy(out, 0, 0, BATCH_HEADER_BYTES);
  body.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD_BYTES, BATCH_OFFSET_LENGTH);
  out.writeInt16BE((header.attributes & ~ATTR_COMPRESSION_MASK) | to, BATCH_OFFSET_ATTRIBUTES);
  updateCrc(out);
  return { ok: true, batch: out };
}

let loading: Promise<void> | null = null;

/** Whether the codecs are loaded; if not, starts loading them. */
export function codecsLoaded(): boolean {
  try {
    codecsFor(Compression.Gzip);
    return true;
  } catch {
    loading ??= import('../../protocol/records/compression.js').then(() => undefined);
    return false;
  }
}

/** Resolves once the codec libraries are loaded. */
export function codecsReady(): Promise<void> {
  if (codecsLoaded()) return Promise.resolve();
  return loading as Promise<void>;
}

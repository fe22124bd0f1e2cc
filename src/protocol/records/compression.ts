// Compression codecs of record batches, as Kafka's clients write them (see each codec's file):
// gzip (Node's zlib), snappy (xerial framing; raw snappy also read), lz4 (LZ4 frame), zstd.
// Decompression is always bounded: the output never exceeds `outputBytesMax`, and nothing larger
// is allocated; a stream that would exceed it, or is not valid, throws DecompressionError.
// The async forms run gzip, snappy and lz4 on libuv's thread pool; zstd (WASM) runs on the
// calling thread either way. A caller must not modify `data` while an async call is pending.
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { Compression } from './batch.js';
import { DecompressionError, outputLimit } from './codec-error.js';
import { installCodecs } from './codecs.js';
import { lz4Available, lz4Compress, lz4CompressSync, lz4Decompress, lz4DecompressSync } from './lz4.js';
import {
  snappyAvailable,
  snappyCompress,
  snappyCompressSync,
  snappyDecompress,
  snappyDecompressSync,
} from './snappy.js';
import { ZSTD_DEFAULT_LEVEL, zstdAvailable, zstdCompressSync, zstdDecompressSync } from './zstd.js';

export { DecompressionError, type DecompressionReason } from './codec-error.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface CompressOptions {
  /** gzip 1-9 (default 6, as Java's Deflater) or zstd 1-22 (default 3); ignored by snappy and lz4. */
  level?: number;
}

const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof NAMES)[number];

/** Kafka's name of a codec (compression.type). */
export function compressionName(codec: Compression): CompressionName | `unknown(${number})` {
  return NAMES[codec] ?? `unknown(${codec})`;
}

/** The codec of a Kafka name, or undefined. */
export function compressionByName(name: string): Compression | undefined {
  const i = NAMES.indexOf(name as CompressionName);
  return i < 0 ? undefined : (i as Compression);
}

/** Whether this process can compress and decompress with `codec` (its package loaded). */
export function compressionAvailable(codec: Compression): boolean {
  switch (codec) {
    case Compression.None:
    case Compression.Gzip:
      return true;
    case Compression.Snappy:
      return snappyAvailable();
    case Compression.Lz4:
      return lz4Available();
    case Compression.Zstd:
      return zstdAvailable;
    default:
      return false;
  }
}

function unknownCodec(codec: number): never {
  throw new DecompressionError(`codec ${codec}`, 'unsupported', 'no such compression codec');
}

export function compressSync(codec: Compression, data: Buffer, options: CompressOptions = {}): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzipSync(data, { level: options.level ?? 6 });
    case Compression.Snappy:
      return snappyCompressSync(data);
    case Compression.Lz4:
      return lz4CompressSync(data);
    case Compression.Zstd:
      return zstdCompressSync(data, options.level ?? ZSTD_DEFAULT_LEVEL);
    default:
      throw new RangeError(`no such compression codec: ${codec}`);
  }
}

export async function compress(
  codec: Compression,
  data: Buffer,
  options: CompressOptions = {},
): Promise<Buffer> {
  switch (codec) {
    case Compression.Gzip:
      return gzipAsync(data, { level: options.level ?? 6 });
    case Compression.Snappy:
      return snappyCompress(data);
    case Compression.Lz4:
      return lz4Compress(data);
    default:
      return compressSync(codec, data, options);
  }
}

function gzipFailure(e: unknown, limit: number): DecompressionError {
  if (e instanceof DecompressionError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
    return new DecompressionError('gzip', 'too-large', `output exceeds ${limit} bytes`);
  }
  return new DecompressionError('gzip', 'corrupt', err.message);
}

/** zlib's maxOutputLength cannot be 0; a limit of 0 is enforced here. */
function checkedGzip(out: Buffer, limit: number): Buffer {
  if (out.length > limit) throw new DecompressionError('gzip', 'too-large', `output exceeds ${limit} bytes`);
  return out;
}

/** Decompresses `data`; throws DecompressionError when it is invalid or would exceed `outputBytesMax`. */
export function decompressSync(codec: Compression, data: Buffer, outputBytesMax: number): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip: {
      const limit = outputLimit(outputBytesMax);
      try {
        return checkedGzip(gunzipSync(data, { maxOutputLength: Math.max(limit, 1) }), limit);
      } catch (e) {
        throw gzipFailure(e, limit);
      }
    }
    case Compression.Snappy:
      return snappyDecompressSync(data, outputBytesMax);
    case Compression.Lz4:
      return lz4DecompressSync(data, outputBytesMax);
    case Compression.Zstd:
      return zstdDecompressSync(data, outputBytesMax);
    default:
      return unknownCodec(codec);
  }
}

/** As decompressSync, off the calling thread where the codec allows (see the top of this file). */
export async function decompress(codec: Compression, data: Buffer, outputBytesMax: number): Promise<Buffer> {
  switch (codec) {
    case Compression.Gzip: {
      const limit = outputLimit(outputBytesMax);
      try {
        return checkedGzip(await gunzipAsync(data, { maxOutputLength: Math.max(limit, 1) }), limit);
      } catch (e) {
        throw gzipFailure(e, limit);
      }
    }
    case Compression.Snappy:
      return snappyDecompress(data, outputBytesMax);
    case Compression.Lz4:
      return lz4Decompress(data, outputBytesMax);
    default:
      return decompressSync(codec, data, outputBytesMax);
  }
}

installCodecs({ compressSync, compress, decompressSync, decompress });

// Compression codecs of record batches. gzip is Node's zlib; the others come in later.
// Decompression is always bounded: a batch can never expand beyond `outputBytesMax`.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Compression } from './batch.js';

export class DecompressionError extends Error {
  override readonly name = 'DecompressionError';
}

export function compressSync(codec: Compression, data: Buffer): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzipSync(data);
    default:
      throw new DecompressionError(`compression codec ${codec} is not supported yet`);
  }
}

export function decompressSync(codec: Compression, data: Buffer, outputBytesMax: number): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      try {
        return gunzipSync(data, { maxOutputLength: outputBytesMax });
      } catch (e) {
        throw new DecompressionError(`gzip: ${(e as Error).message}`);
      }
    default:
      throw new DecompressionError(`compression codec ${codec} is not supported yet`);
  }
}

// Where record.ts finds the compression codecs. compression.ts installs itself here when it is
// imported, so code that only handles uncompressed batches (the broker's own metadata and group
// logs) never loads the codec libraries (zstd's WASM build initialises at import and costs start-up
// time). Whoever handles compressed batches imports compression.ts (or the records index) first.
import { Compression } from './batch.js';
import { DecompressionError } from './codec-error.js';

export interface CodecOptions {
  level?: number;
}

export interface Codecs {
  compressSync(codec: Compression, data: Buffer, options?: CodecOptions): Buffer;
  compress(codec: Compression, data: Buffer, options?: CodecOptions): Promise<Buffer>;
  decompressSync(codec: Compression, data: Buffer, outputBytesMax: number): Buffer;
  decompress(codec: Compression, data: Buffer, outputBytesMax: number): Promise<Buffer>;
}

let installed: Codecs | null = null;

export function installCodecs(codecs: Codecs): void {
  installed = codecs;
}

/** The codecs, for a batch compressed with `codec` (uncompressed batches need none). */
export function codecsFor(codec: Compression): Codecs {
  if (installed) return installed;
  if (codec === Compression.None) return IDENTITY;
  throw new DecompressionError(
    'none',
    'unavailable',
    'compression codecs are not loaded (import protocol/records/compression.js)',
  );
}

const IDENTITY: Codecs = {
  compressSync: (_codec, data) => data,
  compress: async (_codec, data) => data,
  decompressSync: (_codec, data) => data,
  decompress: async (_codec, data) => data,
};

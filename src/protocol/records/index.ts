// Public surface of the record-batch layer: RecordBatch v2 as a header view, records, CRC-32C,
// and the compression codecs.
export * from './batch.js';
export {
  type CompressionName,
  type CompressOptions,
  compress,
  compressionAvailable,
  compressionByName,
  compressionName,
  compressSync,
  DecompressionError,
  type DecompressionReason,
  decompress,
  decompressSync,
} from './compression.js';
export { crc32c, crc32cFallback, crc32cImplementation, crc32cNative } from './crc32c.js';
export * from './record.js';

// Public surface of the storage layer. See README.md.
export { type CleanableRange, type CleanResult, cleanableRange, cleanLog, OffsetMap } from './cleaner.js';
export * from './config.js';
export { LogDirError } from './errors.js';
export {
  type EpochEntry,
  parsePartitionDirName,
  partitionDirName,
  type TopicPartition,
} from './files.js';
export * from './fs.js';
export * from './fs-bounded.js';
export * from './fs-memory.js';
export * from './fs-real.js';
export type { AbortedTxn } from './indexes.js';
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch.js';
export * from './log-manager.js';
export * from './partition-log.js';
export type { BatchMetadata, ProducerEntry } from './producer-state.js';
export * from './read-buffers.js';
export { DEFAULT_RECORD_CODEC, type RecordCodec } from './records.js';

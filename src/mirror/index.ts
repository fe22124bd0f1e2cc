// The public surface of the mirror (see README.md).
export {
  type ClientProps,
  type ConfigResult,
  type FlowConfig,
  type MirrorMakerConfig,
  type Props,
  parseMirrorConfig,
} from './config.js';
export type { ClientFilter, FlowStatus, PartitionStatus } from './flow.js';
export {
  type Checkpoint,
  decodeCheckpoint,
  decodeHeartbeat,
  decodeOffsetSync,
  decodeProgress,
  encodeCheckpoint,
  encodeHeartbeat,
  encodeOffsetSync,
  encodeProgressKey,
  encodeProgressValue,
  type Heartbeat,
  type OffsetSync,
} from './formats.js';
export { createLogger, type MirrorLogger, silentLogger } from './logger.js';
export { MirrorMaker, type MirrorMakerOptions, type MirrorStatus } from './mirror-maker.js';
export { OffsetSyncStore, SyncRule } from './offset-syncs.js';
export { DEFAULT_POLICY, IDENTITY_POLICY, type ReplicationPolicy, replicationPolicy } from './policy.js';

export { formatEntry, formatMessage } from './format.js';
export { entryBytes } from './log.js';
export { RaftNode } from './node.js';
export { SeededRng } from './rng.js';
export { decodeSnapshot, encodeSnapshot } from './snapshots.js';
export * from './types.js';

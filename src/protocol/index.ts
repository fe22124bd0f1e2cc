// The public surface of the protocol layer.
export * from './errors.js';
export * from './frame.js';
export * from './frame-cutter.js';
export * from './messages/index.js';
export { DecodeError, type DecodeProblem } from './primitives/decode-error.js';
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
export * from './records/batch.js';
export * from './records/crc32c.js';
export * from './records/record.js';
export {
  type Codec,
  codecFor,
  decodeFromBuffer,
  EncodeError,
  encodeToBuffer,
  ZERO_UUID,
} from './schema/codec.js';
export * from './schema/declaration.js';

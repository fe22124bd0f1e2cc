// The one error type of every decompressor. It is a DecodeError, so a caller that decodes
// untrusted bytes (the broker validating a produced batch, a consumer, the fuzz tests) catches a
// single type; `reason` tells a bomb from corruption.
import { DecodeError } from '../primitives/decode-error.js';

export type DecompressionReason =
  | 'corrupt' // not a valid stream of this codec: bad magic, bad checksum, truncated, garbage
  | 'too-large' // the output would exceed the caller's outputBytesMax
  | 'unsupported' // a valid stream using a feature Kafka never writes (an LZ4 or zstd dictionary)
  | 'unavailable'; // the codec's package did not load on this machine

const PROBLEM = {
  corrupt: 'invalid',
  'too-large': 'range',
  unsupported: 'unsupported',
  unavailable: 'unsupported',
} as const;

export class DecompressionError extends DecodeError {
  constructor(
    readonly codec: string,
    readonly reason: DecompressionReason,
    message: string,
  ) {
    super(PROBLEM[reason], `${codec}: ${message}`);
  }
}

/** Largest output a decompressor may be asked for: what one Buffer can hold. */
export const OUTPUT_BYTES_LIMIT = 2 ** 31 - 1;

/** Checks and normalises an outputBytesMax argument. */
export function outputLimit(outputBytesMax: number): number {
  if (!Number.isInteger(outputBytesMax) || outputBytesMax < 0) {
    throw new RangeError(`outputBytesMax must be a non-negative integer, got ${outputBytesMax}`);
  }
  return Math.min(outputBytesMax, OUTPUT_BYTES_LIMIT);
}

/** Joins decompressed pieces; a single piece is returned as is (no copy). */
export function joinPieces(pieces: Buffer[], totalBytes: number): Buffer {
  if (pieces.length === 1) return pieces[0];
  return Buffer.concat(pieces, totalBytes);
}

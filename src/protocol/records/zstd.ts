// zstd: standard frames (RFC 8878). Kafka's Java client streams through zstd-jni, so its frames
// carry no content size; librdkafka's may. We write one frame with the content size (the one-shot
// ZSTD_compress), level 3 by default, as Java's default level.
// The codec is the reference libzstd compiled to WASM (@bokuweb/zstd-wasm): no native binary, and
// its one-shot ZSTD_decompress writes into a buffer of a capacity we choose and fails rather than
// write past it. We walk the frame and block headers ourselves first (cheap: no decoding) to get
// an upper bound on each frame's output: raw and RLE blocks state their size, a compressed block
// expands to at most 128 KiB. The capacity handed to zstd is min(that bound, the budget left), so
// nothing larger than outputBytesMax is ever allocated, and a bomb fails fast.
import { DecompressionError, joinPieces, outputLimit } from './codec-error.js';
import { loadOptional } from './native.js';

interface ZstdWasm {
  init(): Promise<void>;
  compress(data: Uint8Array, level?: number): Uint8Array;
  /** Uses the frame's content size as capacity when it has one, else `defaultHeapSize`. */
  decompress(data: Uint8Array, options?: { defaultHeapSize: number }): Uint8Array;
}

const loaded = loadOptional<ZstdWasm>('@bokuweb/zstd-wasm');
let initFailure = loaded.failure;
if (loaded.module) {
  try {
    await loaded.module.init();
  } catch (e) {
    initFailure = `zstd WASM did not initialise: ${(e as Error).message}`;
  }
}
const wasm: ZstdWasm | null = initFailure === '' ? loaded.module : null;

export const zstdAvailable = wasm !== null;

/** Kafka's default zstd level (compression.zstd.level). */
export const ZSTD_DEFAULT_LEVEL = 3;

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_BYTES_MAX = 128 * 1024;
const WINDOW_LOG_MAX = 30;
/** ZSTD_error_dstSize_tooSmall, as the WASM build reports it. */
const DST_SIZE_TOO_SMALL = -70;

function corrupt(message: string): DecompressionError {
  return new DecompressionError('zstd', 'corrupt', message);
}

interface Frame {
  start: number;
  end: number;
  /** Declared content size, or -1 when the frame has none. */
  contentBytes: number;
  /** Most bytes its blocks can produce. */
  boundBytes: number;
}

/** Reads the frame header at `pos`; returns the offset of the first block and the declared size. */
function frameHeader(
  data: Buffer,
  pos: number,
): { blocksAt: number; contentBytes: number; checksum: boolean } {
  if (data.length - pos < 6) throw corrupt('truncated frame header');
  const descriptor = data[pos + 4];
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) throw corrupt('reserved frame header bit set');
  // libzstd in WASM (32-bit) decodes windows up to 2^30; past that its frame-size query fails and
  // the WASM wrapper would be handed an error code as a size, so such frames stop here.
  if (!singleSegment && 10 + (data[pos + 5] >>> 3) > WINDOW_LOG_MAX) {
    throw new DecompressionError('zstd', 'unsupported', `window of 2^${10 + (data[pos + 5] >>> 3)} bytes`);
  }
  const dictBytes = [0, 1, 2, 4][descriptor & 0x03];
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
  let p = pos + 5 + (singleSegment ? 0 : 1);
  if (data.length - p < dictBytes + fcsBytes) throw corrupt('truncated frame header');
  if (dictBytes > 0 && data.readUIntLE(p, dictBytes) !== 0) {
    throw new DecompressionError('zstd', 'unsupported', 'frame needs a dictionary');
  }
  p += dictBytes;
  let contentBytes = -1;
  if (fcsBytes === 1) contentBytes = data[p];
  else if (fcsBytes === 2) contentBytes = data.readUInt16LE(p) + 256;
  else if (fcsBytes === 4) contentBytes = data.readUInt32LE(p);
  else if (fcsBytes === 8) contentBytes = data.readUInt32LE(p + 4) * 2 ** 32 + data.readUInt32LE(p);
  return { blocksAt: p + fcsBytes, contentBytes, checksum: (descriptor & 0x04) !== 0 };
}

/** Walks the blocks of the frame at `pos` without decoding them. */
function walkFrame(data: Buffer, pos: number): Frame {
  const header = frameHeader(data, pos);
  let p = header.blocksAt;
  let bound = 0;
  for (;;) {
    if (data.length - p < 3) throw corrupt('truncated block header');
    const word = data.readUIntLE(p, 3);
    p += 3;
    const last = (word & 1) !== 0;
    const type = (word >>> 1) & 3;
    const size = word >>> 3;
    if (type === 3) throw corrupt('reserved block type');
    if (size > BLOCK_BYTES_MAX) throw corrupt(`block of ${size} bytes`);
    const stored = type === 1 ? 1 : size;
    if (data.length - p < stored) throw corrupt('truncated block');
    p += stored;
    bound += type === 2 ? BLOCK_BYTES_MAX : size;
    if (last) break;
  }
  if (header.checksum) {
    if (data.length - p < 4) throw corrupt('truncated frame checksum');
    p += 4;
  }
  return { start: pos, end: p, contentBytes: header.contentBytes, boundBytes: bound };
}

/** Splits `data` into frames (skipping skippable ones), checking every header on the way. */
function frames(data: Buffer): Frame[] {
  if (data.length === 0) throw corrupt('empty input');
  const found: Frame[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('trailing bytes after the last frame');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (data.length - pos < 8) throw corrupt('truncated skippable frame');
      const skip = data.readUInt32LE(pos + 4);
      if (skip > data.length - pos - 8) throw corrupt('truncated skippable frame');
      pos += 8 + skip;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`);
    const frame = walkFrame(data, pos);
    found.push(frame);
    pos = frame.end;
  }
  return found;
}

function decodeFrame(mod: ZstdWasm, data: Buffer, frame: Frame, budgetBytes: number, limit: number): Buffer {
  const tooLarge = () => new DecompressionError('zstd', 'too-large', `output exceeds ${limit} bytes`);
  if (frame.contentBytes > budgetBytes) throw tooLarge();
  if (frame.contentBytes > frame.boundBytes) {
    throw corrupt(`frame declares ${frame.contentBytes} bytes, its blocks hold at most ${frame.boundBytes}`);
  }
  // With a content size, the WASM build uses it as the capacity (checked above); without, ours.
  const capacity = Math.min(frame.boundBytes, budgetBytes);
  let out: Uint8Array;
  try {
    out = mod.decompress(data.subarray(frame.start, frame.end), { defaultHeapSize: capacity });
  } catch (e) {
    const message = (e as Error).message;
    const code = Number(/code (-?\d+)/.exec(message)?.[1]);
    if (code === DST_SIZE_TOO_SMALL && frame.contentBytes < 0 && capacity === budgetBytes) throw tooLarge();
    throw corrupt(message);
  }
  if (frame.contentBytes >= 0 && out.length !== frame.contentBytes) {
    throw corrupt(`frame declares ${frame.contentBytes} bytes, holds ${out.length}`);
  }
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

/** Decompresses zstd frames; never produces more than `outputBytesMax` bytes. */
export function zstdDecompressSync(data: Buffer, outputBytesMax: number): Buffer {
  if (!wasm) throw new DecompressionError('zstd', 'unavailable', initFailure);
  const limit = outputLimit(outputBytesMax);
  const pieces: Buffer[] = [];
  let total = 0;
  for (const frame of frames(data)) {
    const out = decodeFrame(wasm, data, frame, limit - total, limit);
    pieces.push(out);
    total += out.length;
  }
  return joinPieces(pieces, total);
}

/** Compresses into one zstd frame with its content size. */
export function zstdCompressSync(data: Buffer, level = ZSTD_DEFAULT_LEVEL): Buffer {
  if (!wasm) throw new Error(`zstd compression is unavailable: ${initFailure}`);
  const out = wasm.compress(data, level);
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

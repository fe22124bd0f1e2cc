// LZ4 as Kafka uses it for magic 2: the LZ4 frame format. The Java client writes magic
// 0x184D2204, FLG 0x60 (version 1, independent blocks, no checksums, no content size), BD 0x40
// (64 KiB blocks), the header checksum byte (second byte of XXH32 over FLG and BD), then blocks
// (a little-endian uint32 size whose top bit marks a block stored uncompressed) and a zero end
// mark. (Kafka 0.8/0.9 computed that checksum over the magic too; that quirk belongs to magic 0/1
// batches, which this layer does not read, so the checksum is verified strictly.)
// We read any frame the format allows short of a dictionary: other block sizes, dependent blocks,
// block and content checksums, a content size, several frames, skippable frames. The frame
// parsing is ours and the block decoder is lz4-napi's, handed an output capacity of at most one
// block and never more than the budget left, so the output is bounded before anything runs.
import { DecompressionError, joinPieces, outputLimit } from './codec-error.js';
import { lazyOptional } from './native.js';
import { xxhash32 } from './xxhash32.js';

interface Lz4Module {
  /** Raw LZ4 block prefixed by its little-endian uint32 decompressed size (lz4_flex's format). */
  compressSync(data: Buffer): Buffer;
  compress(data: Uint8Array): Promise<Buffer>;
  /** Decompresses a size-prefixed block; the prefix is the output capacity. */
  uncompressSync(data: Uint8Array, dict?: Uint8Array | null): Buffer;
  uncompress(data: Uint8Array, dict?: Uint8Array | null): Promise<Buffer>;
}

const load = lazyOptional<Lz4Module>('lz4-napi');

/** Whether the native package loads here (it is loaded on this first call). */
export function lz4Available(): boolean {
  return load().module !== null;
}

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const UNCOMPRESSED_BIT = 0x80000000;
/** Dependent blocks may refer this far back into earlier output. */
const WINDOW_BYTES = 64 * 1024;
/** Block size Kafka's Java client writes (BD 0x40). */
export const LZ4_BLOCK_BYTES = 64 * 1024;
const FLG_KAFKA = 0x60;
const BD_64KB = 0x40;
const KAFKA_HEADER = Buffer.from([
  0x04,
  0x22,
  0x4d,
  0x18,
  FLG_KAFKA,
  BD_64KB,
  headerChecksum([FLG_KAFKA, BD_64KB]),
]);
const END_MARK = Buffer.alloc(4);

function headerChecksum(descriptor: ArrayLike<number>): number {
  return (xxhash32(Uint8Array.from(descriptor)) >>> 8) & 0xff;
}

function corrupt(message: string): DecompressionError {
  return new DecompressionError('lz4', 'corrupt', message);
}

interface FrameHeader {
  blockMaxBytes: number;
  independent: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  /** Declared content size, or -1. */
  contentBytes: number;
  /** Offset of the first block. */
  end: number;
}

function readFrameHeader(data: Buffer, pos: number, budgetBytes: number): FrameHeader {
  if (data.length - pos < 7) throw corrupt('truncated frame header');
  const flg = data[pos + 4];
  const bd = data[pos + 5];
  if (flg >>> 6 !== 1) throw corrupt(`frame version ${flg >>> 6}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('reserved frame descriptor bits set');
  if ((flg & 0x01) !== 0) throw new DecompressionError('lz4', 'unsupported', 'frame uses a dictionary');
  const sizeId = (bd >>> 4) & 0x07;
  if (sizeId < 4) throw corrupt(`block size id ${sizeId}`);
  const hasContentSize = (flg & 0x08) !== 0;
  const descriptorEnd = pos + 6 + (hasContentSize ? 8 : 0);
  if (data.length < descriptorEnd + 1) throw corrupt('truncated frame header');
  let contentBytes = -1;
  if (hasContentSize) {
    const low = data.readUInt32LE(pos + 6);
    const high = data.readUInt32LE(pos + 10);
    contentBytes = high * 2 ** 32 + low;
    if (contentBytes > budgetBytes) {
      throw new DecompressionError(
        'lz4',
        'too-large',
        `frame declares ${contentBytes} bytes, ${budgetBytes} left`,
      );
    }
  }
  const hc = (xxhash32(data, 0, pos + 4, descriptorEnd) >>> 8) & 0xff;
  if (hc !== data[descriptorEnd]) throw corrupt('frame descriptor checksum mismatch');
  return {
    blockMaxBytes: 1 << (2 * sizeId + 8),
    independent: (flg & 0x20) !== 0,
    blockChecksum: (flg & 0x10) !== 0,
    contentChecksum: (flg & 0x04) !== 0,
    contentBytes,
    end: descriptorEnd + 1,
  };
}

/** One block of a frame: a view of its bytes and whether they are stored uncompressed. */
interface Block {
  bytes: Buffer;
  stored: boolean;
}

/** Yields the data blocks of the frame whose header is `header`; returns the offset after the frame. */
function* frameBlocks(data: Buffer, header: FrameHeader): Generator<Block, number> {
  let pos = header.end;
  for (;;) {
    if (data.length - pos < 4) throw corrupt('truncated block size');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > header.blockMaxBytes)
      throw corrupt(`block of ${size} bytes, the frame allows ${header.blockMaxBytes}`);
    const trailer = header.blockChecksum ? 4 : 0;
    if (data.length - pos < size + trailer) throw corrupt('truncated block');
    const bytes = data.subarray(pos, pos + size);
    if (header.blockChecksum && xxhash32(bytes) !== data.readUInt32LE(pos + size)) {
      throw corrupt('block checksum mismatch');
    }
    pos += size + trailer;
    yield { bytes, stored: (word & UNCOMPRESSED_BIT) !== 0 };
  }
  if (header.contentChecksum) {
    if (data.length - pos < 4) throw corrupt('truncated content checksum');
    pos += 4;
  }
  return pos;
}

/** The size-prefixed input lz4-napi expects, with the prefix set to the output capacity. */
function prefixed(block: Buffer, capacityBytes: number): Buffer {
  const input = Buffer.allocUnsafe(block.length + 4);
  input.writeUInt32LE(capacityBytes, 0);
  block.copy(input, 4);
  return input;
}

/** The last 64 KiB of this frame's output, for a dependent block. */
function windowOf(pieces: Buffer[], firstPiece: number): Buffer | null {
  const tail: Buffer[] = [];
  let bytes = 0;
  for (let i = pieces.length - 1; i >= firstPiece && bytes < WINDOW_BYTES; i--) {
    tail.unshift(pieces[i]);
    bytes += pieces[i].length;
  }
  if (bytes === 0) return null;
  const joined = tail.length === 1 ? tail[0] : Buffer.concat(tail, bytes);
  return joined.length > WINDOW_BYTES ? joined.subarray(joined.length - WINDOW_BYTES) : joined;
}

type BlockDecoder = (input: Buffer, dict: Buffer | null) => Buffer | Promise<Buffer>;

/**
 * Decodes every frame of `data` with `decode` for the compressed blocks. Written as a generator of
 * pending results so that the sync and async entry points share it: the sync one never yields a
 * promise, the async one awaits each.
 */
function* decodeFrames(
  data: Buffer,
  outputBytesMax: number,
  decode: BlockDecoder,
): Generator<Buffer | Promise<Buffer>, Buffer, Buffer> {
  const limit = outputLimit(outputBytesMax);
  const pieces: Buffer[] = [];
  let total = 0;
  let pos = 0;
  if (data.length === 0) throw corrupt('empty input');
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
    const header = readFrameHeader(data, pos, limit - total);
    const firstPiece = pieces.length;
    const frameStart = total;
    const blocks = frameBlocks(data, header);
    let step = blocks.next();
    while (!step.done) {
      const { bytes, stored } = step.value;
      const budget = limit - total;
      let out: Buffer;
      if (stored) {
        if (bytes.length > budget) throw tooLarge(limit);
        out = bytes;
      } else {
        // Each input byte of an LZ4 block yields at most 255 output bytes, so small blocks get small capacities.
        const capacity = Math.min(header.blockMaxBytes, budget, bytes.length * 255 + 64);
        const dict = header.independent ? null : windowOf(pieces, firstPiece);
        try {
          out = yield decode(prefixed(bytes, capacity), dict);
        } catch (e) {
          const message = (e as Error).message;
          // lz4_flex says "provided output is too small" when a block outgrows its capacity.
          if (capacity === budget && /too small/.test(message)) throw tooLarge(limit);
          throw corrupt(message);
        }
      }
      pieces.push(out);
      total += out.length;
      step = blocks.next();
    }
    pos = step.value;
    checkFrameEnd(data, pos, header, pieces, firstPiece, total - frameStart);
  }
  return joinPieces(pieces, total);
}

function tooLarge(limit: number): DecompressionError {
  return new DecompressionError('lz4', 'too-large', `output exceeds ${limit} bytes`);
}

function checkFrameEnd(
  data: Buffer,
  end: number,
  header: FrameHeader,
  pieces: Buffer[],
  firstPiece: number,
  frameBytes: number,
): void {
  if (header.contentBytes >= 0 && header.contentBytes !== frameBytes) {
    throw corrupt(`frame declares ${header.contentBytes} bytes, holds ${frameBytes}`);
  }
  if (header.contentChecksum) {
    const content = Buffer.concat(pieces.slice(firstPiece), frameBytes);
    if (xxhash32(content) !== data.readUInt32LE(end - 4)) throw corrupt('content checksum mismatch');
  }
}

function native(): Lz4Module {
  const loaded = load();
  if (!loaded.module) throw new DecompressionError('lz4', 'unavailable', loaded.failure);
  return loaded.module;
}

/** Decompresses LZ4 frames; never produces more than `outputBytesMax` bytes. */
export function lz4DecompressSync(data: Buffer, outputBytesMax: number): Buffer {
  const mod = native();
  const run = decodeFrames(data, outputBytesMax, (input, dict) => mod.uncompressSync(input, dict));
  let step = run.next();
  while (!step.done) step = run.next(step.value as Buffer);
  return step.value;
}

/** As lz4DecompressSync, with each block decompressed on libuv's thread pool. */
export async function lz4Decompress(data: Buffer, outputBytesMax: number): Promise<Buffer> {
  const mod = native();
  const run = decodeFrames(data, outputBytesMax, (input, dict) => mod.uncompress(input, dict));
  let step = run.next();
  while (!step.done) {
    let out: Buffer;
    try {
      out = await step.value;
    } catch (e) {
      step = run.throw(e);
      continue;
    }
    step = run.next(out);
  }
  return step.value;
}

function compressor(): Lz4Module {
  const loaded = load();
  if (!loaded.module) throw new Error(`lz4 compression is unavailable: ${loaded.failure}`);
  return loaded.module;
}

/** Frames compressed blocks (each with lz4-napi's 4-byte size prefix) as Kafka's Java client does. */
function frame(data: Buffer, compressed: Buffer[]): Buffer {
  const parts: Buffer[] = [KAFKA_HEADER];
  let total = KAFKA_HEADER.length + END_MARK.length;
  compressed.forEach((c, i) => {
    const size = Buffer.allocUnsafe(4);
    let body = c.subarray(4);
    const input = data.subarray(i * LZ4_BLOCK_BYTES, (i + 1) * LZ4_BLOCK_BYTES);
    if (body.length >= input.length) {
      // Incompressible: store it, as Java does.
      body = input;
      size.writeUInt32LE((body.length | UNCOMPRESSED_BIT) >>> 0, 0);
    } else {
      size.writeUInt32LE(body.length, 0);
    }
    parts.push(size, body);
    total += 4 + body.length;
  });
  parts.push(END_MARK);
  return Buffer.concat(parts, total);
}

/** Compresses into one LZ4 frame laid out as Kafka's Java client writes it (64 KiB blocks). */
export function lz4CompressSync(data: Buffer): Buffer {
  const mod = compressor();
  const compressed: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += LZ4_BLOCK_BYTES) {
    compressed.push(mod.compressSync(data.subarray(pos, pos + LZ4_BLOCK_BYTES)));
  }
  return frame(data, compressed);
}

/** As lz4CompressSync, with the blocks compressed on libuv's thread pool. */
export async function lz4Compress(data: Buffer): Promise<Buffer> {
  const mod = compressor();
  const pending: Promise<Buffer>[] = [];
  for (let pos = 0; pos < data.length; pos += LZ4_BLOCK_BYTES) {
    pending.push(mod.compress(data.subarray(pos, pos + LZ4_BLOCK_BYTES)));
  }
  return frame(data, await Promise.all(pending));
}

// A record batch being filled: records are written straight into one buffer (taken from a pool),
// behind a 61-byte header that is filled in when the batch is sent, because the producer id,
// epoch and sequence are known only then. No object is made per record besides its promise.
import {
  BATCH_HEADER_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  type Compression,
  crc32c,
  writeInt64,
} from '../protocol/index.js';
import type { KafkaError } from './errors.js';

export type HeaderValue = Buffer | string | null;
export type RecordHeaders = Record<string, HeaderValue> | ReadonlyArray<{ key: string; value: HeaderValue }>;

/** A record's success callback: its metadata and the token it was sent with (promises ignore it). */
// biome-ignore lint/suspicious/noExplicitAny: a token of any type, checked where sendWithCallbacks is typed
export type Delivered = (m: RecordMetadata, token?: any) => void;
/** A record's failure callback. */
// biome-ignore lint/suspicious/noExplicitAny: as Delivered
export type Failed = (e: KafkaError, token?: any) => void;

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 when acks=0 (the broker does not say). */
  offset: number;
  timestamp: number;
}

function uvarintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 5;
  v = Math.floor(v / 0x800000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 0x80);
  }
  return n;
}

/** Bytes of a zigzag varint/varlong. */
export function zigzagSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}

function writeUvarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = v >= 0x80000000 ? Math.floor(v / 0x80) : v >>> 7;
  }
  buf[pos++] = v;
  return pos;
}

function writeZigzag(buf: Buffer, pos: number, v: number): number {
  return writeUvarint(buf, pos, v >= 0 ? v * 2 : -v * 2 - 1);
}

function byteLength(v: Buffer | string): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

export type HeaderList = ReadonlyArray<{ key: string; value: HeaderValue }>;
const NO_HEADERS: HeaderList = [];

export function headerList(headers: RecordHeaders | undefined): HeaderList {
  if (!headers) return NO_HEADERS;
  if (Array.isArray(headers)) return headers as ReadonlyArray<{ key: string; value: HeaderValue }>;
  return Object.entries(headers).map(([key, value]) => ({ key, value }));
}

/** Size of a record's body (without its length prefix). Headers come pre-listed. */
export function recordBodySize(
  timestampDelta: number,
  offsetDelta: number,
  keyBytes: number,
  valueBytes: number,
  headers: ReadonlyArray<{ key: string; value: HeaderValue }>,
): number {
  let size = 1 + zigzagSize(timestampDelta) + zigzagSize(offsetDelta);
  size += keyBytes < 0 ? 1 : zigzagSize(keyBytes) + keyBytes;
  size += valueBytes < 0 ? 1 : zigzagSize(valueBytes) + valueBytes;
  size += zigzagSize(headers.length);
  for (const h of headers) {
    const k = Buffer.byteLength(h.key, 'utf8');
    size += zigzagSize(k) + k;
    const v = h.value === null ? -1 : byteLength(h.value);
    size += v < 0 ? 1 : zigzagSize(v) + v;
  }
  return size;
}

/** The upper bound of a record's encoded size, before the batch's base timestamp is known. */
export function recordSizeUpperBound(keyBytes: number, valueBytes: number, headers: HeaderList): number {
  return recordBodySize(2 ** 40, 2 ** 30, keyBytes, valueBytes, headers) + 5;
}

let nextBatchId = 1;

export class ProducerBatch {
  readonly id = nextBatchId++;
  readonly createdMs: number;
  count = 0;
  pos = BATCH_HEADER_BYTES;
  baseTimestamp = 0;
  maxTimestamp = 0;
  readonly timestamps: number[] = [];
  readonly resolvers: Delivered[] = [];
  readonly rejecters: Failed[] = [];
  /** Each record's token (sendWithCallbacks), handed back to its callback. */
  readonly tokens: unknown[] = [];
  /** Set once the batch is closed for appends. */
  sealed = false;
  /** The bytes sent (compressed or a view of `buf`), set by finish(). */
  wire: Buffer | null = null;
  baseSequence = -1;
  producerId = -1;
  producerEpoch = -1;
  attempts = 0;
  retryAfterMs = 0;
  /** Whether a request carrying this batch may have reached the broker. */
  everSent = false;
  done = false;
  private doneWaiters: (() => void)[] | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly buf: Buffer,
    readonly pooled: boolean,
    now: number,
  ) {
    this.createdMs = now;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Appends a record if it fits; returns the bytes used, or 0 when it does not fit. */
  tryAppend(
    timestamp: number,
    key: Buffer | string | null,
    value: Buffer | string | null,
    list: HeaderList,
    keyBytes = key === null ? -1 : byteLength(key),
    valueBytes = value === null ? -1 : byteLength(value),
  ): number {
    if (this.count === 0) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    }
    const delta = timestamp - this.baseTimestamp;
    const bodySize = recordBodySize(delta, this.count, keyBytes, valueBytes, list);
    const total = zigzagSize(bodySize) + bodySize;
    if (this.pos + total > this.buf.length) return 0;
    const buf = this.buf;
    let pos = writeZigzag(buf, this.pos, bodySize);
    buf[pos++] = 0;
    pos = writeZigzag(buf, pos, delta);
    pos = writeZigzag(buf, pos, this.count);
    pos = writeBytesField(buf, pos, key, keyBytes);
    pos = writeBytesField(buf, pos, value, valueBytes);
    pos = writeZigzag(buf, pos, list.length);
    for (const h of list) {
      pos = writeBytesField(buf, pos, h.key, Buffer.byteLength(h.key, 'utf8'));
      pos = writeBytesField(buf, pos, h.value, h.value === null ? -1 : byteLength(h.value));
    }
    this.pos = pos;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.timestamps.push(timestamp);
    this.count++;
    return total;
  }

  /** Fills in the header and CRC for the given identity; compresses the records the first time. */
  finish(
    compression: Compression,
    compress: (codec: Compression, data: Buffer) => Buffer,
    producerId: number,
    producerEpoch: number,
    baseSequence: number,
    transactional = false,
  ): Buffer {
    if (!this.wire) {
      if (compression === 0) {
        this.wire = this.buf.subarray(0, this.pos);
      } else {
        const body = compress(compression, this.buf.subarray(BATCH_HEADER_BYTES, this.pos));
        const wire = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
        body.copy(wire, BATCH_HEADER_BYTES);
        this.wire = wire;
      }
    }
    const b = this.wire;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    writeInt64(b, 0, 0);
    b.writeInt32BE(b.length - 12, 8);
    b.writeInt32BE(-1, 12);
    b[16] = 2;
    b.writeInt16BE(transactional ? compression | 0x10 : compression, BATCH_OFFSET_ATTRIBUTES);
    b.writeInt32BE(this.count - 1, 23);
    writeInt64(b, 27, this.baseTimestamp);
    writeInt64(b, 35, this.maxTimestamp);
    writeInt64(b, 43, producerId);
    b.writeInt16BE(producerEpoch, 51);
    b.writeInt32BE(baseSequence, 53);
    b.writeInt32BE(this.count, 57);
    b.writeUInt32BE(crc32c(b.subarray(BATCH_OFFSET_ATTRIBUTES)), BATCH_OFFSET_CRC);
    return b;
  }

  resolve(baseOffset: number, logAppendTimeMs: number): void {
    if (this.done) return;
    this.done = true;
    const { topic, partition } = this;
    for (let i = 0; i < this.count; i++) {
      this.resolvers[i](
        {
          topic,
          partition,
          offset: baseOffset < 0 ? -1 : baseOffset + i,
          timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.timestamps[i],
        },
        this.tokens[i],
      );
    }
    this.settle();
  }

  reject(err: KafkaError): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.count; i++) this.rejecters[i](err, this.tokens[i]);
    this.settle();
  }

  private settle(): void {
    this.resolvers.length = 0;
    this.rejecters.length = 0;
    this.tokens.length = 0;
    const waiters = this.doneWaiters;
    this.doneWaiters = null;
    if (waiters) for (const w of waiters) w();
  }

  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((r) => {
      if (!this.doneWaiters) this.doneWaiters = [];
      this.doneWaiters.push(r);
    });
  }
}

function writeBytesField(buf: Buffer, pos: number, v: Buffer | string | null, length: number): number {
  if (v === null) return writeZigzag(buf, pos, -1);
  pos = writeZigzag(buf, pos, length);
  if (typeof v === 'string') {
    // Short ASCII strings are cheaper to copy by hand than through the encoder call.
    if (length === v.length && length < 32) {
      for (let i = 0; i < length; i++) buf[pos + i] = v.charCodeAt(i);
    } else {
      buf.write(v, pos, length, 'utf8');
    }
  } else {
    v.copy(buf, pos);
  }
  return pos + length;
}

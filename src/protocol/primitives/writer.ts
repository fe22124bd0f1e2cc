// An append-only encoder that produces a list of chunks instead of one buffer: small fields are
// copied into a scratch slab, while large byte fields (record batches) are appended by reference,
// so a 1 MiB Fetch response never copies its records (DESIGN.md §1.7). The chunks go to the
// socket with cork()/uncork() or writev.

const SLAB_BYTES = 16 * 1024;
/** Byte fields at least this large are referenced, smaller ones copied into the slab. */
export const REFERENCE_BYTES_MIN = 512;

const TWO_32 = 4294967296;

export interface Slot {
  chunk: Buffer;
  offset: number;
}

export class Writer {
  private readonly chunks: Buffer[] = [];
  private slab: Buffer;
  private start = 0;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialBytes = 256) {
    this.slab = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + (this.pos - this.start);
  }

  private ensure(bytes: number): void {
    if (this.slab.length - this.pos >= bytes) return;
    this.cut();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
    this.start = 0;
    this.pos = 0;
  }

  /** Closes the current slab region as a chunk. */
  private cut(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.slab.subarray(this.start, this.pos));
      this.flushedBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(v: number): this {
    this.ensure(1);
    this.slab.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.slab[this.pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.slab.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.slab.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.slab.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.slab.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.slab.writeInt32BE(hi, this.pos);
    this.slab.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    this.pos += 8;
    return this;
  }

  int64Big(v: bigint): this {
    this.ensure(8);
    this.slab.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.slab.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uuid(v: string): this {
    this.ensure(16);
    const written = this.slab.write(v, this.pos, 16, 'base64url');
    if (written !== 16) throw new RangeError(`not a 16-byte UUID: ${v}`);
    this.pos += 16;
    return this;
  }

  uvarint(v: number): this {
    this.ensure(10);
    while (v >= 0x80) {
      this.slab[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.slab[this.pos++] = v;
    return this;
  }

  /** Zigzag signed varint (32-bit). */
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Zigzag signed varlong, for values in the safe integer range. */
  varlong(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  private text(s: string, lengthPrefix: (n: number) => void): void {
    const n = Buffer.byteLength(s, 'utf8');
    lengthPrefix(n);
    this.ensure(n);
    this.slab.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    this.text(s, (n) => this.int16(n));
    return this;
  }

  string(s: string): this {
    return this.nullableString(s);
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    this.text(s, (n) => this.uvarint(n + 1));
    return this;
  }

  compactString(s: string): this {
    return this.compactNullableString(s);
  }

  /** Appends bytes: copied when small, referenced (not copied) when large. */
  raw(b: Uint8Array): this {
    if (b.length >= REFERENCE_BYTES_MIN) {
      this.cut();
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.flushedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.slab.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Appends several chunks by reference (a Fetch response's stored batches). */
  rawChunks(chunks: readonly Uint8Array[]): this {
    for (const c of chunks) this.raw(c);
    return this;
  }

  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }

  bytes(b: Uint8Array): this {
    return this.nullableBytes(b);
  }

  compactNullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).raw(b);
  }

  compactBytes(b: Uint8Array): this {
    return this.compactNullableBytes(b);
  }

  /** Reserves 4 bytes to be filled in later (a frame's size prefix). */
  reserveInt32(): Slot {
    this.ensure(4);
    const slot = { chunk: this.slab, offset: this.pos };
    this.pos += 4;
    return slot;
  }

  static patchInt32(slot: Slot, v: number): void {
    slot.chunk.writeInt32BE(v, slot.offset);
  }

  /** The encoded bytes as chunks; the writer must not be used afterwards. */
  finish(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** The encoded bytes in one buffer (copies when there is more than one chunk). */
  finishFlat(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.flushedBytes);
  }
}

/** Bytes an unsigned varint takes. */
export function uvarintBytes(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Bytes a zigzag varint/varlong takes. */
export function varintBytes(v: number): number {
  return uvarintBytes(v >= 0 ? v * 2 : -v * 2 - 1);
}

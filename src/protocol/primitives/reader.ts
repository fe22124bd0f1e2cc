// A bounds-checked cursor over a Buffer. Every length or count read from the wire is checked
// against the bytes that remain before anything is allocated, so a hostile prefix can never make
// the decoder allocate more than the frame holds. Byte fields are returned as views, not copies.
import { DecodeError } from './decode-error.js';

const TWO_32 = 4294967296;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(bytes: number): void {
    if (bytes > this.end - this.pos) {
      throw new DecodeError('truncated', `needs ${bytes} bytes, ${this.end - this.pos} remain`, this.pos);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a number; a value outside the safe integer range is a decode error (DESIGN.md §8). */
  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    if (hi > 0x1fffff || hi < -0x200000) {
      throw new DecodeError('range', 'int64 outside the safe integer range', this.pos);
    }
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** int64 exactly, as a bigint. */
  int64Big(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** 16 raw bytes, as URL-safe base64 without padding (Kafka's textual form). */
  uuid(): string {
    this.need(16);
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  /** Unsigned varint of at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw new DecodeError('varint', 'unsigned varint above 32 bits', this.pos);
        return result;
      }
    }
    throw new DecodeError('varint', 'unsigned varint longer than 5 bytes', this.pos);
  }

  /** Zigzag-encoded signed varint of at most 5 bytes (record fields). */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Zigzag-encoded signed varlong of at most 10 bytes, as a number (safe range). */
  varlong(): number {
    let raw = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      this.need(1);
      const byte = this.buf[this.pos++];
      raw += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (raw > Number.MAX_SAFE_INTEGER)
          throw new DecodeError('range', 'varlong outside the safe range', this.pos);
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
    }
    throw new DecodeError('varint', 'varlong longer than 10 bytes', this.pos);
  }

  private text(length: number): string {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    // ASCII fast path: Kafka names are almost always ASCII.
    if (length < 64) {
      let ascii = true;
      for (let i = start; i < start + length; i++) {
        if (this.buf[i] > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) return this.buf.toString('latin1', start, start + length);
    }
    try {
      return UTF8.decode(this.buf.subarray(start, start + length));
    } catch {
      throw new DecodeError('utf8', 'string is not valid UTF-8', start);
    }
  }

  /** int16-length string; -1 is null. */
  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new DecodeError('length', `string length ${length}`, this.pos);
    return this.text(length);
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new DecodeError('length', 'null in a non-nullable string', this.pos);
    return s;
  }

  /** uvarint(length + 1) string; 0 is null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.text(n - 1);
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new DecodeError('length', 'null in a non-nullable string', this.pos);
    return s;
  }

  /** A view of `length` bytes, not a copy. */
  raw(length: number): Buffer {
    this.need(length);
    const v = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  /** int32-length bytes; -1 is null. */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new DecodeError('length', `bytes length ${length}`, this.pos);
    return this.raw(length);
  }

  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw new DecodeError('length', 'null in non-nullable bytes', this.pos);
    return b;
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1);
  }

  compactBytes(): Buffer {
    const b = this.compactNullableBytes();
    if (b === null) throw new DecodeError('length', 'null in non-nullable bytes', this.pos);
    return b;
  }

  /** An int32 array count; -1 is null. The count can never exceed the bytes that remain. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new DecodeError('length', `array count ${n}`, this.pos);
    if (n > this.remaining)
      throw new DecodeError('length', `array of ${n} in ${this.remaining} bytes`, this.pos);
    return n;
  }

  /** A uvarint(count + 1) array count; -1 is null. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining)
      throw new DecodeError('length', `array of ${n} in ${this.remaining} bytes`, this.pos);
    return n;
  }

  /** Skips a tagged-field section the caller does not know, checking tag order and sizes. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= previous) throw new DecodeError('tag', `tag ${tag} after ${previous}`, this.pos);
      previous = tag;
      this.raw(this.uvarint());
    }
  }
}

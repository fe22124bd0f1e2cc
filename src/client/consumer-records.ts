// Records of fetched data, decoded lazily: a fetched partition keeps the response's bytes, and
// records are cut out of them only as the application reads them. Keys, values and header values
// are views into those bytes (no copy). Control batches are skipped, and with read_committed so
// are the batches of aborted transactions (from the response's aborted-transaction list).
import {
  BATCH_HEADER_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  crc32c,
  readInt64,
} from '../protocol/index.js';
import { recordsBody } from '../protocol/records/record.js';
import { clientError, type KafkaError } from './errors.js';

export interface ConsumerRecordHeader {
  key: string;
  value: Buffer | null;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ConsumerRecordHeader[];
  leaderEpoch: number;
}

const NO_HEADERS: ConsumerRecordHeader[] = Object.freeze([]) as unknown as ConsumerRecordHeader[];

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/** The fetched data of one partition, consumed record by record. */
export class FetchedPartition {
  private pos = 0;
  private body: Buffer | null = null;
  private bodyPos = 0;
  private remainingInBatch = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  private logAppendTime = -1;
  private leaderEpoch = -1;
  private readonly aborted: AbortedTransaction[];
  private readonly abortedProducers = new Set<number>();
  /** Offset after the last complete batch seen in the data (where the next fetch starts). */
  readonly nextFetchOffset: number;
  readonly sizeBytes: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly data: Buffer,
    /** Next offset the application should see; earlier records are skipped. */
    public position: number,
    readonly epoch: number,
    readonly highWatermark: number,
    private readonly readCommitted: boolean,
    aborted: AbortedTransaction[] | null,
    private readonly checkCrcs: boolean,
  ) {
    this.sizeBytes = data.length;
    this.aborted = aborted ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
    let p = 0;
    let next = position;
    while (data.length - p >= BATCH_HEADER_BYTES) {
      const size = data.readInt32BE(p + 8) + 12;
      if (size < BATCH_HEADER_BYTES || p + size > data.length) break;
      next = readInt64(data, p) + data.readInt32BE(p + 23) + 1;
      p += size;
    }
    this.nextFetchOffset = Math.max(next, position);
  }

  /** The next record, or null when the data is used up. */
  next(): ConsumerRecord | null {
    for (;;) {
      if (this.remainingInBatch > 0) {
        const r = this.readRecord();
        if (r.offset >= this.position) {
          this.position = r.offset + 1;
          return r;
        }
        continue;
      }
      if (!this.openNextBatch()) return null;
    }
  }

  private openNextBatch(): boolean {
    const data = this.data;
    while (data.length - this.pos >= BATCH_HEADER_BYTES) {
      const start = this.pos;
      const size = data.readInt32BE(start + 8) + 12;
      if (size < BATCH_HEADER_BYTES || start + size > data.length) return false;
      this.pos = start + size;
      const magic = data[start + 16];
      if (magic !== 2) throw this.corrupt(`batch with magic ${magic}`);
      const baseOffset = readInt64(data, start);
      const lastOffset = baseOffset + data.readInt32BE(start + 23);
      if (lastOffset < this.position) continue;
      if (this.checkCrcs) {
        const stored = data.readUInt32BE(start + BATCH_OFFSET_CRC);
        if (crc32c(data.subarray(start + BATCH_OFFSET_ATTRIBUTES, start + size)) !== stored) {
          throw this.corrupt(`CRC-32C mismatch in the batch at offset ${baseOffset}`);
        }
      }
      const attributes = data.readInt16BE(start + 21);
      const producerId = readInt64(data, start + 43);
      if (this.readCommitted && this.aborted.length > 0) {
        while (this.aborted.length > 0 && this.aborted[0].firstOffset <= lastOffset) {
          this.abortedProducers.add((this.aborted.shift() as AbortedTransaction).producerId);
        }
      }
      if (attributes & 0x20) {
        // A control batch: an ABORT/COMMIT marker ends that producer's transaction.
        if (this.readCommitted) this.abortedProducers.delete(producerId);
        this.position = Math.max(this.position, lastOffset + 1);
        continue;
      }
      if (this.readCommitted && attributes & 0x10 && this.abortedProducers.has(producerId)) {
        this.position = Math.max(this.position, lastOffset + 1);
        continue;
      }
      const batch = data.subarray(start, start + size);
      this.body = recordsBody(batch);
      this.bodyPos = 0;
      this.remainingInBatch = data.readInt32BE(start + 57);
      this.baseOffset = baseOffset;
      this.baseTimestamp = readInt64(data, start + 27);
      this.logAppendTime = attributes & 0x08 ? readInt64(data, start + 35) : -1;
      this.leaderEpoch = data.readInt32BE(start + 12);
      return true;
    }
    return false;
  }

  private corrupt(detail: string): KafkaError {
    return clientError('PROTOCOL_ERROR', `corrupt fetched data: ${detail}`, {
      topic: this.topic,
      partition: this.partition,
      errorCode: 2,
    });
  }

  /** A zigzag varint at bodyPos. */
  private zz(): number {
    const b = this.body as Buffer;
    let p = this.bodyPos;
    let byte = b[p++];
    let raw = byte & 0x7f;
    let scale = 128;
    while (byte & 0x80) {
      if (p >= b.length) throw this.corrupt('record runs past its batch');
      byte = b[p++];
      raw += (byte & 0x7f) * scale;
      scale *= 128;
    }
    this.bodyPos = p;
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  private readRecord(): ConsumerRecord {
    const b = this.body as Buffer;
    if (this.bodyPos >= b.length) throw this.corrupt('record runs past its batch');
    const length = this.zz();
    const end = this.bodyPos + length;
    if (length < 0 || end > b.length) throw this.corrupt(`record length ${length}`);
    this.bodyPos++; // attributes
    const timestampDelta = this.zz();
    const offsetDelta = this.zz();
    const keyLength = this.zz();
    let p = this.bodyPos;
    let key: Buffer | null = null;
    if (keyLength >= 0) {
      key = b.subarray(p, p + keyLength);
      p += keyLength;
    }
    this.bodyPos = p;
    const valueLength = this.zz();
    p = this.bodyPos;
    let value: Buffer | null = null;
    if (valueLength >= 0) {
      value = b.subarray(p, p + valueLength);
      p += valueLength;
    }
    this.bodyPos = p;
    const headerCount = this.zz();
    let headers = NO_HEADERS;
    if (headerCount > 0) {
      headers = [];
      for (let i = 0; i < headerCount; i++) {
        const hk = this.zz();
        const hkey = b.toString('utf8', this.bodyPos, this.bodyPos + hk);
        this.bodyPos += hk;
        const hv = this.zz();
        let hvalue: Buffer | null = null;
        if (hv >= 0) {
          hvalue = b.subarray(this.bodyPos, this.bodyPos + hv);
          this.bodyPos += hv;
        }
        headers.push({ key: hkey, value: hvalue });
      }
    }
    p = this.bodyPos;
    if (p !== end) throw this.corrupt('record fields do not match its length');
    this.bodyPos = end;
    this.remainingInBatch--;
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.baseOffset + offsetDelta,
      timestamp: this.logAppendTime >= 0 ? this.logAppendTime : this.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      leaderEpoch: this.leaderEpoch,
    };
  }
}

// Partitioning as the Java client does it, so a key lands on the partition a Java producer would
// pick: murmur2 of the key bytes (seed 0x9747b28c), made positive by masking the sign bit, modulo
// the partition count of the topic. Records without a key stick to one partition until about
// batch.size bytes went there, then move to another chosen at random (KIP-794's uniform sticky
// partitioning, without the adaptive load statistics).

/** Kafka's murmur2 (MurmurHash2, 32-bit) of `data`, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  // The tail bytes, as MurmurHash2's fall-through switch takes them.
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs, which differs for negative values). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition the Java client's default partitioner gives a keyed record. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

export interface PartitionerArgs {
  topic: string;
  key: Buffer | null;
  value: Buffer | string | null;
  partitionCount: number;
}

/** A custom partitioner returns the partition for a record (0 .. partitionCount-1). */
export type Partitioner = (args: PartitionerArgs) => number;

/** Per-topic sticky choice for records without a key. */
export class StickyPartitions {
  private readonly current = new Map<string, { partition: number; producedBytes: number }>();

  constructor(private readonly switchAfterBytes: number) {}

  partition(topic: string, partitionCount: number, available: readonly number[]): number {
    let s = this.current.get(topic);
    if (!s || s.partition >= partitionCount) {
      s = { partition: this.pick(partitionCount, available, -1), producedBytes: 0 };
      this.current.set(topic, s);
    }
    return s.partition;
  }

  /** Records `bytes` appended to the sticky partition; moves on once enough went there. */
  appended(topic: string, bytes: number, partitionCount: number, available: readonly number[]): void {
    const s = this.current.get(topic);
    if (!s) return;
    s.producedBytes += bytes;
    if (s.producedBytes >= this.switchAfterBytes) {
      s.partition = this.pick(partitionCount, available, s.partition);
      s.producedBytes = 0;
    }
  }

  private pick(partitionCount: number, available: readonly number[], previous: number): number {
    const from = available.length > 0 ? available : null;
    const n = from ? from.length : partitionCount;
    if (n <= 1) return from ? from[0] : 0;
    let i = Math.floor(Math.random() * n);
    let p = from ? from[i] : i;
    if (p === previous) {
      i = (i + 1 + Math.floor(Math.random() * (n - 1))) % n;
      p = from ? from[i] : i;
    }
    return p;
  }
}

// After a failing run, the data dirs say who is to blame for a duplicate: every stored batch carries
// the producer id, epoch and sequence it was written with. The same (producer, epoch, sequence) twice
// means the broker failed to deduplicate a retry; a new epoch or sequence means the client sent the
// record again as new data (an idempotence bug in the client). Read straight from the segment files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { getOrMake, type Violation } from './checker.js';

export interface StoredBatch {
  node: string;
  baseOffset: number;
  lastOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  leaderEpoch: number;
}

const BATCH_HEADER_BYTES = 61;

/** The batch headers of every segment of `<dir>/<topic>-<p>`. */
export function readBatches(node: string, dir: string): StoredBatch[] {
  if (!existsSync(dir)) return [];
  const out: StoredBatch[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    const buf = readFileSync(join(dir, name));
    for (let pos = 0; pos + BATCH_HEADER_BYTES <= buf.length; ) {
      const h = readBatchHeader(buf, pos);
      if (h.sizeBytes < BATCH_HEADER_BYTES || pos + h.sizeBytes > buf.length) break; // torn or preallocated tail
      out.push({
        node,
        baseOffset: h.baseOffset,
        lastOffset: h.baseOffset + h.lastOffsetDelta,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        leaderEpoch: h.partitionLeaderEpoch,
      });
      pos += h.sizeBytes;
    }
  }
  return out;
}

function describe(b: StoredBatch): string {
  return `offsets ${b.baseOffset}-${b.lastOffset}: producer ${b.producerId} epoch ${b.producerEpoch} sequence ${b.baseSequence} (leader epoch ${b.leaderEpoch})`;
}

/**
 * For each duplicate (at most `max`), the stored batches holding its offsets on every node, and a
 * verdict. Returns the lines to add to the violation's message; nothing when the data is gone.
 */
export function explainDuplicates(
  violations: Violation[],
  dataDir: string,
  nodes: string[],
  topic: string,
  max = 20,
): Map<Violation, string> {
  const out = new Map<Violation, string>();
  const cache = new Map<string, StoredBatch[]>();
  for (const v of violations.filter((x) => x.kind === 'duplicated').slice(0, max)) {
    const offsets = [...v.message.matchAll(/offsets? ([\d, ]+)/g)][0]?.[1]
      ?.split(',')
      .map((s) => Number(s.trim()))
      .filter(Number.isFinite);
    if (!offsets || v.p === undefined) continue;
    const found: StoredBatch[] = [];
    for (const node of nodes) {
      const p = v.p;
      const batches = getOrMake(cache, `${node}/${p}`, () =>
        readBatches(node, join(dataDir, node, `${topic}-${p}`)),
      );
      for (const o of offsets) {
        const b = batches.find((x) => x.baseOffset <= o && o <= x.lastOffset);
        if (b) found.push(b);
      }
    }
    if (found.length === 0) continue;
    const [a, b] = [found[0], found.find((x) => x.baseOffset !== found[0].baseOffset)];
    let verdict = 'the batches could not be told apart';
    if (a && b) {
      const sameWrite =
        a.producerId === b.producerId &&
        a.producerEpoch === b.producerEpoch &&
        a.baseSequence === b.baseSequence;
      verdict = sameWrite
        ? 'the same producer id, epoch and sequence stored twice: the broker failed to deduplicate a retry'
        : a.producerId === b.producerId
          ? 'the same producer sent it again under a new epoch or sequence: the client re-sent a record that may have been written (a client idempotence bug)'
          : 'two different producer ids: the client sent it again from a new session';
    }
    const seen = [...new Set(found.map((x) => `${x.node} ${describe(x)}`))];
    out.set(v, `${verdict}. Stored: ${seen.join('; ')}`);
  }
  return out;
}

// The records of a Fetch response's record set: every batch in it (readRecords reads one batch).
import { batchBounds } from '../../src/protocol/records/batch.js';
import { type KafkaRecord, readRecords } from '../../src/protocol/records/record.js';

export function allRecords(records: Buffer | null): KafkaRecord[] {
  if (!records) return [];
  const out: KafkaRecord[] = [];
  for (const start of batchBounds(records).starts) out.push(...readRecords(records, start));
  return out;
}

/** The values of every record, as text. */
export function allValues(records: Buffer | null): string[] {
  return allRecords(records).map((r) => String(r.value));
}

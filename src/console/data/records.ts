// The message browser: a partition or all of them, from the oldest record, an offset, a time or the
// newest N; an optional filter on key or value text, scanning a bounded number of records; records
// shown as base64 (the page renders text, JSON, hex or base64 from it). Producing one record, and
// the reading loop of a live tail.
import type { Admin, PartitionRead } from '../../client/admin.js';
import type { ConsumerRecord } from '../../client/consumer-records.js';
import type { BrowseFrom, ProduceResult, RecordPage, ShownRecord } from '../api-types.js';
import { CALL_TIMEOUT_MS, type ConsoleContext } from '../context.js';
import { BadRequest } from './errors.js';
import { key, watermarks } from './offsets.js';

/** Bytes of a key, value or header value sent to the page; the sizes say when it was cut. */
export const SHOWN_BYTES_MAX = 64 * 1024;
export const PAGE_RECORDS_MAX = 500;
/** Records a filtered search looks at before it answers with what it found. */
export const SCAN_RECORDS_MAX = 100_000;
const SCAN_MS_MAX = 3000;
const READ_CHUNK_RECORDS = 500;

export interface BrowseQuery {
  partition: number | 'all';
  from: BrowseFrom;
  /** The offset or timestamp (ms) of `from`. */
  value?: number;
  limit: number;
  /** Keep records whose key or value text contains this (case-insensitive). */
  filter?: string;
  filterIn?: 'key' | 'value' | 'both';
  /** Continue from the `next` of an earlier page. */
  cursor?: Record<number, number>;
}

export function parseBrowseQuery(q: Record<string, string | undefined>): BrowseQuery {
  const partition = q.partition === undefined || q.partition === 'all' ? 'all' : Number(q.partition);
  if (partition !== 'all' && (!Number.isInteger(partition) || partition < 0)) throw new BadRequest('bad partition');
  const from = (q.from ?? 'newest') as BrowseFrom;
  if (!['oldest', 'newest', 'offset', 'timestamp'].includes(from))
    throw new BadRequest('from: oldest, newest, offset or timestamp');
  const value = q.value === undefined || q.value === '' ? undefined : Number(q.value);
  if ((from === 'offset' || from === 'timestamp') && (value === undefined || !Number.isSafeInteger(value)))
    throw new BadRequest(`from ${from} needs a whole number`);
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_RECORDS_MAX)
    throw new BadRequest(`limit: 1 to ${PAGE_RECORDS_MAX}`);
  const filterIn = (q.in ?? 'both') as 'key' | 'value' | 'both';
  let cursor: Record<number, number> | undefined;
  if (q.cursor) {
    try {
      cursor = JSON.parse(q.cursor);
    } catch {
      throw new BadRequest('bad cursor');
    }
  }
  return { partition, from, value, limit, filter: q.filter || undefined, filterIn, cursor };
}

function b64(buf: Buffer | null): string | null {
  if (buf === null) return null;
  return (buf.length > SHOWN_BYTES_MAX ? buf.subarray(0, SHOWN_BYTES_MAX) : buf).toString('base64');
}

export function shown(r: ConsumerRecord): ShownRecord {
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: b64(r.key),
    value: b64(r.value),
    keyBytes: r.key?.length ?? -1,
    valueBytes: r.value?.length ?? -1,
    headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
  };
}

export function matcher(filter: string | undefined, where: 'key' | 'value' | 'both'): (r: ConsumerRecord) => boolean {
  if (!filter) return () => true;
  const needle = filter.toLowerCase();
  const has = (b: Buffer | null) => b !== null && b.toString('utf8').toLowerCase().includes(needle);
  if (where === 'key') return (r) => has(r.key);
  if (where === 'value') return (r) => has(r.value);
  return (r) => has(r.key) || has(r.value);
}

export async function browse(ctx: ConsoleContext, topic: string, q: BrowseQuery): Promise<RecordPage> {
  const started = performance.now();
  const admin = ctx.admin;
  const [t] = await admin.describeTopics([topic], { timeoutMs: CALL_TIMEOUT_MS });
  const parts = t.partitions
    .filter((p) => q.partition === 'all' || p.partition === q.partition)
    .map((p) => p.partition);
  if (parts.length === 0) throw new BadRequest(`topic ${topic} has no partition ${q.partition}`);
  const marks = await watermarks(admin, [{ ...t, partitions: t.partitions.filter((p) => parts.includes(p.partition)) }]);
  const ends = new Map(parts.map((p) => [p, marks.get(key(topic, p)) ?? { earliest: -1, latest: -1 }]));
  const starts = await startOffsets(admin, topic, q, ends);
  const keep = matcher(q.filter, q.filterIn ?? 'both');
  const newest = q.from === 'newest' && !q.cursor;
  const found: ConsumerRecord[] = [];
  const next = new Map(starts);
  let scanned = 0;
  const deadline = started + SCAN_MS_MAX;
  // Forward reading, in rounds over the partitions not yet at their end.
  for (;;) {
    const open = [...next].filter(([p, o]) => o < (ends.get(p)?.latest ?? -1));
    if (open.length === 0) break;
    if (q.filter && !newest && found.length >= q.limit) break;
    if (scanned >= SCAN_RECORDS_MAX || performance.now() > deadline) break;
    const reads = await admin.readRecords(
      open.map(([partition, offset]) => ({ topic, partition, offset })),
      { recordsMax: newest ? READ_CHUNK_RECORDS : Math.max(q.limit, 1), partitionBytesMax: 1024 * 1024 },
    );
    let progressed = false;
    for (const r of reads) {
      progressed = takeRead(r, keep, found, next) || progressed;
      scanned += r.records.length;
    }
    if (!progressed) break;
    if (!q.filter && !newest) break;
  }
  return pageOf(found, next, ends, q, newest, scanned, started);
}

/** Appends a partition's records; returns whether reading moved on. */
function takeRead(r: PartitionRead, keep: (r: ConsumerRecord) => boolean, found: ConsumerRecord[], next: Map<number, number>): boolean {
  if (r.error) return false;
  for (const rec of r.records) if (keep(rec)) found.push(rec);
  const before = next.get(r.partition) ?? 0;
  next.set(r.partition, r.nextOffset);
  return r.nextOffset > before;
}

function pageOf(
  found: ConsumerRecord[],
  next: Map<number, number>,
  ends: Map<number, { earliest: number; latest: number }>,
  q: BrowseQuery,
  newest: boolean,
  scanned: number,
  started: number,
): RecordPage {
  const cursor: Record<number, number> = Object.fromEntries(next);
  let records: ConsumerRecord[];
  if (newest) {
    // The newest N overall, newest first; "more" is not offered (a page starts from an offset for that).
    records = found.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset).slice(0, q.limit);
  } else {
    records = mergeByTime(found, q.limit);
    // A partition with records left over resumes at the first of them, the others where reading stopped.
    const taken = new Set(records);
    for (const r of found) if (!taken.has(r)) cursor[r.partition] = Math.min(cursor[r.partition], r.offset);
  }
  const more = !newest && Object.entries(cursor).some(([p, o]) => o < (ends.get(Number(p))?.latest ?? -1));
  return { records: records.map(shown), next: cursor, scanned, more, elapsedMs: Math.round(performance.now() - started) };
}

/** The first `limit` records in time order, each partition's records kept in offset order. */
function mergeByTime(found: readonly ConsumerRecord[], limit: number): ConsumerRecord[] {
  const queues = new Map<number, ConsumerRecord[]>();
  for (const r of found) {
    const q = queues.get(r.partition);
    if (q) q.push(r);
    else queues.set(r.partition, [r]);
  }
  const heads = new Map([...queues.keys()].map((p) => [p, 0]));
  const out: ConsumerRecord[] = [];
  while (out.length < limit) {
    let best: ConsumerRecord | null = null;
    for (const [p, i] of heads) {
      const r = (queues.get(p) as ConsumerRecord[])[i];
      if (r && (!best || r.timestamp < best.timestamp || (r.timestamp === best.timestamp && r.partition < best.partition)))
        best = r;
    }
    if (!best) break;
    out.push(best);
    heads.set(best.partition, (heads.get(best.partition) as number) + 1);
  }
  return out;
}

async function startOffsets(
  admin: Admin,
  topic: string,
  q: BrowseQuery,
  ends: Map<number, { earliest: number; latest: number }>,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const clamp = (p: number, o: number) => {
    const e = ends.get(p) ?? { earliest: 0, latest: 0 };
    return Math.min(Math.max(o, e.earliest), e.latest);
  };
  if (q.cursor) {
    for (const p of ends.keys()) out.set(p, clamp(p, q.cursor[p] ?? ends.get(p)?.latest ?? 0));
    return out;
  }
  if (q.from === 'timestamp') {
    const parts = [...ends.keys()];
    const found = await admin.listOffsets(
      parts.map((partition) => ({ topic, partition, at: q.value as number })),
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    parts.forEach((p, i) => {
      out.set(p, found[i].offset < 0 ? (ends.get(p)?.latest ?? 0) : clamp(p, found[i].offset));
    });
    return out;
  }
  for (const [p, e] of ends) {
    if (q.from === 'oldest') out.set(p, e.earliest);
    else if (q.from === 'offset') out.set(p, clamp(p, q.value as number));
    // newest: the last N of every partition (a filter looks further back, within the scan bound).
    else out.set(p, clamp(p, e.latest - (q.filter ? SCAN_RECORDS_MAX / ends.size : q.limit)));
  }
  return out;
}

export interface ProduceBody {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  partition?: unknown;
  nullValue?: unknown;
}

export async function produce(ctx: ConsoleContext, topic: string, body: ProduceBody): Promise<ProduceResult> {
  const text = (v: unknown) => (v === undefined || v === null ? null : String(v));
  const key = text(body.key) || null;
  const value = body.nullValue === true ? null : (text(body.value) ?? '');
  const headers = Array.isArray(body.headers)
    ? body.headers
        .filter((h) => h && typeof h === 'object' && String((h as { key?: unknown }).key ?? '') !== '')
        .map((h) => ({ key: String((h as { key: unknown }).key), value: text((h as { value?: unknown }).value) }))
    : [];
  let partition: number | undefined;
  if (body.partition !== undefined && body.partition !== null && body.partition !== '') {
    partition = Number(body.partition);
    if (!Number.isInteger(partition) || partition < 0) throw new BadRequest('partition: a whole number from 0');
  }
  const m = await ctx.producer().send({ topic, key, value, headers, partition });
  return { partition: m.partition, offset: m.offset, timestamp: m.timestamp };
}

/**
 * A live tail: new records of the partitions as they arrive, read with a client of its own (its
 * Fetches wait at the broker). Ends when `signal` aborts.
 */
export async function tail(
  ctx: ConsoleContext,
  topic: string,
  partition: number | 'all',
  keep: (r: ConsumerRecord) => boolean,
  emit: (records: ShownRecord[]) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const admin = ctx.privateAdmin();
  try {
    const [t] = await admin.describeTopics([topic], { timeoutMs: CALL_TIMEOUT_MS });
    const parts = t.partitions.filter((p) => partition === 'all' || p.partition === partition);
    const marks = await watermarks(admin, [{ ...t, partitions: parts }]);
    const next = new Map(parts.map((p) => [p.partition, Math.max(0, marks.get(key(topic, p.partition))?.latest ?? 0)]));
    while (!signal.aborted) {
      const reads = await admin.readRecords(
        [...next].map(([p, offset]) => ({ topic, partition: p, offset })),
        { maxWaitMs: 1000, recordsMax: 200 },
      );
      const found: ConsumerRecord[] = [];
      for (const r of reads) takeRead(r, keep, found, next);
      if (found.length > 0 && !signal.aborted) await emit(found.map(shown));
      if (reads.some((r) => r.error)) await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await admin.close();
  }
}

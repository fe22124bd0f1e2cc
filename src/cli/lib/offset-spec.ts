// The offset syntax of `samsa consume -o` (after rpk's): where to start, and optionally where to
// stop.
//   start | oldest        the earliest offset (the default)
//   end | newest          the latest offset: only records produced from now on
//   47                    exactly offset 47
//   +10                   10 records after the start of each partition
//   -10                   the last 10 records of each partition
//   @1700000000000        the first record at or after a time in ms since the epoch,
//   @2026-11-26T10:00:00Z   or an ISO date-time (UTC when no zone is given),
//   @-1h                  or a time relative to now (ms, s, m, h, d)
//   START:end             stop at the end of each partition as it was when the command started
//   START:N               stop before offset N
import type { Admin, TopicPartition } from '../../client/index.js';
import { UsageError } from '../args.js';
import { parseDuration } from './samsa-common.js';

export type StartSpec =
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'exact'; offset: number }
  | { kind: 'fromStart'; n: number }
  | { kind: 'fromEnd'; n: number }
  | { kind: 'time'; timestampMs: number };

export type EndSpec = { kind: 'end' } | { kind: 'exact'; offset: number } | null;

export interface OffsetSpec {
  start: StartSpec;
  end: EndSpec;
}

/** A point in time: ms since the epoch, an ISO date(-time), or -DURATION / +DURATION from now. */
export function parseTime(text: string, nowMs = Date.now()): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^[-+]/.test(t)) {
    const ms = parseDuration(t.slice(1), `@${t}`);
    return t[0] === '-' ? nowMs - ms : nowMs + ms;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) || !t.includes('T') ? t : `${t}Z`;
    const ms = Date.parse(t.includes('T') ? iso : `${t}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `'@${text}' is not a time: use ms since the epoch, an ISO date-time, or a duration such as -1h`,
  );
}

function parseStart(text: string): StartSpec {
  const t = text.trim();
  if (t === '' || t === 'start' || t === 'oldest' || t === 'earliest' || t === 'beginning')
    return { kind: 'start' };
  if (t === 'end' || t === 'newest' || t === 'latest') return { kind: 'end' };
  if (/^\d+$/.test(t)) return { kind: 'exact', offset: Number(t) };
  if (/^\+\d+$/.test(t)) return { kind: 'fromStart', n: Number(t.slice(1)) };
  if (/^-\d+$/.test(t)) return { kind: 'fromEnd', n: Number(t.slice(1)) };
  if (t.startsWith('@')) return { kind: 'time', timestampMs: parseTime(t.slice(1)) };
  throw new UsageError(`offset '${text}': use start, end, N, +N, -N or @TIME (see --help)`);
}

export function parseOffsetSpec(text: string): OffsetSpec {
  // A ':' separates start from end, except inside a time of day (@2026-11-26T10:00:00Z).
  let startText = text;
  let endText: string | null = null;
  const m = /^(.*):(end|newest|latest|\d+)$/.exec(text);
  const cutsTimeOfDay = m?.[1].startsWith('@') && /^\d+$/.test(m[2]) && /T\d{2}(:\d{2})?$/.test(m[1]);
  if (m && !cutsTimeOfDay) {
    startText = m[1];
    endText = m[2];
  }
  const end: EndSpec =
    endText === null
      ? null
      : /^\d+$/.test(endText)
        ? { kind: 'exact', offset: Number(endText) }
        : { kind: 'end' };
  return { start: parseStart(startText), end };
}

/** The offset each partition starts at, from its earliest and latest offsets. */
export async function startOffsets(
  admin: Admin,
  tps: readonly TopicPartition[],
  spec: StartSpec,
): Promise<number[]> {
  const [earliest, latest] = await Promise.all([
    admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'earliest' as const }))),
    admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'latest' as const }))),
  ]);
  let byTime: { offset: number }[] = [];
  if (spec.kind === 'time')
    byTime = await admin.listOffsets(tps.map((tp) => ({ ...tp, at: spec.timestampMs })));
  return tps.map((_, i) => pick(spec, earliest[i].offset, latest[i].offset, byTime[i]?.offset ?? -1));
}

function pick(spec: StartSpec, lo: number, hi: number, atTime: number): number {
  switch (spec.kind) {
    case 'start':
      return lo;
    case 'end':
      return hi;
    case 'exact':
      return Math.min(Math.max(spec.offset, lo), hi);
    case 'fromStart':
      return Math.min(lo + spec.n, hi);
    case 'fromEnd':
      return Math.max(hi - spec.n, lo);
    default:
      return atTime >= 0 ? atTime : hi;
  }
}

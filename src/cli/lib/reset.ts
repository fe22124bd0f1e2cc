// Planning new committed offsets for a group (kafka-consumer-groups.sh --reset-offsets and
// `samsa group reset`): to an offset, the earliest or latest, the current, shifted by n, the first
// offset at or after a time, or a plan from a CSV file. Requested offsets outside the log are
// moved to its nearest end, with a warning, as Kafka's tool does.
import type { Admin, TopicPartition } from '../../client/index.js';
import { UsageError } from '../args.js';
import { committedOffsets, logOffsets } from './groups.js';

export type ResetTarget =
  | { kind: 'offset'; offset: number }
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'current' }
  | { kind: 'shift'; by: number }
  | { kind: 'time'; timestampMs: number }
  | { kind: 'plan'; offsets: ReadonlyMap<string, number> };

export interface PlannedOffset extends TopicPartition {
  offset: number;
  /** The committed offset before the reset, null when none. */
  previous: number | null;
}

export const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** `topic` or `topic:0,1,2` arguments; a bare topic means all its partitions. */
export async function resetPartitions(admin: Admin, topicArgs: readonly string[]): Promise<TopicPartition[]> {
  const out: TopicPartition[] = [];
  const whole: string[] = [];
  for (const arg of topicArgs) {
    if (!arg.includes(':')) {
      whole.push(arg);
      continue;
    }
    const parts = arg.split(':');
    if (parts.length !== 2)
      throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
    for (const p of parts[1].split(',')) {
      if (!/^\d+$/.test(p.trim()))
        throw new UsageError(`Invalid partition '${p}' specified in topic arg '${arg}'`);
      out.push({ topic: parts[0], partition: Number(p.trim()) });
    }
  }
  if (whole.length > 0) {
    for (const d of await admin.describeTopics(whole)) {
      for (const p of d.partitions) out.push({ topic: d.name, partition: p.partition });
    }
  }
  return out;
}

/** Moves requested offsets that fall outside [log start, log end] to the nearest end. */
async function clamp(
  admin: Admin,
  requested: Map<string, { tp: TopicPartition; offset: number }>,
  warn: (text: string) => void,
): Promise<Map<string, number>> {
  const tps = [...requested.values()].map((r) => r.tp);
  const [starts, ends] = await Promise.all([
    logOffsets(admin, tps, 'earliest'),
    logOffsets(admin, tps, 'latest'),
  ]);
  const out = new Map<string, number>();
  for (const [k, { tp, offset }] of requested) {
    const end = ends.get(k);
    const start = starts.get(k);
    const name = `${tp.topic}-${tp.partition}`;
    if (end === undefined) throw new Error(`no log end offset for topic partition ${name}`);
    if (offset > end) {
      warn(
        `WARN: New offset (${offset}) is higher than latest offset for topic partition ${name}. Value will be set to ${end}`,
      );
      out.set(k, end);
    } else if (start !== undefined && offset < start) {
      warn(
        `WARN: New offset (${offset}) is lower than earliest offset for topic partition ${name}. Value will be set to ${start}`,
      );
      out.set(k, start);
    } else out.set(k, offset);
  }
  return out;
}

export async function planReset(
  admin: Admin,
  group: string,
  partitions: readonly TopicPartition[],
  target: ResetTarget,
  warn: (text: string) => void,
): Promise<PlannedOffset[]> {
  const committed = await committedOffsets(admin, group);
  const list =
    target.kind === 'plan'
      ? [...target.offsets.keys()].map((k) => {
          const [topic, partition] = k.split('\u0000');
          return { topic, partition: Number(partition) };
        })
      : [...partitions];
  let offsets: Map<string, number>;
  const requested = (f: (tp: TopicPartition) => number) =>
    new Map(list.map((tp) => [tpKey(tp), { tp, offset: f(tp) }]));
  switch (target.kind) {
    case 'offset':
      offsets = await clamp(
        admin,
        requested(() => target.offset),
        warn,
      );
      break;
    case 'plan':
      offsets = await clamp(
        admin,
        requested((tp) => target.offsets.get(tpKey(tp)) as number),
        warn,
      );
      break;
    case 'shift':
      offsets = await clamp(
        admin,
        requested((tp) => {
          const current = committed.get(tpKey(tp));
          if (current === undefined) {
            throw new UsageError(
              `Cannot shift offset for partition ${tp.topic}-${tp.partition} since there is no current committed offset`,
            );
          }
          return current + target.by;
        }),
        warn,
      );
      break;
    case 'earliest':
    case 'latest': {
      offsets = await logOffsets(admin, list, target.kind);
      const missing = list.find((tp) => !offsets.has(tpKey(tp)));
      if (missing) {
        const which = target.kind === 'earliest' ? 'starting' : 'ending';
        throw new Error(
          `Error getting ${which} offset of topic partition: ${missing.topic}-${missing.partition}`,
        );
      }
      break;
    }
    case 'current': {
      const ends = await logOffsets(
        admin,
        list.filter((tp) => !committed.has(tpKey(tp))),
        'latest',
      );
      offsets = new Map(list.map((tp) => [tpKey(tp), committed.get(tpKey(tp)) ?? ends.get(tpKey(tp)) ?? -1]));
      break;
    }
    case 'time': {
      const found = await admin.listOffsets(list.map((tp) => ({ ...tp, at: target.timestampMs })));
      offsets = new Map();
      const empty: TopicPartition[] = [];
      found.forEach((o, i) => {
        if (o && o.offset >= 0) offsets.set(tpKey(list[i]), o.offset);
        else empty.push(list[i]);
      });
      for (const tp of empty) {
        warn(
          `Warn: Partition ${tp.partition} from topic ${tp.topic} is empty. Falling back to latest known offset.`,
        );
      }
      for (const [k, v] of await logOffsets(admin, empty, 'latest')) offsets.set(k, v);
      break;
    }
  }
  return list
    .filter((tp) => offsets.has(tpKey(tp)))
    .map((tp) => ({
      ...tp,
      offset: offsets.get(tpKey(tp)) as number,
      previous: committed.get(tpKey(tp)) ?? null,
    }))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** `2024-01-01T10:00:00.000`, with or without milliseconds and an offset (UTC when none), as Kafka reads it. */
export function parseDateTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?(Z|[+-]\d{2}(:?\d{2})?)?$/.exec(text.trim());
  if (!m) {
    throw new UsageError(`'${text}' is not a date-time of the form YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]`);
  }
  let zone = m[4] ?? 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${(m[3] ?? '.000').padEnd(4, '0')}${zone}`);
  if (Number.isNaN(ms)) throw new UsageError(`'${text}' is not a valid date-time`);
  return ms;
}

/** An ISO-8601 duration as Java's Duration.parse reads it: `PT1H`, `P1DT2H30M`, `-PT15M`, `PT0.5S`. */
export function parseIsoDuration(text: string): number {
  const m = /^([-+]?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!m || (!m[2] && !m[3] && !m[4] && !m[5]) || /T$/i.test(text.trim())) {
    throw new UsageError(`'${text}' is not a duration of the form PnDTnHnMnS`);
  }
  const ms =
    Number(m[2] ?? 0) * 86_400_000 +
    Number(m[3] ?? 0) * 3_600_000 +
    Number(m[4] ?? 0) * 60_000 +
    Number(m[5] ?? 0) * 1000;
  return m[1] === '-' ? -ms : ms;
}

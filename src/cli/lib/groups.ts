// What kafka-consumer-groups.sh and `samsa group` know about a consumer group: its state, members,
// committed offsets, and the lag of each partition, computed here as Kafka's tool does:
// LAG = LOG-END-OFFSET - CURRENT-OFFSET, from the committed offsets and ListOffsets(latest).
import type { Admin, GroupDescription, TopicPartition } from '../../client/index.js';
import { UsageError } from '../args.js';
import type { Props } from '../client-config.js';
import { openConsumer } from './clients.js';

export const MISSING = '-';

export interface PartitionRow {
  group: string;
  topic: string | null;
  partition: number | null;
  /** Committed offset, null when none. */
  offset: number | null;
  logStartOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

export interface GroupOffsets {
  group: string;
  description: GroupDescription;
  rows: PartitionRow[];
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

/** Log end (and start) offsets; a partition whose lookup fails has none. */
export async function logOffsets(
  admin: Admin,
  tps: readonly TopicPartition[],
  at: 'latest' | 'earliest',
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tps.length === 0) return out;
  // Topics that no longer exist would fail the whole lookup: ask for the others only.
  const topics = [...new Set(tps.map((tp) => tp.topic))];
  const existing = new Set(await admin.listTopics({ includeInternal: true }));
  const known = tps.filter((tp) => existing.has(tp.topic));
  if (known.length === 0 || topics.length === 0) return out;
  try {
    const listed = await admin.listOffsets(known.map((tp) => ({ ...tp, at })));
    for (const o of listed) if (o && o.offset >= 0) out.set(key(o), o.offset);
  } catch {
    // Unknown offsets print as '-', as in Kafka's tool.
  }
  return out;
}

export async function describeGroups(admin: Admin, groups: readonly string[]): Promise<GroupDescription[]> {
  return groups.length === 0 ? [] : admin.describeGroups(groups);
}

/** Committed offsets of a group, by partition (partitions without a commit left out). */
export async function committedOffsets(admin: Admin, group: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const c of await admin.listGroupOffsets(group)) if (c.offset >= 0) out.set(key(c), c.offset);
  return out;
}

/**
 * The offsets view of a group: members with partitions first (most partitions first), each
 * partition in order, then the committed partitions no member owns.
 */
export async function collectGroupOffsets(
  admin: Admin,
  description: GroupDescription,
  withLogStart = false,
): Promise<GroupOffsets> {
  const group = description.groupId;
  if (description.state === 'Dead') return { group, description, rows: [] };
  const committed = await committedOffsets(admin, group);
  const assigned = new Set<string>();
  const owners: { tps: TopicPartition[]; consumerId: string; host: string; clientId: string }[] = [];
  const members = description.members
    .filter((m) => (m.assignment?.length ?? 0) > 0)
    .sort((a, b) => (b.assignment?.length ?? 0) - (a.assignment?.length ?? 0));
  for (const m of members) {
    const tps = [...(m.assignment ?? [])].sort(byTopicPartition);
    for (const tp of tps) assigned.add(key(tp));
    owners.push({ tps, consumerId: m.memberId, host: m.clientHost, clientId: m.clientId });
  }
  const unowned: TopicPartition[] = [];
  for (const k of committed.keys()) {
    if (assigned.has(k)) continue;
    const [topic, partition] = k.split('\u0000');
    unowned.push({ topic, partition: Number(partition) });
  }
  unowned.sort(byTopicPartition);
  const all = [...owners.flatMap((o) => o.tps), ...unowned];
  const [ends, starts] = await Promise.all([
    logOffsets(admin, all, 'latest'),
    withLogStart ? logOffsets(admin, all, 'earliest') : Promise.resolve(new Map<string, number>()),
  ]);
  const row = (
    tp: TopicPartition,
    consumerId: string | null,
    host: string | null,
    clientId: string | null,
  ) => {
    const offset = committed.get(key(tp)) ?? null;
    const logEndOffset = ends.get(key(tp)) ?? null;
    return {
      group,
      topic: tp.topic,
      partition: tp.partition,
      offset,
      logStartOffset: starts.get(key(tp)) ?? null,
      logEndOffset,
      lag: offset !== null && logEndOffset !== null ? logEndOffset - offset : null,
      consumerId,
      host,
      clientId,
    };
  };
  const rows: PartitionRow[] = [];
  for (const o of owners) for (const tp of o.tps) rows.push(row(tp, o.consumerId, o.host, o.clientId));
  for (const tp of unowned) rows.push(row(tp, null, null, null));
  return { group, description, rows };
}

/** Kafka's state names a --state filter may use, matched without regard to case. */
export const GROUP_STATES = [
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
  'Empty',
  'Assigning',
  'Reconciling',
];

export function parseStates(text: string): string[] {
  return text.split(',').map((s) => {
    const found = GROUP_STATES.find((g) => g.toLowerCase() === s.trim().toLowerCase());
    if (!found)
      throw new UsageError(`Invalid state list '${text}'. Valid states are: ${GROUP_STATES.join(', ')}`);
    return found;
  });
}

/** `Classic`, `Consumer`, `Share`: how Kafka's tool prints a group type. */
export function groupTypeName(type: string | null): string {
  if (!type) return 'Unknown';
  return type[0].toUpperCase() + type.slice(1).toLowerCase();
}

/**
 * Lag in seconds of each lagging partition: the age of the oldest record the group has not read
 * (the record at its committed offset), as the broker's `kafka_consumergroup_group_lag_seconds`
 * defines it. 0 for a partition that is caught up; null when it cannot be read.
 */
export async function lagSeconds(
  settings: Props,
  rows: readonly {
    topic: string | null;
    partition: number | null;
    offset: number | null;
    lag: number | null;
  }[],
  nowMs = Date.now(),
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  const lagging = rows
    .filter(
      (r) =>
        r.topic !== null && r.partition !== null && r.offset !== null && r.offset >= 0 && (r.lag ?? 0) > 0,
    )
    .map((r) => ({ topic: r.topic as string, partition: r.partition as number, offset: r.offset as number }));
  for (const r of rows) out.set(`${r.topic}-${r.partition}`, r.lag === 0 ? 0 : null);
  if (lagging.length === 0) return out;
  const consumer = await openConsumer({
    ...settings,
    'enable.auto.commit': 'false',
    'max.partition.fetch.bytes': '65536',
  });
  try {
    consumer.assign(lagging);
    const pending = new Set(lagging.map((r) => `${r.topic}-${r.partition}`));
    const wanted = new Map(lagging.map((r) => [`${r.topic}-${r.partition}`, r.offset]));
    const until = Date.now() + 5000;
    while (pending.size > 0 && Date.now() < until) {
      for (const rec of await consumer.poll(200)) {
        const key = `${rec.topic}-${rec.partition}`;
        if (!pending.has(key) || rec.offset < (wanted.get(key) ?? 0)) continue;
        out.set(key, Math.max(0, (nowMs - rec.timestamp) / 1000));
        pending.delete(key);
        consumer.pause([{ topic: rec.topic, partition: rec.partition }]);
      }
    }
  } finally {
    await consumer.close().catch(() => {});
  }
  return out;
}

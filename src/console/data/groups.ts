// Consumer groups: the list (state, members, total lag), a group's page (lag per partition in
// records and seconds, lag over time), offset resets planned before they are applied, deletion.
// Lag is the partition's end offset minus the committed offset, as kafka-consumer-groups.sh counts
// it; seconds are the age of the oldest record not consumed yet (the record at the committed offset).
import type { GroupDescription } from '../../client/admin.js';
import type { GroupDetail, GroupPartitionRow, GroupRow, ResetPlan, ResetRequest } from '../api-types.js';
import { BROKER_RETRY_MS, CALL_TIMEOUT_MS, type ConsoleContext } from '../context.js';
import { BadRequest } from './errors.js';
import { key, latestOffsets } from './offsets.js';

const PARALLEL_GROUPS = 8;
/** Groups the topic page and the list look at; beyond, the list shows no lag. */
const GROUPS_LAGGED_MAX = 500;

async function eachLimited<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_GROUPS, items.length) }, worker));
  return out;
}

interface GroupOffsets {
  offsets: { topic: string; partition: number; offset: number }[];
  latest: Map<string, number>;
}

async function groupOffsets(ctx: ConsoleContext, groupId: string): Promise<GroupOffsets> {
  const offsets = (await ctx.admin.listGroupOffsets(groupId)).filter((o) => o.offset >= 0);
  const latest = await latestOffsets(ctx.admin, offsets);
  return { offsets, latest };
}

function totalLag(g: GroupOffsets): number {
  let lag = 0;
  for (const o of g.offsets) {
    const end = g.latest.get(key(o.topic, o.partition)) ?? -1;
    if (end >= 0) lag += Math.max(0, end - o.offset);
  }
  return lag;
}

export async function groupList(ctx: ConsoleContext): Promise<GroupRow[]> {
  // Groups whose coordinator cannot be reached (a node that died and is not fenced yet) are left out
  // after a short wait, rather than the whole list failing; they return once their coordinator moves.
  const { groups: listed } = await ctx.admin.listGroupsAnswered({ timeoutMs: BROKER_RETRY_MS });
  const ids = listed.map((g) => g.groupId);
  const described = ids.length > 0 ? await ctx.admin.describeGroups(ids).catch(() => [] as GroupDescription[]) : [];
  const byId = new Map(described.map((d) => [d.groupId, d]));
  const lagged = await eachLimited(ids.slice(0, GROUPS_LAGGED_MAX), (id) =>
    groupOffsets(ctx, id).then(
      (g) => g,
      () => null,
    ),
  );
  return listed.map((g, i) => {
    const d = byId.get(g.groupId);
    const offsets = lagged[i] ?? null;
    const topics = new Set(offsets?.offsets.map((o) => o.topic) ?? []);
    for (const m of d?.members ?? []) for (const a of m.assignment ?? []) topics.add(a.topic);
    return {
      groupId: g.groupId,
      state: d?.state ?? g.state ?? 'Unknown',
      protocolType: g.protocolType,
      members: d?.members.length ?? 0,
      lag: offsets ? totalLag(offsets) : null,
      topics: [...topics].sort(),
      coordinator: d?.coordinator ?? -1,
    };
  });
}

/** Groups with committed offsets on the topic or members assigned to it. */
export async function groupsReading(
  ctx: ConsoleContext,
  topic: string,
): Promise<{ groupId: string; state: string; lag: number }[]> {
  const rows = await groupList(ctx).catch(() => [] as GroupRow[]);
  const reading = rows.filter((g) => g.topics.includes(topic));
  return eachLimited(reading, async (g) => {
    let lag = 0;
    try {
      const o = await groupOffsets(ctx, g.groupId);
      lag = totalLag({ ...o, offsets: o.offsets.filter((x) => x.topic === topic) });
    } catch {
      // Shown with no lag rather than not at all.
    }
    return { groupId: g.groupId, state: g.state, lag };
  });
}

export async function groupDetail(ctx: ConsoleContext, groupId: string): Promise<GroupDetail> {
  const [[d], offsets] = await Promise.all([ctx.admin.describeGroups([groupId]), groupOffsets(ctx, groupId)]);
  const owner = new Map<string, { memberId: string; clientId: string; host: string }>();
  for (const m of d.members)
    for (const a of m.assignment ?? [])
      owner.set(key(a.topic, a.partition), { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
  const tps = new Map<string, { topic: string; partition: number; committed: number | null }>();
  for (const o of offsets.offsets) tps.set(key(o.topic, o.partition), { ...o, committed: o.offset });
  for (const m of d.members)
    for (const a of m.assignment ?? []) {
      const k = key(a.topic, a.partition);
      if (!tps.has(k)) tps.set(k, { ...a, committed: null });
    }
  const missing = [...tps.values()].filter((tp) => !offsets.latest.has(key(tp.topic, tp.partition)));
  for (const [k, v] of await latestOffsets(ctx.admin, missing)) offsets.latest.set(k, v);
  const rows: GroupPartitionRow[] = [...tps.values()].map((tp) => {
    const k = key(tp.topic, tp.partition);
    const latest = offsets.latest.get(k) ?? -1;
    const m = owner.get(k);
    return {
      topic: tp.topic,
      partition: tp.partition,
      committed: tp.committed,
      latest,
      lag: tp.committed !== null && latest >= 0 ? Math.max(0, latest - tp.committed) : null,
      lagSeconds: null,
      member: m?.memberId ?? null,
      clientId: m?.clientId ?? null,
      host: m?.host ?? null,
    };
  });
  await fillLagSeconds(ctx, rows);
  rows.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const lag = rows.reduce((n, r) => n + (r.lag ?? 0), 0);
  ctx.sampler.addLagPoint(groupId, lag);
  return {
    groupId: d.groupId,
    state: d.state,
    protocolType: d.protocolType,
    protocol: d.protocol,
    coordinator: d.coordinator,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      instanceId: m.groupInstanceId,
      assignment: (m.assignment ?? []).map((a) => `${a.topic}-${a.partition}`),
    })),
    partitions: rows,
    lag,
    history: ctx.sampler.groupHistory(groupId),
  };
}

/** Seconds since the oldest unconsumed record of each lagging partition was written. */
async function fillLagSeconds(ctx: ConsoleContext, rows: GroupPartitionRow[]): Promise<void> {
  for (const r of rows) if (r.lag === 0) r.lagSeconds = 0;
  const lagging = rows.filter((r) => r.lag !== null && r.lag > 0 && r.committed !== null);
  if (lagging.length === 0) return;
  const reads = await ctx.admin
    .readRecords(
      lagging.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.committed as number })),
      { recordsMax: 1, partitionBytesMax: 64 * 1024 },
    )
    .catch(() => []);
  const now = Date.now();
  reads.forEach((read, i) => {
    const first = read.records[0];
    if (first) lagging[i].lagSeconds = Math.max(0, (now - first.timestamp) / 1000);
  });
}

export async function resetPlan(ctx: ConsoleContext, groupId: string, req: ResetRequest): Promise<ResetPlan> {
  if (!Array.isArray(req.topics) || req.topics.length === 0) throw new BadRequest('choose the topics to reset');
  const needsValue = req.to === 'timestamp' || req.to === 'offset' || req.to === 'shift';
  if (!['earliest', 'latest', 'timestamp', 'offset', 'shift'].includes(req.to))
    throw new BadRequest('reset to earliest, latest, timestamp, offset or shift');
  if (needsValue && (typeof req.value !== 'number' || !Number.isSafeInteger(req.value)))
    throw new BadRequest(`reset to ${req.to} needs a whole number`);
  const [[d], topics, committed] = await Promise.all([
    ctx.admin.describeGroups([groupId]),
    ctx.admin.describeTopics(req.topics, { timeoutMs: CALL_TIMEOUT_MS }),
    ctx.admin.listGroupOffsets(groupId),
  ]);
  const tps = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
  const at = (q: 'earliest' | 'latest' | number) =>
    ctx.admin.listOffsets(
      tps.map((tp) => ({ ...tp, at: q })),
      { timeoutMs: CALL_TIMEOUT_MS },
    );
  const [earliest, latest, byTime] = await Promise.all([
    at('earliest'),
    at('latest'),
    req.to === 'timestamp' ? at(req.value as number) : Promise.resolve(null),
  ]);
  const current = new Map(committed.filter((c) => c.offset >= 0).map((c) => [key(c.topic, c.partition), c.offset]));
  const rows = tps.map((tp, i) => {
    const lo = earliest[i].offset;
    const hi = latest[i].offset;
    const cur = current.get(key(tp.topic, tp.partition)) ?? null;
    const v = req.value as number;
    let target: number;
    if (req.to === 'earliest') target = lo;
    else if (req.to === 'latest') target = hi;
    else if (req.to === 'timestamp') target = (byTime?.[i].offset ?? -1) < 0 ? hi : (byTime?.[i].offset as number);
    else if (req.to === 'offset') target = v;
    else target = (cur ?? lo) + v;
    target = Math.min(hi, Math.max(lo, target));
    return { ...tp, current: cur, target, lagAfter: hi - target };
  });
  const blocked =
    d.state === 'Empty' || d.state === 'Dead'
      ? null
      : `the group has ${d.members.length} active member(s) (state ${d.state}): stop its consumers first`;
  return { groupId, state: d.state, blocked, rows };
}

export async function applyReset(ctx: ConsoleContext, groupId: string, req: ResetRequest): Promise<ResetPlan> {
  const plan = await resetPlan(ctx, groupId, req);
  if (plan.blocked) throw new BadRequest(plan.blocked);
  await ctx.admin.alterGroupOffsets(
    groupId,
    plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.target })),
  );
  return plan;
}

export async function deleteGroup(ctx: ConsoleContext, groupId: string): Promise<void> {
  await ctx.admin.deleteGroups([groupId]);
}

// Topics: the list (partitions, replication, size, records, throughput), a topic's page
// (partitions, configs, the groups reading it) and the changes (create, delete, add partitions,
// edit configs). Sizes come from DescribeLogDirs and count every replica, as the disks hold them.
import type { LogDirDescription } from '../../client/admin.js';
import { TOPIC_CONFIGS } from '../../config/registry.js';
import type { ConfigDoc, ConfigRow, PartitionRow, TopicDetail, TopicList, TopicRow } from '../api-types.js';
import { CALL_TIMEOUT_MS, type ConsoleContext } from '../context.js';
import { BadRequest } from './errors.js';
import { groupsReading } from './groups.js';
import { key, watermarks } from './offsets.js';
import { partitionSizes } from './log-dirs.js';

export async function topicList(ctx: ConsoleContext): Promise<TopicList> {
  const { topics, marks, sizes, atMs } = await ctx.sampler.topics();
  const rows: TopicRow[] = topics.map((t) => {
    let records = 0;
    let size = 0;
    for (const p of t.partitions) {
      const w = marks.get(key(t.name, p.partition));
      if (w && w.latest >= 0 && w.earliest >= 0) records += w.latest - w.earliest;
      size += sizes?.get(key(t.name, p.partition)) ?? 0;
    }
    return {
      name: t.name,
      internal: t.isInternal,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      sizeBytes: sizes ? size : -1,
      records,
      recordsPerSec: ctx.sampler.rate(t.name),
      underReplicated: t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
      offline: t.partitions.filter((p) => p.leader < 0).length,
    };
  });
  return { topics: rows, partitions: topics.reduce((n, t) => n + t.partitions.length, 0), sampledAtMs: atMs };
}

export async function topicDetail(ctx: ConsoleContext, name: string): Promise<TopicDetail> {
  const [t] = await ctx.admin.describeTopics([name], { timeoutMs: CALL_TIMEOUT_MS });
  const [marks, sizes, configs, groups] = await Promise.all([
    watermarks(ctx.admin, [t]),
    partitionSizes(ctx.admin),
    topicConfigs(ctx, name),
    groupsReading(ctx, name),
  ]);
  const partitions: PartitionRow[] = t.partitions.map((p) => {
    const w = marks.get(key(name, p.partition));
    return {
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offline: p.offlineReplicas,
      earliest: w?.earliest ?? -1,
      latest: w?.latest ?? -1,
      sizeBytes: sizes?.get(key(name, p.partition)) ?? -1,
    };
  });
  return {
    name: t.name,
    topicId: t.topicId,
    internal: t.isInternal,
    partitions,
    configs,
    groups,
    records: partitions.reduce((n, p) => n + (p.latest >= 0 && p.earliest >= 0 ? p.latest - p.earliest : 0), 0),
    sizeBytes: partitions.reduce((n, p) => n + Math.max(0, p.sizeBytes), 0),
  };
}

async function topicConfigs(ctx: ConsoleContext, name: string): Promise<ConfigRow[]> {
  const [d] = await ctx.admin.describeConfigs([{ type: 'topic', name }]);
  return d.configs
    .map((c) => ({
      name: c.name,
      value: c.value,
      source: c.source,
      readOnly: c.readOnly,
      sensitive: c.isSensitive,
      isDefault: c.isDefault,
      doc: TOPIC_CONFIGS.get(c.name)?.doc ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The topic configs a create form offers, with their documentation (written for Samsa). */
export function configDocs(): ConfigDoc[] {
  return [...TOPIC_CONFIGS.values()]
    .filter((d) => !d.internal && !d.removedIn)
    .map((d) => {
      const v = d.validator;
      return {
        name: d.name,
        type: d.type,
        default: d.defaultText,
        doc: d.note ? `${d.doc} ${d.note}` : d.doc,
        validValues: v?.kind === 'one-of' || v?.kind === 'list-of' ? [...v.values] : null,
        min: v?.kind === 'range' ? (v.min ?? null) : null,
        max: v?.kind === 'range' ? (v.max ?? null) : null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface NewTopicBody {
  name?: unknown;
  partitions?: unknown;
  replicationFactor?: unknown;
  configs?: unknown;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export async function createTopic(ctx: ConsoleContext, body: NewTopicBody): Promise<void> {
  const name = String(body.name ?? '');
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..')
    throw new BadRequest('a topic name is 1 to 249 letters, digits, dots, underscores or hyphens');
  const partitions = optionalInt(body.partitions, 'partitions', 1, 100_000);
  const replicationFactor = optionalInt(body.replicationFactor, 'replication factor', 1, 32_767);
  const configs = stringMap(body.configs, 'configs');
  await ctx.admin.createTopics([{ name, numPartitions: partitions, replicationFactor, configs }], {
    timeoutMs: CALL_TIMEOUT_MS,
  });
  ctx.sampler.invalidate();
}

export async function deleteTopic(ctx: ConsoleContext, name: string): Promise<void> {
  await ctx.admin.deleteTopics([name], { timeoutMs: CALL_TIMEOUT_MS });
  ctx.sampler.invalidate();
}

export async function addPartitions(ctx: ConsoleContext, name: string, body: { count?: unknown }): Promise<void> {
  const count = optionalInt(body.count, 'partition count', 1, 100_000);
  if (count === undefined) throw new BadRequest('give the new total number of partitions');
  await ctx.admin.createPartitions({ [name]: count }, { timeoutMs: CALL_TIMEOUT_MS });
  ctx.sampler.invalidate();
}

/** Sets and removes (back to the default) topic configs in one IncrementalAlterConfigs. */
export async function alterTopicConfigs(
  ctx: ConsoleContext,
  name: string,
  body: { set?: unknown; remove?: unknown },
): Promise<void> {
  const set = stringMap(body.set, 'set') ?? {};
  const remove = Array.isArray(body.remove) ? body.remove.map(String) : [];
  const ops = [
    ...Object.entries(set).map(([k, value]) => ({ op: 'set' as const, name: k, value })),
    ...remove.map((k) => ({ op: 'delete' as const, name: k })),
  ];
  if (ops.length === 0) throw new BadRequest('nothing to change');
  await ctx.admin.incrementalAlterConfigs([{ type: 'topic', name, ops }], { timeoutMs: CALL_TIMEOUT_MS });
}

function optionalInt(v: unknown, what: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequest(`${what}: a whole number from ${min} to ${max}`);
  return n;
}

function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`${what}: expected names and values`);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, String(x)]));
}

// Topic creation for the mirror: MirrorMaker's internal topics (single-partition, compacted) and
// remote topics. A replication factor above the cluster's broker count is lowered to it, with a
// warning: MirrorMaker would fail the creation and let the first write auto-create the topic with
// the broker's defaults (so with the wrong partition count), which is worse than a smaller factor on a
// cluster that cannot hold more copies anyway. -1 asks for the broker's default.
import type { Admin, KafkaError } from '../client/index.js';
import type { MirrorLogger } from './logger.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs?: Record<string, string>;
}

const warned = new Set<string>();

/** Replication factor the cluster can hold. */
export async function usableReplicationFactor(
  admin: Admin,
  wanted: number,
  what: string,
  log: MirrorLogger,
): Promise<number | undefined> {
  if (wanted < 0) return undefined;
  const brokers = (await admin.describeCluster()).brokers.length;
  if (brokers > 0 && wanted > brokers) {
    const text = `${what}: replication factor ${wanted} lowered to ${brokers}, the number of brokers`;
    if (!warned.has(text)) log.warn(text);
    warned.add(text);
    return brokers;
  }
  return wanted;
}

/** Creates the topics that do not exist yet; true for each one created (or found). */
export async function createTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  log: MirrorLogger,
  clusterAlias: string,
): Promise<Map<string, KafkaError | null>> {
  const out = new Map<string, KafkaError | null>();
  if (specs.length === 0) return out;
  const rf = new Map<number, number | undefined>();
  for (const s of specs) {
    if (!rf.has(s.replicationFactor))
      rf.set(
        s.replicationFactor,
        await usableReplicationFactor(admin, s.replicationFactor, `topics on ${clusterAlias}`, log),
      );
  }
  await Promise.all(
    specs.map(async (s) => {
      try {
        await admin.createTopics([
          {
            name: s.name,
            numPartitions: s.partitions,
            replicationFactor: rf.get(s.replicationFactor),
            configs: s.configs,
          },
        ]);
        out.set(s.name, null);
        log.info(`Created topic ${s.name} on ${clusterAlias} with ${s.partitions} partitions.`);
      } catch (err) {
        const e = err as KafkaError;
        out.set(s.name, e.code === 'TOPIC_ALREADY_EXISTS' ? null : e);
      }
    }),
  );
  return out;
}

/** MirrorMaker's internal topics: compacted, one partition (the offsets topic has more). */
export async function ensureInternalTopic(
  admin: Admin,
  name: string,
  replicationFactor: number,
  log: MirrorLogger,
  clusterAlias: string,
  partitions = 1,
): Promise<void> {
  const existing = await admin.listTopics({ includeInternal: true });
  if (existing.includes(name)) return;
  const res = await createTopics(
    admin,
    [{ name, partitions, replicationFactor, configs: { 'cleanup.policy': 'compact' } }],
    log,
    clusterAlias,
  );
  const err = res.get(name);
  if (err) throw err;
}

// samsa cluster info: cluster id, controller, brokers, a count of topics and partitions, and the
// metadata quorum (its leader, epoch, high watermark, voters and observers with their lag).
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { parseServers, QuorumClient } from '../lib/quorum-client.js';
import { type Command, type Context, printJson, summary, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'cluster info',
  summary: 'Show the cluster: its id, controller and brokers, and how many topics and partitions it has.',
  usage: 'cluster info [options]',
  specs: [],
  examples: ['samsa cluster info', 'samsa cluster info -b kafka-1:9092 --json'],
  async run(_args: ParsedArgs, ctx: Context): Promise<number> {
    const info = await withAdmin(ctx.settings(), async (admin) => {
      const cluster = await admin.describeCluster();
      const topics = await admin.listTopics({ includeInternal: true });
      const described = topics.length > 0 ? await admin.describeTopics(topics) : [];
      return {
        clusterId: cluster.clusterId,
        controllerId: cluster.controllerId,
        brokers: [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId),
        topics: described.filter((t) => !t.isInternal).length,
        internalTopics: described.filter((t) => t.isInternal).length,
        partitions: described.reduce((n, t) => n + t.partitions.length, 0),
        quorum: await describeQuorum(ctx),
      };
    });
    if (ctx.json) {
      printJson(info);
      return 0;
    }
    println(
      `${summary([
        ['CLUSTER', info.clusterId],
        ['CONTROLLER', info.controllerId],
        ['TOPICS', `${info.topics} (+${info.internalTopics} internal), ${info.partitions} partitions`],
      ])}\n\nBROKERS\n${table(
        ['ID', 'HOST', 'PORT', 'RACK'],
        info.brokers.map((b) => [
          `${b.nodeId}${b.nodeId === info.controllerId ? '*' : ''}`,
          b.host,
          b.port,
          b.rack,
        ]),
      )}${info.quorum ? quorumText(info.quorum) : ''}`,
    );
    return 0;
  },
};

interface QuorumInfo {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  replicas: { id: number; role: string; logEndOffset: number; lag: number }[];
}

/** The quorum as the active controller describes it (through the broker); null when it cannot be had. */
async function describeQuorum(ctx: Context): Promise<QuorumInfo | null> {
  const client = new QuorumClient({
    servers: parseServers(ctx.brokers, '--brokers'),
    controllers: false,
    requestTimeoutMs: ctx.timeoutMs,
  });
  try {
    const conn = await client.any();
    const r = await client.send<{
      errorCode: number;
      topics: {
        partitions: {
          errorCode: number;
          leaderId: number;
          leaderEpoch: number;
          highWatermark: number;
          currentVoters: { replicaId: number; logEndOffset: number }[];
          observers: { replicaId: number; logEndOffset: number }[];
        }[];
      }[];
    }>(conn, 55, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
    const p = r.topics[0]?.partitions[0];
    if (r.errorCode !== 0 || !p || p.errorCode !== 0) return null;
    const leaderEnd =
      p.currentVoters.find((v) => v.replicaId === p.leaderId)?.logEndOffset ?? p.highWatermark;
    const row = (role: string) => (v: { replicaId: number; logEndOffset: number }) => ({
      id: v.replicaId,
      role: v.replicaId === p.leaderId ? 'leader' : role,
      logEndOffset: v.logEndOffset,
      lag: Math.max(0, leaderEnd - v.logEndOffset),
    });
    return {
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      highWatermark: p.highWatermark,
      replicas: [...p.currentVoters.map(row('voter')), ...p.observers.map(row('observer'))],
    };
  } catch {
    return null;
  } finally {
    client.close();
  }
}

function quorumText(q: QuorumInfo): string {
  return `\n\nQUORUM (leader ${q.leaderId}, epoch ${q.leaderEpoch}, high watermark ${q.highWatermark})\n${table(
    ['ID', 'ROLE', 'LOG END', 'LAG'],
    q.replicas.map((r) => [r.id, r.role, r.logEndOffset, r.lag]),
  )}`;
}

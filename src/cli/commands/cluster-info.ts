// samsa cluster info: cluster id, controller, brokers, and a count of topics and partitions.
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
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
      )}`,
    );
    return 0;
  },
};

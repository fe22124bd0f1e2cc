// samsa topic list [REGEX] [-i]
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { selectTopics } from '../lib/topics.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'topic list',
  summary: 'List topics with their partition count and replication factor.',
  usage: 'topic list [REGEX] [options]',
  specs: [{ name: 'internal', short: 'i', help: 'Include internal topics (__consumer_offsets, ...)' }],
  examples: ['samsa topic list', "samsa topic list 'orders.*'", 'samsa topic list -i --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const rows = await withAdmin(ctx.settings(), async (admin) => {
      const topics = await selectTopics(admin, args.positionals[0], args.has('internal'));
      if (topics.length === 0) return [];
      const described = await admin.describeTopics(topics);
      return described
        .map((d) => ({
          name: d.name,
          id: d.topicId,
          partitions: d.partitions.length,
          replicas: d.partitions[0]?.replicas.length ?? 0,
          internal: d.isInternal,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    });
    if (ctx.json) printJson(rows);
    else
      println(
        table(
          ['NAME', 'PARTITIONS', 'REPLICAS'],
          rows.map((r) => [r.name, r.partitions, r.replicas]),
        ),
      );
    return 0;
  },
};

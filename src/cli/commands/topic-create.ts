// samsa topic create NAME... [-p N] [-r N] [-c key=value]...
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, names, printJson, table } from '../lib/samsa-common.js';
import { parseTopicConfigs } from '../lib/topics.js';
import { errorMessage, println } from '../tool.js';

export const command: Command = {
  name: 'topic create',
  summary: 'Create topics.',
  usage: 'topic create NAME... [options]',
  specs: [
    {
      name: 'partitions',
      short: 'p',
      arg: 'required',
      argName: 'N',
      help: "Partitions of each topic (default: the broker's num.partitions)",
    },
    {
      name: 'replicas',
      short: 'r',
      arg: 'required',
      argName: 'N',
      help: "Replicas of each partition (default: the broker's default.replication.factor)",
    },
    {
      name: 'config',
      short: 'c',
      arg: 'required',
      argName: 'key=value',
      help: 'A topic config (repeatable)',
    },
    { name: 'if-not-exists', help: 'Succeed when a topic already exists' },
  ],
  examples: [
    'samsa topic create orders',
    'samsa topic create orders payments -p 6',
    'samsa topic create events -p 3 -c retention.ms=86400000 -c cleanup.policy=compact',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const topics = names(args, 'topic');
    const numPartitions = args.int('partitions', { min: 1 });
    const replicationFactor = args.int('replicas', { min: 1, max: 32767 });
    const configs = parseTopicConfigs(args.all('config'));
    const results = await withAdmin(ctx.settings(), (admin) =>
      Promise.all(
        topics.map(async (name) => {
          try {
            const [t] = await admin.createTopics([{ name, numPartitions, replicationFactor, configs }]);
            return {
              topic: name,
              ok: true,
              id: t.topicId,
              partitions: t.numPartitions,
              replicas: t.replicationFactor,
            };
          } catch (err) {
            const exists = (err as { code?: string }).code === 'TOPIC_ALREADY_EXISTS';
            if (exists && args.has('if-not-exists')) return { topic: name, ok: true, existed: true };
            return { topic: name, ok: false, error: errorMessage(err) };
          }
        }),
      ),
    );
    if (ctx.json) printJson(results);
    else
      println(
        table(
          ['TOPIC', 'STATUS'],
          results.map((r) => [r.topic, r.ok ? ('existed' in r ? 'OK (exists)' : 'OK') : r.error]),
        ),
      );
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};

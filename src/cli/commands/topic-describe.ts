// samsa topic describe NAME... [-s] [-c] [-p]: a summary, the configs with their source, and the
// partitions with their leader, replicas and watermarks.
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, names, printJson, summary, table } from '../lib/samsa-common.js';
import { describeTopicDetails } from '../lib/topics.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'topic describe',
  summary: 'Describe topics: summary, configs and partitions (with log start offset and high watermark).',
  usage: 'topic describe NAME... [options]',
  specs: [
    { name: 'summary', short: 's', help: 'Only the summary' },
    { name: 'configs', short: 'c', help: 'Only the configs' },
    { name: 'partitions', short: 'p', help: 'Only the partitions' },
    { name: 'overrides', short: 'o', help: 'Only configs set on the topic (not defaults)' },
  ],
  examples: [
    'samsa topic describe orders',
    'samsa topic describe orders -p',
    'samsa topic describe orders payments --json',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const topics = names(args, 'topic');
    const picked = ['summary', 'configs', 'partitions'].filter((s) => args.has(s));
    const show = (s: string) => picked.length === 0 || picked.includes(s);
    const described = await withAdmin(ctx.settings(), async (admin) => {
      const details = await describeTopicDetails(admin, topics);
      const tps = details.flatMap((d) =>
        d.description.partitions.map((p) => ({ topic: d.description.name, partition: p.partition })),
      );
      const [starts, ends] =
        tps.length === 0
          ? [[], []]
          : await Promise.all([
              admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'earliest' as const }))),
              admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'latest' as const }))),
            ]);
      let i = 0;
      return details.map((d) => ({
        name: d.description.name,
        id: d.description.topicId,
        internal: d.description.isInternal,
        replicas: d.description.partitions[0]?.replicas.length ?? 0,
        configs: d.configs
          .filter((c) => !args.has('overrides') || !c.isDefault)
          .map((c) => ({ name: c.name, value: c.value, source: c.source, sensitive: c.isSensitive })),
        partitions: d.description.partitions.map((p) => {
          const j = i++;
          return {
            partition: p.partition,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
            logStartOffset: starts[j]?.offset ?? null,
            highWatermark: ends[j]?.offset ?? null,
          };
        }),
      }));
    });
    if (ctx.json) {
      printJson(described);
      return 0;
    }
    const blocks: string[] = [];
    for (const t of described) {
      const parts: string[] = [];
      if (show('summary')) {
        parts.push(
          `SUMMARY\n${summary([
            ['NAME', t.name],
            ['ID', t.id],
            ['PARTITIONS', t.partitions.length],
            ['REPLICAS', t.replicas],
            ['INTERNAL', String(t.internal)],
          ])}`,
        );
      }
      if (show('configs')) {
        parts.push(
          `CONFIGS\n${table(
            ['KEY', 'VALUE', 'SOURCE'],
            t.configs.map((c) => [c.name, c.value, c.source]),
          )}`,
        );
      }
      if (show('partitions')) {
        parts.push(
          `PARTITIONS\n${table(
            ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK'],
            t.partitions.map((p) => [
              p.partition,
              p.leader >= 0 ? p.leader : 'none',
              p.leaderEpoch,
              p.replicas.join(','),
              p.isr.join(','),
              p.logStartOffset,
              p.highWatermark,
            ]),
          )}`,
        );
      }
      blocks.push(parts.join('\n\n'));
    }
    println(blocks.join('\n\n'));
    return 0;
  },
};

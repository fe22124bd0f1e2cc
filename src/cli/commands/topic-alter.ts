// samsa topic alter NAME [--partitions N] [--set key=value]... [--delete key]...
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, names, printJson, table } from '../lib/samsa-common.js';
import { parseTopicConfigs } from '../lib/topics.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'topic alter',
  summary: 'Change topics: raise the partition count, set or remove configs.',
  usage: 'topic alter NAME... [options]',
  specs: [
    {
      name: 'partitions',
      short: 'p',
      arg: 'required',
      argName: 'N',
      help: 'The new (higher) partition count',
    },
    { name: 'set', arg: 'required', argName: 'key=value', help: 'Set a topic config (repeatable)' },
    {
      name: 'delete',
      arg: 'required',
      argName: 'key',
      help: 'Remove a topic config, back to the default (repeatable)',
    },
  ],
  examples: [
    'samsa topic alter orders -p 12',
    'samsa topic alter orders --set retention.ms=3600000 --set cleanup.policy=compact',
    'samsa topic alter orders --delete retention.ms',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const topics = names(args, 'topic');
    const partitions = args.int('partitions', { min: 1 });
    const set = parseTopicConfigs(args.all('set'));
    const remove = args.all('delete');
    if (partitions === undefined && Object.keys(set).length === 0 && remove.length === 0) {
      throw new UsageError('nothing to change: give --partitions, --set or --delete');
    }
    await withAdmin(ctx.settings(), async (admin) => {
      if (partitions !== undefined)
        await admin.createPartitions(Object.fromEntries(topics.map((t) => [t, partitions])));
      if (Object.keys(set).length > 0 || remove.length > 0) {
        await admin.incrementalAlterConfigs(
          topics.map((name) => ({
            type: 'topic' as const,
            name,
            ops: [
              ...Object.entries(set).map(([k, value]) => ({ op: 'set' as const, name: k, value })),
              ...remove.map((k) => ({ op: 'delete' as const, name: k })),
            ],
          })),
        );
      }
    });
    const changes = [
      ...(partitions !== undefined ? [`partitions=${partitions}`] : []),
      ...Object.entries(set).map(([k, v]) => `${k}=${v}`),
      ...remove.map((k) => `-${k}`),
    ];
    if (ctx.json) printJson(topics.map((topic) => ({ topic, ok: true, changes })));
    else
      println(
        table(
          ['TOPIC', 'STATUS', 'CHANGES'],
          topics.map((t) => [t, 'OK', changes.join(' ')]),
        ),
      );
    return 0;
  },
};

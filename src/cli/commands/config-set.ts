// samsa config set (--topic T | --broker N | --cluster) KEY=VALUE... [--delete KEY]...
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { parseTopicConfigs } from '../lib/topics.js';
import { println } from '../tool.js';
import { ENTITY_SPECS, entity } from './config-get.js';

export const command: Command = {
  name: 'config set',
  summary: 'Set or remove configs of a topic, a broker, or the cluster-wide broker defaults.',
  usage: 'config set [--topic T | --broker N | --cluster] KEY=VALUE... [--delete KEY]... [options]',
  specs: [
    ...ENTITY_SPECS,
    {
      name: 'delete',
      short: 'd',
      arg: 'required',
      argName: 'KEY',
      help: 'Remove a config, back to its default (repeatable)',
    },
  ],
  examples: [
    'samsa config set --topic orders retention.ms=86400000',
    'samsa config set --topic orders --delete retention.ms',
    'samsa config set log.retention.hours=24',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const e = entity(args);
    const set = parseTopicConfigs(args.positionals);
    const remove = args.all('delete');
    if (Object.keys(set).length === 0 && remove.length === 0)
      throw new UsageError('nothing to change: give KEY=VALUE or --delete KEY');
    await withAdmin(ctx.settings(), (admin) =>
      admin.incrementalAlterConfigs([
        {
          type: e.type,
          name: e.name,
          ops: [
            ...Object.entries(set).map(([name, value]) => ({ op: 'set' as const, name, value })),
            ...remove.map((name) => ({ op: 'delete' as const, name })),
          ],
        },
      ]),
    );
    const rows = [
      ...Object.entries(set).map(([k, v]) => ({ key: k, value: v as string | null, action: 'set' })),
      ...remove.map((k) => ({ key: k, value: null, action: 'deleted' })),
    ];
    if (ctx.json) printJson({ entity: e, changes: rows });
    else
      println(
        table(
          ['KEY', 'VALUE', 'STATUS'],
          rows.map((r) => [r.key, r.value, r.action === 'set' ? 'OK' : 'DELETED']),
        ),
      );
    return 0;
  },
};

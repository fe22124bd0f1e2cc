// samsa config get (--topic T | --broker N | --cluster) [KEY...]

import type { ConfigResourceType } from '../../client/index.js';
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

export const ENTITY_SPECS = [
  { name: 'topic', short: 't', arg: 'required' as const, argName: 'NAME', help: 'A topic' },
  {
    name: 'broker',
    arg: 'required' as const,
    argName: 'ID',
    help: 'A broker (default: the cluster-wide broker defaults)',
  },
  { name: 'cluster', help: 'The cluster-wide broker defaults (the default)' },
];

/** The config resource the flags name: a topic, a broker, or the cluster-wide broker default. */
export function entity(args: ParsedArgs): { type: ConfigResourceType; name: string; label: string } {
  const given = ['topic', 'broker', 'cluster'].filter((f) => args.has(f));
  if (given.length > 1) throw new UsageError('give one of --topic, --broker, --cluster');
  if (args.has('topic'))
    return { type: 'topic', name: args.get('topic') as string, label: `topic ${args.get('topic')}` };
  if (args.has('broker')) {
    const id = args.get('broker') as string;
    if (!/^\d+$/.test(id)) throw new UsageError(`--broker '${id}' is not a broker id`);
    return { type: 'broker', name: id, label: `broker ${id}` };
  }
  return { type: 'broker', name: '', label: 'cluster defaults' };
}

export const command: Command = {
  name: 'config get',
  summary:
    'Show the configs of a topic, a broker, or the cluster-wide broker defaults, with where each value comes from.',
  usage: 'config get [--topic T | --broker N | --cluster] [KEY...] [options]',
  specs: [
    ...ENTITY_SPECS,
    { name: 'overrides', short: 'o', help: 'Only values set explicitly (not defaults)' },
  ],
  examples: [
    'samsa config get --topic orders',
    'samsa config get --topic orders retention.ms cleanup.policy',
    'samsa config get --broker 1 -o',
    'samsa config get log.retention.hours',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const e = entity(args);
    const keys = args.positionals.length > 0 ? [...args.positionals] : undefined;
    const [d] = await withAdmin(ctx.settings(), (admin) =>
      admin.describeConfigs([{ type: e.type, name: e.name, keys }], { includeSynonyms: true }),
    );
    const configs = d.configs
      .filter((c) => !args.has('overrides') || !c.isDefault)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const missing = keys?.filter((k) => !configs.some((c) => c.name === k)) ?? [];
    if (ctx.json) {
      printJson(
        configs.map((c) => ({
          name: c.name,
          value: c.value,
          source: c.source,
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          synonyms: c.synonyms,
        })),
      );
    } else
      println(
        table(
          ['KEY', 'VALUE', 'SOURCE'],
          configs.map((c) => [c.name, c.isSensitive ? '(sensitive)' : c.value, c.source]),
        ),
      );
    if (missing.length > 0)
      throw new UsageError(`${e.label} has no config ${missing.map((m) => `'${m}'`).join(', ')}`);
    return 0;
  },
};

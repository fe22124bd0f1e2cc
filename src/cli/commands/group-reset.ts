// samsa group reset GROUP --to start|end|N|@TIME | --shift N [--topic T[:P,P]]... [--dry-run]
import { type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { describeGroups } from '../lib/groups.js';
import { parseTime } from '../lib/offset-spec.js';
import { planReset, type ResetTarget, resetPartitions } from '../lib/reset.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { eprintln, println } from '../tool.js';

function target(args: ParsedArgs): ResetTarget {
  const to = args.get('to');
  if (args.has('shift') === (to !== undefined)) throw new UsageError('give exactly one of --to and --shift');
  if (args.has('shift')) return { kind: 'shift', by: parseInteger(args.get('shift') as string, '--shift') };
  const t = (to as string).trim();
  if (t === 'start' || t === 'earliest' || t === 'oldest') return { kind: 'earliest' };
  if (t === 'end' || t === 'latest' || t === 'newest') return { kind: 'latest' };
  if (/^\d+$/.test(t)) return { kind: 'offset', offset: Number(t) };
  if (t.startsWith('@')) return { kind: 'time', timestampMs: parseTime(t.slice(1)) };
  throw new UsageError(`--to '${t}': use start, end, an offset, or @TIME (ms, ISO date-time, or -1h)`);
}

export const command: Command = {
  name: 'group reset',
  summary: "Move a consumer group's committed offsets. The group must have no active members.",
  usage: 'group reset GROUP (--to WHERE | --shift N) [options]',
  specs: [
    {
      name: 'to',
      arg: 'required',
      argName: 'WHERE',
      help: 'start, end, an offset, or @TIME (ms, 2026-11-26T10:00:00Z, -1h)',
    },
    {
      name: 'shift',
      arg: 'required',
      argName: 'N',
      help: 'Move the committed offsets by N (negative: back)',
    },
    {
      name: 'topic',
      short: 't',
      arg: 'required',
      argName: 'T[:P,P]',
      help: 'Only this topic, or these partitions of it (repeatable; default: every topic the group has offsets for)',
    },
    { name: 'dry-run', help: 'Show the new offsets without committing them' },
  ],
  examples: [
    'samsa group reset billing --to start',
    'samsa group reset billing --to @-2h --topic orders',
    'samsa group reset billing --shift -100 --topic orders:0,1 --dry-run',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const [group, ...extra] = args.positionals;
    if (!group || extra.length > 0) throw new UsageError('name one group');
    const t = target(args);
    const planned = await withAdmin(ctx.settings(), async (admin) => {
      const [d] = await describeGroups(admin, [group]);
      if (d.state !== 'Empty' && d.state !== 'Dead') {
        throw new UsageError(
          `group '${group}' is ${d.state} with ${d.members.length} member(s); stop its consumers first`,
        );
      }
      const partitions = args.has('topic')
        ? await resetPartitions(admin, args.all('topic'))
        : (await admin.listGroupOffsets(group))
            .filter((c) => c.offset >= 0)
            .map(({ topic, partition }) => ({ topic, partition }));
      if (partitions.length === 0)
        throw new UsageError(`group '${group}' has no committed offsets; name the topics with --topic`);
      const plan = await planReset(admin, group, partitions, t, eprintln);
      if (!args.has('dry-run') && plan.length > 0) {
        await admin.alterGroupOffsets(
          group,
          plan.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        );
      }
      return plan;
    });
    if (ctx.json) printJson({ group, executed: !args.has('dry-run'), partitions: planned });
    else {
      println(
        table(
          ['TOPIC', 'PARTITION', 'OLD-OFFSET', 'NEW-OFFSET'],
          planned.map((p) => [p.topic, p.partition, p.previous, p.offset]),
        ),
      );
      if (args.has('dry-run')) eprintln('(dry run: nothing was committed)');
    }
    return 0;
  },
};

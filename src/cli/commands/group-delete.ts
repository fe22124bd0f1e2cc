// samsa group delete GROUP... [--topic T]...: delete groups, or only their offsets of some topics.
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { resetPartitions } from '../lib/reset.js';
import { type Command, type Context, names, printJson, table } from '../lib/samsa-common.js';
import { errorMessage, println } from '../tool.js';

export const command: Command = {
  name: 'group delete',
  summary: 'Delete consumer groups (they must have no active members), or only their offsets of some topics.',
  usage: 'group delete GROUP... [options]',
  specs: [
    {
      name: 'topic',
      short: 't',
      arg: 'required',
      argName: 'T[:P,P]',
      help: 'Delete only the offsets of this topic (repeatable)',
    },
  ],
  examples: ['samsa group delete billing', 'samsa group delete billing --topic orders'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const groups = names(args, 'group');
    const results = await withAdmin(ctx.settings(), async (admin) => {
      const partitions = args.has('topic') ? await resetPartitions(admin, args.all('topic')) : null;
      return Promise.all(
        groups.map(async (group) => {
          try {
            if (partitions) await admin.deleteGroupOffsets(group, partitions);
            else await admin.deleteGroups([group]);
            return { group, ok: true };
          } catch (err) {
            return { group, ok: false, error: errorMessage(err) };
          }
        }),
      );
    });
    if (ctx.json) printJson(results);
    else
      println(
        table(
          ['GROUP', 'STATUS'],
          results.map((r) => [r.group, r.ok ? 'OK' : r.error]),
        ),
      );
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};

// samsa group list [-s STATE,...]
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { groupTypeName, parseStates } from '../lib/groups.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'group list',
  summary: 'List consumer groups with their state.',
  usage: 'group list [options]',
  specs: [
    {
      name: 'state',
      short: 's',
      arg: 'required',
      argName: 'STATE,...',
      help: 'Only groups in these states (Stable, Empty, PreparingRebalance, ...)',
    },
  ],
  examples: ['samsa group list', 'samsa group list -s stable', 'samsa group list --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const states = args.has('state') ? parseStates(args.get('state') as string) : [];
    const groups = await withAdmin(ctx.settings(), (admin) => admin.listGroups({ states }));
    const rows = groups.map((g) => ({
      group: g.groupId,
      state: g.state,
      type: g.type ? groupTypeName(g.type) : null,
      protocolType: g.protocolType,
    }));
    if (ctx.json) printJson(rows);
    else
      println(
        table(
          ['GROUP', 'STATE', 'TYPE', 'PROTOCOL-TYPE'],
          rows.map((r) => [r.group, r.state, r.type, r.protocolType || '-']),
        ),
      );
    return 0;
  },
};

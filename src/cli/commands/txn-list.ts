// samsa txn list [-s STATE,...] [--older-than DURATION]
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, parseDuration, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

const STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort'];

export const command: Command = {
  name: 'txn list',
  summary: 'List the transactional ids the brokers coordinate, with their producer id and state.',
  usage: 'txn list [options]',
  specs: [
    {
      name: 'state',
      short: 's',
      arg: 'required',
      argName: 'STATE,...',
      help: `Only these states (${STATES.join(', ')}; any case)`,
    },
    {
      name: 'older-than',
      arg: 'required',
      argName: 'DURATION',
      help: 'Only transactions running longer than this (e.g. 30s, 5m)',
    },
  ],
  examples: ['samsa txn list', 'samsa txn list -s ongoing --older-than 1m', 'samsa txn list --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const states = (args.get('state') ?? '')
      .split(',')
      .filter(Boolean)
      .map((s) => {
        const known = STATES.find((k) => k.toLowerCase() === s.trim().toLowerCase());
        if (!known) throw new UsageError(`--state: '${s}' is not one of ${STATES.join(', ')}`);
        return known;
      });
    const durationMs = args.has('older-than')
      ? parseDuration(args.get('older-than') as string, '--older-than')
      : undefined;
    const listed = await withAdmin(ctx.settings(), (admin) => admin.listTransactions({ states, durationMs }));
    if (ctx.json) printJson(listed);
    else
      println(
        table(
          ['TRANSACTIONAL-ID', 'COORDINATOR', 'PRODUCER-ID', 'STATE'],
          listed.map((t) => [t.transactionalId, t.coordinatorId, t.producerId, t.state]),
        ),
      );
    return 0;
  },
};

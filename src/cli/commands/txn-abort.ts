// samsa txn abort TOPIC -p N --start-offset O: ends a hanging transaction with an ABORT marker.
import { type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson } from '../lib/samsa-common.js';
import { abortAtOffset } from '../lib/transactions.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'txn abort',
  summary:
    'Abort the open transaction that starts at an offset of a partition (a hanging transaction): its ABORT marker is written there and the last stable offset moves past it.',
  usage: 'txn abort TOPIC --partition N --start-offset OFFSET [options]',
  specs: [
    { name: 'partition', short: 'p', arg: 'required', argName: 'N', help: 'The partition (required)' },
    {
      name: 'start-offset',
      arg: 'required',
      argName: 'OFFSET',
      help: 'The first offset of the transaction (from samsa txn hanging or txn producers; required)',
    },
  ],
  examples: ['samsa txn abort orders -p 0 --start-offset 1234'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    if (args.positionals.length !== 1) throw new UsageError('name one topic');
    if (!args.has('partition')) throw new UsageError('--partition is required');
    if (!args.has('start-offset')) throw new UsageError('--start-offset is required');
    const tp = {
      topic: args.positionals[0],
      partition: parseInteger(args.get('partition') as string, '--partition', { min: 0 }),
    };
    const startOffset = parseInteger(args.get('start-offset') as string, '--start-offset', { min: 0 });
    await withAdmin(ctx.settings(), (admin) => abortAtOffset(admin, tp, startOffset));
    if (ctx.json) printJson({ ...tp, startOffset, aborted: true });
    else println(`Aborted the transaction at offset ${startOffset} of ${tp.topic}-${tp.partition}.`);
    return 0;
  },
};

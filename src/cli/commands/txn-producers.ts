// samsa txn producers TOPIC [-p N]: the active producers of partitions (DescribeProducers).
import { type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'txn producers',
  summary:
    "Show the active producers of a topic's partitions: epoch, last sequence, last write and open transaction.",
  usage: 'txn producers TOPIC [options]',
  specs: [{ name: 'partition', short: 'p', arg: 'required', argName: 'N', help: 'Only this partition' }],
  examples: ['samsa txn producers orders', 'samsa txn producers orders -p 2 --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    if (args.positionals.length !== 1) throw new UsageError('name one topic');
    const topic = args.positionals[0];
    const only = args.has('partition')
      ? parseInteger(args.get('partition') as string, '--partition', { min: 0 })
      : undefined;
    const rows = await withAdmin(ctx.settings(), async (admin) => {
      const [d] = await admin.describeTopics([topic]);
      const out = [];
      for (const p of d.partitions) {
        if (only !== undefined && p.partition !== only) continue;
        for (const s of await admin.describeProducers({ topic, partition: p.partition }))
          out.push({ topic, partition: p.partition, ...s });
      }
      return out;
    });
    if (ctx.json) printJson(rows);
    else
      println(
        table(
          [
            'PARTITION',
            'PRODUCER-ID',
            'EPOCH',
            'COORDINATOR-EPOCH',
            'LAST-SEQUENCE',
            'LAST-WRITE',
            'TXN-START-OFFSET',
          ],
          rows.map((r) => [
            r.partition,
            r.producerId,
            r.producerEpoch,
            r.coordinatorEpoch,
            r.lastSequence,
            new Date(r.lastTimestamp).toISOString(),
            r.currentTransactionStartOffset,
          ]),
        ),
      );
    return 0;
  },
};

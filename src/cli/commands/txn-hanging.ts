// samsa txn hanging [TOPIC...]: open transactions that no coordinator will ever end (KIP-664's search).
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, parseDuration, printJson, table } from '../lib/samsa-common.js';
import { findHanging } from '../lib/transactions.js';
import { println } from '../tool.js';

export const command: Command = {
  name: 'txn hanging',
  summary:
    'Find hanging transactions: open on a partition for longer than the longest transaction timeout, and no longer known to their coordinator there.',
  usage: 'txn hanging [TOPIC...] [options]',
  specs: [
    {
      name: 'max-timeout',
      arg: 'required',
      argName: 'DURATION',
      help: "The longest transaction timeout to allow for (default 15m, the broker's transaction.max.timeout.ms)",
    },
  ],
  examples: ['samsa txn hanging', 'samsa txn hanging orders --max-timeout 1m'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const maxTransactionTimeoutMs = parseDuration(args.get('max-timeout') ?? '15m', '--max-timeout');
    const now = Date.now();
    const hanging = await withAdmin(ctx.settings(), async (admin) => {
      const topics = args.positionals.length > 0 ? [...args.positionals] : [undefined];
      const out = [];
      for (const topic of topics)
        out.push(...(await findHanging(admin, { topic, maxTransactionTimeoutMs }, now)));
      return out;
    });
    const rows = hanging.map((h) => ({
      topic: h.tp.topic,
      partition: h.tp.partition,
      producerId: h.producer.producerId,
      producerEpoch: h.producer.producerEpoch,
      coordinatorEpoch: h.producer.coordinatorEpoch,
      startOffset: h.producer.currentTransactionStartOffset,
      lastTimestamp: h.producer.lastTimestamp,
    }));
    if (ctx.json) printJson(rows);
    else
      println(
        table(
          ['TOPIC', 'PARTITION', 'PRODUCER-ID', 'EPOCH', 'START-OFFSET', 'OPEN-FOR'],
          rows.map((r) => [
            r.topic,
            r.partition,
            r.producerId,
            r.producerEpoch,
            r.startOffset,
            `${Math.floor((now - r.lastTimestamp) / 1000)}s`,
          ]),
        ),
      );
    return 0;
  },
};

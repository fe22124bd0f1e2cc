// samsa txn describe ID...: the coordinator's view of transactional ids.
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, names, printJson, summary } from '../lib/samsa-common.js';
import { eprintln, errorMessage, println } from '../tool.js';

export const command: Command = {
  name: 'txn describe',
  summary:
    'Describe transactional ids: producer id and epoch, state, timeout, and the partitions of the open transaction.',
  usage: 'txn describe TRANSACTIONAL-ID... [options]',
  specs: [],
  examples: ['samsa txn describe enricher-1', 'samsa txn describe enricher-1 --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const ids = names(args, 'transactional id');
    const now = Date.now();
    const results = await withAdmin(ctx.settings(), (admin) =>
      Promise.all(
        ids.map((id) =>
          admin.describeTransactions([id]).then(
            ([d]) => ({ transactionalId: id, description: d, error: null as string | null }),
            (e) => ({ transactionalId: id, description: null, error: errorMessage(e) }),
          ),
        ),
      ),
    );
    if (ctx.json) {
      printJson(
        results.map((r) =>
          r.description ? r.description : { transactionalId: r.transactionalId, error: r.error },
        ),
      );
    } else {
      const blocks: string[] = [];
      for (const r of results) {
        if (!r.description) {
          eprintln(`samsa txn describe: ${r.transactionalId}: ${r.error}`);
          continue;
        }
        const d = r.description;
        blocks.push(
          summary([
            ['TRANSACTIONAL-ID', d.transactionalId],
            ['COORDINATOR', d.coordinatorId],
            ['PRODUCER', `${d.producerId} (epoch ${d.producerEpoch})`],
            ['STATE', d.state],
            ['TIMEOUT', `${d.transactionTimeoutMs} ms`],
            [
              'STARTED',
              d.transactionStartTimeMs === null ? null : new Date(d.transactionStartTimeMs).toISOString(),
            ],
            ['RUNNING', d.transactionStartTimeMs === null ? null : `${now - d.transactionStartTimeMs} ms`],
            ['PARTITIONS', d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ') || null],
          ]),
        );
      }
      if (blocks.length > 0) println(blocks.join('\n\n'));
    }
    return results.every((r) => r.description) ? 0 : 1;
  },
};

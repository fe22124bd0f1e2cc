// samsa topic delete NAME... [-r] [--if-exists]
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, names, printJson, table } from '../lib/samsa-common.js';
import { selectTopics } from '../lib/topics.js';
import { errorMessage, println } from '../tool.js';

export const command: Command = {
  name: 'topic delete',
  summary: 'Delete topics.',
  usage: 'topic delete NAME... [options]',
  specs: [
    { name: 'regex', short: 'r', help: 'Treat the names as regular expressions' },
    { name: 'if-exists', help: 'Succeed when a topic does not exist' },
  ],
  examples: ['samsa topic delete orders', "samsa topic delete -r 'test-.*'"],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const given = names(args, 'topic');
    const results = await withAdmin(ctx.settings(), async (admin) => {
      const topics = args.has('regex')
        ? [...new Set((await Promise.all(given.map((p) => selectTopics(admin, p, false)))).flat())]
        : given;
      return Promise.all(
        topics.map(async (topic) => {
          try {
            await admin.deleteTopics([topic]);
            return { topic, ok: true };
          } catch (err) {
            const missing = (err as { code?: string }).code === 'UNKNOWN_TOPIC_OR_PARTITION';
            if (missing && args.has('if-exists')) return { topic, ok: true };
            return { topic, ok: false, error: errorMessage(err) };
          }
        }),
      );
    });
    if (ctx.json) printJson(results);
    else
      println(
        table(
          ['TOPIC', 'STATUS'],
          results.map((r) => [r.topic, r.ok ? 'OK' : r.error]),
        ),
      );
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};

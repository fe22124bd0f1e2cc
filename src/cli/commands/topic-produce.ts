// samsa produce TOPIC [VALUE...]: the values given, or one record per line of standard input.
import type { ProducerRecord, RecordMetadata } from '../../client/index.js';
import { type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { openProducer } from '../lib/clients.js';
import { Output } from '../lib/output.js';
import type { Command, Context } from '../lib/samsa-common.js';
import { SendQueue } from '../lib/send-queue.js';
import { stdinLines } from '../lib/stdin-lines.js';
import { eprintln, errorMessage } from '../tool.js';

function headers(list: readonly string[]): { key: string; value: Buffer }[] {
  return list.map((h) => {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`header '${h}': expected key:value`);
    return { key: h.slice(0, i), value: Buffer.from(h.slice(i + 1)) };
  });
}

export const command: Command = {
  name: 'produce',
  summary: 'Send records to a topic: the values given as arguments, or one per line of standard input.',
  usage: 'produce TOPIC [VALUE...] [options]',
  specs: [
    { name: 'key', short: 'k', arg: 'required', argName: 'KEY', help: 'The key of every record' },
    {
      name: 'key-separator',
      short: 'K',
      arg: 'required',
      argName: 'SEP',
      help: 'Read each line as KEY<SEP>VALUE',
    },
    {
      name: 'header',
      short: 'H',
      arg: 'required',
      argName: 'key:value',
      help: 'A header of every record (repeatable)',
    },
    {
      name: 'partition',
      short: 'p',
      arg: 'required',
      argName: 'N',
      help: 'Send to this partition (default: by key, or spread)',
    },
    {
      name: 'compression',
      short: 'z',
      arg: 'required',
      argName: 'CODEC',
      help: 'none, gzip, snappy, lz4 or zstd (default none)',
    },
    { name: 'acks', arg: 'required', argName: 'ACKS', help: 'all (default), 1 or 0' },
    { name: 'quiet', short: 'q', help: 'Print nothing per record' },
  ],
  examples: [
    'samsa produce greetings hello world',
    'echo \'{"id":1}\' | samsa produce orders -k customer-7',
    "printf 'k1=v1\\nk2=v2\\n' | samsa produce orders -K =",
    'samsa produce orders -H source:cli -z zstd < records.txt',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const [topic, ...values] = args.positionals;
    if (!topic) throw new UsageError('name the topic to produce to');
    const fixedKey = args.get('key');
    const separator = args.get('key-separator');
    const hs = headers(args.all('header'));
    const partition = args.has('partition')
      ? parseInteger(args.get('partition') as string, '--partition', { min: 0 })
      : undefined;
    const producer = await openProducer(
      ctx.settings({
        'client.id': 'samsa-produce',
        'linger.ms': '5',
        ...(args.has('compression') ? { 'compression.type': args.get('compression') as string } : {}),
        ...(args.has('acks') ? { acks: args.get('acks') as string } : {}),
      }),
    );
    const out = new Output();
    const report = (_r: ProducerRecord, m: RecordMetadata) => {
      if (args.has('quiet')) return;
      const text = ctx.json
        ? JSON.stringify({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp })
        : `Produced to partition ${m.partition} at offset ${m.offset} with timestamp ${m.timestamp}.`;
      void out.push(Buffer.from(`${text}\n`));
    };
    const queue = new SendQueue(
      producer,
      (_r, err) => eprintln(`samsa produce: ${errorMessage(err)}`),
      report,
    );
    const record = (line: string): ProducerRecord => {
      let key: string | null = fixedKey ?? null;
      let value = line;
      if (separator !== undefined) {
        const i = line.indexOf(separator);
        if (i >= 0) {
          key = line.slice(0, i);
          value = line.slice(i + separator.length);
        }
      }
      return { topic, key, value, partition, headers: hs.length > 0 ? hs : undefined };
    };
    let interrupted = 0;
    let failure: unknown = null;
    try {
      await producer.connect();
      if (values.length > 0) {
        for (const v of values) await queue.send(record(v));
      } else {
        const source = stdinLines();
        process.once('SIGINT', () => {
          interrupted = 130;
          source.stop();
        });
        for await (const line of source.lines) await queue.send(record(line));
      }
    } catch (err) {
      failure = err;
    }
    await producer.close().catch(() => {});
    await queue.drained();
    await out.flush();
    if (failure) throw failure;
    if (queue.failures > 0) {
      eprintln(`samsa produce: ${queue.failures} of ${queue.failures + queue.sent} records failed`);
      return 1;
    }
    return interrupted;
  },
};

#!/usr/bin/env node
// kafka-delete-records.sh: deletes the records of partitions before the offsets of a JSON file
// ({"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}; offset -1 means up to the
// high watermark) and prints each partition's new low watermark or its error.
import { readFileSync } from 'node:fs';
import { CommandError, type OptionSpec } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-delete-records.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server(s) to use for bootstrapping',
    help: 'REQUIRED: the broker(s) to connect to.',
  },
  {
    name: 'offset-json-file',
    arg: 'required',
    argName: 'String: Offset json file path',
    help: 'REQUIRED: a JSON file of the offset to delete up to in each partition:\n{"partitions":\n  [{"topic": "foo", "partition": 1, "offset": 1}],\n "version":1\n}',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: command config property file path',
    help: 'A properties file of admin client settings.',
  },
];

const SUMMARY = 'Deletes the records of partitions up to the given offsets.';

interface Wanted {
  topic: string;
  partition: number;
  offset: number;
}

function parsePlan(text: string): Wanted[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandError('The input string is not a valid JSON');
  }
  const o = json as { version?: unknown; partitions?: unknown };
  const version = o.version ?? 1;
  if (version !== 1) throw new CommandError(`Not supported version field value ${String(version)}`);
  if (!Array.isArray(o.partitions)) throw new CommandError('Missing partitions field');
  const out: Wanted[] = o.partitions.map((p: { topic?: unknown; partition?: unknown; offset?: unknown }) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition) || !Number.isInteger(p.offset)) {
      throw new CommandError(
        `Each partition needs a string topic and integer partition and offset: ${JSON.stringify(p)}`,
      );
    }
    return { topic: p.topic, partition: p.partition as number, offset: p.offset as number };
  });
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const w of out) {
    const k = `${w.topic}-${w.partition}`;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  if (dup.size > 0)
    throw new CommandError(`Offset json file contains duplicate topic partitions: ${[...dup].join(',')}`);
  return out;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  required(args, 'bootstrap-server', 'offset-json-file');
  const bootstrap = checkBootstrap(args.get('bootstrap-server'));
  const file = args.get('offset-json-file') as string;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandError(`${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
  const wanted = parsePlan(text);
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  let failed = 0;
  await withAdmin(adminSettings(bootstrap, props, 'kafka-delete-records'), async (admin) => {
    println('Executing records delete operation');
    const results = await Promise.all(
      wanted.map(async (w) => {
        try {
          const [r] = await admin.deleteRecords([w]);
          return `partition: ${w.topic}-${w.partition}\tlow_watermark: ${r.lowWatermark}`;
        } catch (err) {
          failed++;
          return `partition: ${w.topic}-${w.partition}\terror: ${errorMessage(err)}`;
        }
      }),
    );
    println('Records delete operation completed:');
    for (const line of results) println(line);
  });
  return failed > 0 ? 1 : 0;
}

runTool(NAME, main, { errorPrefix: '' });

#!/usr/bin/env node
// kafka-log-dirs.sh --describe: every log dir of the brokers asked for (default: all), with the size,
// offset lag and future flag of each partition replica in it, as Kafka's tool prints them (one JSON
// document after two lines of progress).
import { CommandError, type OptionSpec } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-log-dirs.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: The server(s) to use for bootstrapping',
    help: 'REQUIRED: the server(s) to use for bootstrapping',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: Admin client property file',
    help: 'Property file containing configs to be passed to Admin Client.',
  },
  { name: 'describe', help: 'Describe the specified log directories on the specified brokers.' },
  {
    name: 'topic-list',
    arg: 'required',
    argName: 'String: Topic list',
    default: '',
    help: 'The topics to query, as "topic1,topic2,topic3". All topics when not given.',
  },
  {
    name: 'broker-list',
    arg: 'required',
    argName: 'String: Broker list',
    default: '',
    help: 'The brokers to query, as "0,1,2". All brokers in the cluster when not given.',
  },
];

const SUMMARY = 'This tool helps to query log directory usage on the specified brokers.';

function splitList(text: string | undefined): string[] {
  return (text ?? '').split(',').filter((x) => x !== '');
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  required(args, 'bootstrap-server', 'describe');
  const bootstrap = checkBootstrap(args.get('bootstrap-server'));
  const topics = new Set(splitList(args.get('topic-list')));
  const asked = splitList(args.get('broker-list')).map((b) => {
    const n = Number(b);
    if (!Number.isInteger(n)) throw new CommandError(`--broker-list: '${b}' is not a broker id`);
    return n;
  });
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  await withAdmin(adminSettings(bootstrap, props, 'log-dirs-tool'), async (admin) => {
    const cluster = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
    const missing = asked.filter((b) => !cluster.has(b));
    if (missing.length > 0) {
      throw new CommandError(
        `ERROR: The given brokers do not exist from --broker-list: ${missing.join(',')}. Current existent brokers: ${[...cluster].sort((a, b) => a - b).join(',')}`,
      );
    }
    const brokers = (asked.length > 0 ? asked : [...cluster]).sort((a, b) => a - b);
    println('Querying brokers for log directories information');
    const dirs = await admin.describeLogDirs(brokers);
    println(`Received log directory information from brokers ${brokers.join(',')}`);
    const out = {
      brokers: brokers.map((broker) => ({
        broker,
        logDirs: dirs
          .filter((d) => d.broker === broker)
          .map((d) => ({
            partitions: d.partitions
              .filter((p) => topics.size === 0 || topics.has(p.topic))
              .map((p) => ({
                partition: `${p.topic}-${p.partition}`,
                size: p.sizeBytes,
                offsetLag: p.offsetLag,
                isFuture: p.isFuture,
              })),
            error: d.errorCode === 0 ? null : `error ${d.errorCode}`,
            logDir: d.logDir,
          })),
      })),
      version: 1,
    };
    println(JSON.stringify(out));
  });
  return 0;
}

runTool(NAME, main, { errorPrefix: '' });

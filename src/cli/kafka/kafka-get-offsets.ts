#!/usr/bin/env node
// kafka-get-offsets.sh: the earliest, latest or by-time offset of partitions, one
// `topic:partition:offset` line each, in the order Kafka's tool prints them.
import type { OffsetQuery, TopicPartition } from '../../client/index.js';
import { CommandError, type OptionSpec } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { BROKER_LIST_SPEC, bootstrapOf, parseKafkaArgs } from '../lib/kafka-tool.js';
import { topicPattern } from '../lib/topics.js';
import { errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-get-offsets.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: HOST1:PORT1,...,HOST3:PORT3',
    help: 'REQUIRED: the broker(s) to connect to.',
  },
  BROKER_LIST_SPEC,
  {
    name: 'topic-partitions',
    arg: 'required',
    argName: 'String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3',
    help: 'Partitions to look up, comma separated: a topic regex (all topics when left out), then optionally :N, :N-M (M excluded), :N- or :-M.',
  },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String: topic',
    help: 'The topic (a regular expression) to look up; all topics when left out. Not with --topic-partitions.',
  },
  {
    name: 'partitions',
    arg: 'required',
    argName: 'String: partition ids',
    help: 'Comma-separated partition ids; all when left out. Not with --topic-partitions.',
  },
  {
    name: 'time',
    arg: 'required',
    argName:
      'String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered',
    default: 'latest',
    help: 'Which offset: of the first record at or after a timestamp in ms, or one of the names. A partition with no record that late is left out.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of admin client settings.',
  },
  { name: 'exclude-internal-topics', help: 'Leave internal topics out.' },
];

const SUMMARY = 'Prints the offsets of topic partitions.';

type Rule = { topic: RegExp; partition: (p: number) => boolean };

const TOPIC_PARTITION = /^([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?$/;

function patternListRules(text: string): Rule[] {
  return text.split(',').map((rule) => {
    const m = TOPIC_PARTITION.exec(rule);
    if (!m) throw new CommandError(`Error occurred: Invalid rule specification: ${rule}`);
    const topic = topicPattern(m[1] ? m[1] : '.*');
    if (m[2]) {
      const n = Number(m[2]);
      return { topic, partition: (p: number) => p === n };
    }
    const low = m[3] ? Number(m[3]) : 0;
    const high = m[4] ? Number(m[4]) : Number.MAX_SAFE_INTEGER;
    return { topic, partition: (p: number) => p >= low && p < high };
  });
}

function offsetQuery(text: string): OffsetQuery | number {
  switch (text) {
    case 'earliest':
    case '-2':
      return 'earliest';
    case 'latest':
    case '-1':
      return 'latest';
    case 'max-timestamp':
    case '-3':
      return 'max-timestamp';
    case 'earliest-local':
      return -4;
    case 'latest-tiered':
      return -5;
  }
  if (!/^-?\d+$/.test(text)) {
    throw new CommandError(
      `Error occurred: Malformed time argument ${text}. Use -1 or latest, -2 or earliest, -3 or max-timestamp, -4 or earliest-local, -5 or latest-tiered, or a timestamp in milliseconds.`,
    );
  }
  return Number(text);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const bootstrap = checkBootstrap(bootstrapOf(args, true));
  if (args.has('topic-partitions') && args.any('topic', 'partitions')) {
    throw new CommandError('Error occurred: --topic-partitions cannot be used with --topic or --partitions');
  }
  const at = offsetQuery(args.get('time') as string);
  let rules: Rule[];
  if (args.has('topic-partitions')) rules = patternListRules(args.get('topic-partitions') as string);
  else {
    const text = args.get('partitions');
    const ids = text ? text.split(',').map((s) => Number(s)) : [];
    if (ids.some((n) => !Number.isInteger(n))) {
      throw new CommandError(
        `Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: ${text}`,
      );
    }
    rules = [
      {
        topic: topicPattern(args.get('topic') ?? '.*'),
        partition: (p) => ids.length === 0 || ids.includes(p),
      },
    ];
  }
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  const settings = adminSettings(bootstrap, props, 'GetOffsetShell');
  try {
    await withAdmin(settings, async (admin) => {
      const topics = await admin.listTopics({ includeInternal: !args.has('exclude-internal-topics') });
      const candidates = topics.filter((t) => rules.some((r) => r.topic.test(t)));
      const partitions: TopicPartition[] = [];
      if (candidates.length > 0) {
        for (const d of await admin.describeTopics(candidates)) {
          for (const p of d.partitions) {
            if (rules.some((r) => r.topic.test(d.name) && r.partition(p.partition))) {
              partitions.push({ topic: d.name, partition: p.partition });
            }
          }
        }
      }
      if (partitions.length === 0)
        throw new CommandError(
          'Error occurred: Could not match any topic-partitions with the specified filters',
        );
      const listed = await admin.listOffsets(partitions.map((tp) => ({ ...tp, at: at as OffsetQuery })));
      const lines = listed
        .filter((o) => o && o.offset >= 0)
        .map((o) => ({ name: `${o.topic}-${o.partition}`, line: `${o.topic}:${o.partition}:${o.offset}` }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const l of lines) println(l.line);
    });
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(`Error occurred: ${errorMessage(err)}`);
  }
  return 0;
}

runTool(NAME, main, { errorPrefix: '' });

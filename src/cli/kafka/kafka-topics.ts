#!/usr/bin/env node
// kafka-topics.sh: create, list, describe, alter (partition count) and delete topics, with Kafka's
// flags and output: `Created topic t.`, one name per line, and the tab-separated describe lines.
import type { Admin } from '../../client/index.js';
import { type OptionSpec, type ParsedArgs, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import {
  notWith,
  oneAction,
  parseKafkaArgs,
  refuseZookeeper,
  required,
  ZOOKEEPER_SPEC,
} from '../lib/kafka-tool.js';
import {
  describeTopicDetails,
  parseTopicConfigs,
  selectTopics,
  type TopicDetails,
  ZERO_TOPIC_ID,
} from '../lib/topics.js';
import { eprintln, errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-topics.sh';
const ACTIONS = ['list', 'describe', 'create', 'alter', 'delete'];
const REPORTS = [
  'under-replicated-partitions',
  'unavailable-partitions',
  'under-min-isr-partitions',
  'at-min-isr-partitions',
];

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'REQUIRED: the broker(s) to connect to, host:port[,host:port].',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: command config property file',
    help: 'A properties file of admin client settings.',
  },
  { name: 'list', help: 'List the topics.' },
  { name: 'create', help: 'Create a topic.' },
  { name: 'delete', help: 'Delete topics.' },
  {
    name: 'alter',
    help: 'Raise the partition count of topics. (Topic configs are altered with kafka-configs.sh.)',
  },
  {
    name: 'describe',
    help: 'Describe topics: partition count, replication factor, overridden configs, and each partition.',
  },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String: topic',
    help: 'The topic to act on. Except with --create it may be a regular expression; quote it, and escape dots (\\.) to match them literally.',
  },
  {
    name: 'topic-id',
    arg: 'required',
    argName: 'String: topic-id',
    help: 'The id of the topic to describe.',
  },
  {
    name: 'partitions',
    arg: 'required',
    argName: 'Integer: # of partitions',
    help: "Partition count of the topic created or altered (--create default: the broker's num.partitions). Adding partitions changes which partition a key goes to.",
  },
  {
    name: 'replication-factor',
    arg: 'required',
    argName: 'Integer: replication factor',
    help: "Replicas of each partition of the topic created (default: the broker's default.replication.factor).",
  },
  {
    name: 'replica-assignment',
    arg: 'required',
    argName: 'String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , ...',
    help: 'Brokers of each partition of the topic created, partitions separated by commas, replicas by colons.',
  },
  {
    name: 'config',
    arg: 'required',
    argName: 'String: name=value',
    help: 'A topic config for the topic created (repeatable). Only with --create; use kafka-configs.sh to change configs later.',
  },
  {
    name: 'delete-config',
    arg: 'required',
    argName: 'String: name',
    help: 'No longer supported (deprecated since Kafka 4.0); does nothing.',
  },
  {
    name: 'if-exists',
    help: 'With --alter, --delete or --describe: do nothing when the topic does not exist.',
  },
  { name: 'if-not-exists', help: 'With --create: do nothing when the topic already exists.' },
  { name: 'exclude-internal', help: 'Leave internal topics out of --list and --describe.' },
  {
    name: 'under-replicated-partitions',
    help: 'With --describe: only partitions with fewer in-sync replicas than replicas.',
  },
  { name: 'unavailable-partitions', help: 'With --describe: only partitions whose leader is not available.' },
  {
    name: 'under-min-isr-partitions',
    help: 'With --describe: only partitions with fewer in-sync replicas than min.insync.replicas.',
  },
  {
    name: 'at-min-isr-partitions',
    help: 'With --describe: only partitions with exactly min.insync.replicas in-sync replicas.',
  },
  { name: 'topics-with-overrides', help: 'With --describe: only topics that have overridden configs.' },
  {
    name: 'partition-size-limit-per-response',
    arg: 'required',
    argName: 'Integer: maximum number of partitions per response',
    help: 'Accepted for compatibility; Samsa describes every partition in one response.',
  },
  ZOOKEEPER_SPEC,
];

const SUMMARY = 'Create, delete, describe, or change a topic.';

function checkArgs(args: ParsedArgs): string {
  refuseZookeeper(args);
  const action = oneAction(args, ACTIONS);
  if (args.has('delete-config')) {
    eprintln('--delete-config is not supported (deprecated since Kafka 4.0) and is ignored.');
  }
  if (!args.has('bootstrap-server')) throw new UsageError('--bootstrap-server must be specified');
  if (action !== 'list' && action !== 'describe') required(args, 'topic');
  if (action === 'describe' && args.has('if-exists') && !args.any('topic', 'topic-id')) {
    throw new UsageError('--topic or --topic-id is required to describe a topic');
  }
  if (action === 'alter') {
    if (args.has('config')) {
      throw new UsageError(
        'Option "--config" can\'t be used with option "--alter". To alter topic configurations, use kafka-configs.sh.',
      );
    }
    required(args, 'partitions');
  }
  const notCreateOrAlter = ACTIONS.filter((a) => a !== 'create' && a !== 'alter');
  notWith(args, 'config', ['alter', ...notCreateOrAlter]);
  notWith(args, 'partitions', notCreateOrAlter);
  notWith(
    args,
    'replication-factor',
    ACTIONS.filter((a) => a !== 'create'),
  );
  notWith(args, 'replica-assignment', notCreateOrAlter);
  if (args.has('create')) notWith(args, 'replica-assignment', ['partitions', 'replication-factor']);
  for (const r of REPORTS)
    notWith(args, r, ['topics-with-overrides', ...ACTIONS.filter((a) => a !== 'describe')]);
  notWith(
    args,
    'topics-with-overrides',
    ACTIONS.filter((a) => a !== 'describe'),
  );
  notWith(args, 'if-exists', ['create', 'list']);
  notWith(
    args,
    'if-not-exists',
    ACTIONS.filter((a) => a !== 'create'),
  );
  notWith(args, 'exclude-internal', ['create', 'alter', 'delete']);
  return action;
}

function replicaAssignment(text: string): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  text.split(',').forEach((part, i) => {
    const ids = part.split(':').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n))
        throw new UsageError(`--replica-assignment: '${s.trim()}' is not a broker id`);
      return n;
    });
    if (new Set(ids).size !== ids.length) {
      throw new UsageError(`Partition replica lists may not contain duplicate entries: ${part}`);
    }
    if (i > 0 && ids.length !== out[0].length) {
      throw new UsageError(`Partition ${i} has different replication factor: ${ids.join(',')}`);
    }
    out[i] = ids;
  });
  return out;
}

function topicNotFound(args: ParsedArgs, found: readonly string[]): void {
  const topic = args.get('topic');
  if (topic && !args.has('if-exists') && found.length === 0) {
    throw new Error(`Topic '${topic}' does not exist as expected`);
  }
}

async function create(admin: Admin, args: ParsedArgs): Promise<void> {
  const name = args.get('topic') as string;
  const rf = args.int('replication-factor');
  const partitions = args.int('partitions');
  if (rf !== undefined && (rf < 1 || rf > 32767)) {
    throw new Error('The replication factor must be between 1 and 32767 inclusive');
  }
  if (partitions !== undefined && partitions < 1) throw new Error('The partitions must be greater than 0');
  const configs = parseTopicConfigs(args.all('config'));
  const assignment = args.has('replica-assignment')
    ? replicaAssignment(args.get('replica-assignment') as string)
    : undefined;
  if (name.includes('.') || name.includes('_')) {
    println(
      "WARNING: Topic names with a period ('.') or underscore ('_') can collide in metric names; it is best to use one or the other, not both.",
    );
  }
  try {
    await admin.createTopics([
      { name, numPartitions: partitions, replicationFactor: rf, assignments: assignment, configs },
    ]);
  } catch (err) {
    if ((err as { code?: string }).code === 'TOPIC_ALREADY_EXISTS' && args.has('if-not-exists')) return;
    throw err;
  }
  println(`Created topic ${name}.`);
}

async function alter(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = await selectTopics(admin, args.get('topic'), !args.has('exclude-internal'));
  topicNotFound(args, topics);
  if (topics.length === 0) return;
  const total = args.int('partitions') as number;
  await admin.createPartitions(Object.fromEntries(topics.map((t) => [t, total])));
}

async function remove(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = await selectTopics(admin, args.get('topic'), !args.has('exclude-internal'));
  topicNotFound(args, topics);
  if (topics.length > 0) await admin.deleteTopics(topics);
}

const ids = (list: readonly number[]) => list.join(',');

function isr(p: TopicDetails['description']['partitions'][number]): number {
  return p.isr.length;
}

function minIsr(details: TopicDetails): number {
  const v = details.configs.find((c) => c.name === 'min.insync.replicas')?.value;
  return v ? Number(v) : 1;
}

/** The tab-separated lines of `--describe`, exactly as Kafka's tool prints them. */
function describeLines(
  details: readonly TopicDetails[],
  args: ParsedArgs,
  liveBrokers: ReadonlySet<number>,
): string[] {
  const reports = REPORTS.filter((r) => args.has(r));
  const lines: string[] = [];
  for (const d of details) {
    const td = d.description;
    const overridden = d.configs.filter((c) => !c.isDefault);
    if (reports.length === 0 && (!args.has('topics-with-overrides') || overridden.length > 0)) {
      let line = `Topic: ${td.name}`;
      if (td.topicId && td.topicId !== ZERO_TOPIC_ID) line += `\tTopicId: ${td.topicId}`;
      line += `\tPartitionCount: ${td.partitions.length}`;
      line += `\tReplicationFactor: ${td.partitions[0]?.replicas.length ?? 0}`;
      line += `\tConfigs: ${overridden.map((c) => `${c.name}=${c.value}`).join(',')}`;
      lines.push(line);
    }
    if (args.has('topics-with-overrides')) continue;
    for (const p of td.partitions) {
      const hasLeader = p.leader >= 0;
      const show =
        reports.length === 0 ||
        (args.has('under-replicated-partitions') && p.replicas.length - isr(p) > 0) ||
        (args.has('unavailable-partitions') && (!hasLeader || !liveBrokers.has(p.leader))) ||
        (args.has('under-min-isr-partitions') && (!hasLeader || isr(p) < minIsr(d))) ||
        (args.has('at-min-isr-partitions') && isr(p) === minIsr(d));
      if (!show) continue;
      lines.push(
        `\tTopic: ${td.name}\tPartition: ${p.partition}\tLeader: ${hasLeader ? p.leader : 'none'}` +
          `\tReplicas: ${ids(p.replicas)}\tIsr: ${ids(p.isr)}\tElr: N/A\tLastKnownElr: N/A`,
      );
    }
  }
  return lines;
}

async function describe(admin: Admin, args: ParsedArgs): Promise<void> {
  let topics = await selectTopics(admin, args.get('topic'), !args.has('exclude-internal'));
  const topicId = args.get('topic-id');
  if (topicId !== undefined && topicId !== ZERO_TOPIC_ID) {
    const all = await describeTopicDetails(
      admin,
      await selectTopics(admin, undefined, !args.has('exclude-internal')),
    );
    topics = all.filter((d) => d.description.topicId === topicId).map((d) => d.description.name);
    if (topics.length === 0 && !args.has('if-exists'))
      throw new Error(`TopicId '${topicId}' does not exist as expected`);
  } else topicNotFound(args, topics);
  const details = await describeTopicDetails(admin, topics);
  const cluster = await admin.describeCluster();
  const live = new Set(cluster.brokers.map((b) => b.nodeId));
  for (const line of describeLines(details, args, live)) println(line);
}

async function list(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = await selectTopics(admin, args.get('topic'), !args.has('exclude-internal'));
  println(topics.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const action = checkArgs(args);
  const bootstrap = checkBootstrap(args.get('bootstrap-server'));
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  const settings = adminSettings(bootstrap, props, 'kafka-topics');
  try {
    await withAdmin(settings, async (admin) => {
      if (action === 'create') await create(admin, args);
      else if (action === 'alter') await alter(admin, args);
      else if (action === 'list') await list(admin, args);
      else if (action === 'describe') await describe(admin, args);
      else await remove(admin, args);
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    eprintln(`Error while executing topic command : ${errorMessage(err)}`);
    return 1;
  }
  return 0;
}

runTool(NAME, main);

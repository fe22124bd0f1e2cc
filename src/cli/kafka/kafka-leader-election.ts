#!/usr/bin/env node
// kafka-leader-election.sh: preferred or unclean leader elections (ElectLeaders) for one partition
// (--topic --partition), a JSON file of partitions ({"partitions":[{"topic":"t","partition":0}]}) or
// all of them (--all-topic-partitions), with Kafka's output lines.
import { readFileSync } from 'node:fs';
import { errorInfo } from '../../protocol/errors.js';
import { CommandError, type OptionSpec, UsageError } from '../args.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { parseServers, QuorumClient } from '../lib/quorum-client.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-leader-election.sh';
const ELECT_LEADERS = 43;
const ELECTION_NOT_NEEDED = 84;

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A hostname and port for the broker to connect to, in the form host:port.',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A hostname and port for the controller to connect to.',
  },
  {
    name: 'admin.config',
    arg: 'required',
    argName: 'String: config file',
    help: 'Configuration properties files to pass to the admin client.',
  },
  {
    name: 'election-type',
    arg: 'required',
    argName: 'ElectionType: election type',
    help: 'Type of election to attempt: PREFERRED or UNCLEAN.',
  },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String: topic name',
    help: 'Name of topic for which to perform an election (needs --partition).',
  },
  {
    name: 'partition',
    arg: 'required',
    argName: 'Integer: partition id',
    help: 'Partition id for which to perform an election (needs --topic).',
  },
  {
    name: 'path-to-json-file',
    arg: 'required',
    argName: 'String: Path to JSON file',
    help: 'The JSON file with the list of partitions for which leader elections should be performed.',
  },
  { name: 'all-topic-partitions', help: 'Perform election on all of the eligible topic partitions.' },
];

const SUMMARY = 'This tool attempts to elect a new leader for a set of topic partitions.';

function partitionsFrom(file: string): { topic: string; partitions: number[] }[] {
  let json: { partitions?: { topic?: unknown; partition?: unknown }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CommandError(`Unable to read ${file}: ${(err as Error).message}`);
  }
  const byTopic = new Map<string, number[]>();
  for (const p of json.partitions ?? []) {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition))
      throw new CommandError(`Invalid partition in ${file}: ${JSON.stringify(p)}`);
    byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition as number]);
  }
  if (byTopic.size === 0) throw new CommandError(`Replica election data is empty in ${file}`);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const server = args.get('bootstrap-server');
  const controller = args.get('bootstrap-controller');
  if ((server === undefined) === (controller === undefined))
    throw new UsageError('exactly one of --bootstrap-server or --bootstrap-controller must be given');
  const type = (args.get('election-type') ?? '').toUpperCase();
  if (type !== 'PREFERRED' && type !== 'UNCLEAN')
    throw new UsageError('Missing required option(s): election-type (PREFERRED or UNCLEAN)');
  const sources = ['topic', 'path-to-json-file', 'all-topic-partitions'].filter((o) => args.has(o));
  if (sources.length !== 1)
    throw new UsageError(
      'One and only one of the following options is required: all-topic-partitions, topic, path-to-json-file',
    );
  let partitions: { topic: string; partitions: number[] }[] | null = null;
  if (args.has('topic')) {
    if (!args.has('partition')) throw new UsageError('Missing required option(s): partition');
    partitions = [{ topic: args.get('topic') as string, partitions: [Number(args.get('partition'))] }];
  } else if (args.has('path-to-json-file'))
    partitions = partitionsFrom(args.get('path-to-json-file') as string);
  const client = new QuorumClient({
    servers: parseServers(
      (server ?? controller) as string,
      server ? '--bootstrap-server' : '--bootstrap-controller',
    ),
    controllers: controller !== undefined,
    requestTimeoutMs: 30_000,
  });
  try {
    const conn = await client.forController();
    const r = await client.send<{
      errorCode?: number;
      replicaElectionResults: {
        topic: string;
        partitionResult: { partitionId: number; errorCode: number; errorMessage: string | null }[];
      }[];
    }>(conn, ELECT_LEADERS, {
      electionType: type === 'PREFERRED' ? 0 : 1,
      topicPartitions: partitions,
      timeoutMs: 30_000,
    });
    if (r.errorCode) throw new CommandError(`Error while making request: ${errorInfo(r.errorCode).message}`);
    const ok: string[] = [];
    const noop: string[] = [];
    const failed: string[] = [];
    for (const t of r.replicaElectionResults)
      for (const p of t.partitionResult) {
        const tp = `${t.topic}-${p.partitionId}`;
        if (p.errorCode === 0) ok.push(tp);
        else if (p.errorCode === ELECTION_NOT_NEEDED) noop.push(tp);
        else
          failed.push(
            `Error completing leader election (${type}) for partition: ${tp}: ${errorInfo(p.errorCode).name}: ${p.errorMessage ?? errorInfo(p.errorCode).message}`,
          );
      }
    if (ok.length > 0)
      println(`Successfully completed leader election (${type}) for partitions ${ok.join(', ')}`);
    if (noop.length > 0) println(`Valid replica already elected for partitions ${noop.join(', ')}`);
    for (const line of failed) println(line);
    if (failed.length > 0) throw new CommandError(`${failed.length} replica(s) could not be elected`);
  } finally {
    client.close();
  }
  return 0;
}

runTool(NAME, main, { errorPrefix: '' });

#!/usr/bin/env node
import { errorInfo } from '../../protocol/errors.js';
// kafka-cluster.sh: `cluster-id` prints the cluster's id; `unregister --id N` removes a broker's
// registration (UnregisterBroker), with Kafka's output lines.
import { CommandError, type OptionSpec, UsageError } from '../args.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { quorumClientOf } from '../lib/quorum-client.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-cluster.sh';
const UNREGISTER_BROKER = 64;

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    short: 'b',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A list of host/port pairs to use for establishing the connection to the kafka cluster.',
  },
  {
    name: 'bootstrap-controller',
    short: 'C',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A list of host/port pairs to use for establishing the connection to the KRaft controllers.',
  },
  {
    name: 'config',
    short: 'c',
    arg: 'required',
    argName: 'String: file',
    help: 'A property file containing configurations for the Admin client.',
  },
  {
    name: 'id',
    short: 'i',
    arg: 'required',
    argName: 'Integer: id',
    help: 'unregister: the ID of the broker to unregister.',
  },
];

const SUMMARY = `The Kafka cluster tool.
Usage: ${NAME} {cluster-id | unregister --id ID} (--bootstrap-server HOST:PORT | --bootstrap-controller HOST:PORT)`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY, true);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const client = quorumClientOf(args);
  const command = args.positionals[0];
  try {
    if (command === 'cluster-id') {
      const cluster = await client.describeCluster(await client.any());
      println(
        cluster.clusterId
          ? `Cluster ID: ${cluster.clusterId}`
          : 'No cluster ID found. The Kafka version is probably too old.',
      );
      return 0;
    }
    if (command === 'unregister') {
      if (!args.has('id')) throw new UsageError('unregister needs --id');
      const id = Number(args.get('id'));
      const conn = await client.forController();
      const r = await client.send<{ errorCode: number; errorMessage: string | null }>(
        conn,
        UNREGISTER_BROKER,
        { brokerId: id },
      );
      if (r.errorCode !== 0)
        throw new CommandError(
          `${errorInfo(r.errorCode).name}: ${r.errorMessage ?? errorInfo(r.errorCode).message}`,
        );
      println(`Broker ${id} is no longer registered.`);
      return 0;
    }
    throw new UsageError(
      command
        ? `unknown command '${command}' (cluster-id, unregister)`
        : 'a command is needed: cluster-id or unregister',
    );
  } finally {
    client.close();
  }
}

runTool(NAME, main, { errorPrefix: '' });

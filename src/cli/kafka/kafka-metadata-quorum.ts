#!/usr/bin/env node
// kafka-metadata-quorum.sh: describes the KRaft metadata quorum (`describe --status`, `describe
// --replication [--human-readable]`) and changes its voters (`add-controller` with the new controller's
// config file, `remove-controller -i ID -d DIRID`), with Kafka's output formats. Through a broker
// (--bootstrap-server, which forwards to the controller) or the controllers (--bootstrap-controller).
import { readFileSync } from 'node:fs';
import { CommandError, type OptionSpec, UsageError } from '../args.js';
import { loadProps } from '../client-config.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { type QuorumClient, quorumClientOf } from '../lib/quorum-client.js';
import { println, runTool } from '../tool.js';

const NOT_LEADER_OR_FOLLOWER = 6;
const NOT_CONTROLLER = 41;

const NAME = 'kafka-metadata-quorum.sh';
const METADATA_TOPIC = '__cluster_metadata';
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const API = { DescribeQuorum: 55, AddRaftVoter: 80, RemoveRaftVoter: 81 } as const;

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: file',
    help: 'Property file containing configs to be passed to Admin Client.',
  },
  { name: 'status', help: 'describe: a short summary of the quorum status.' },
  { name: 'replication', help: 'describe: detailed information about the status of replication.' },
  { name: 'human-readable', help: 'describe --replication: human-readable times.' },
  { name: 'dry-run', help: 'add-controller, remove-controller: print what would be done, but do not do it.' },
  {
    name: 'controller-id',
    short: 'i',
    arg: 'required',
    argName: 'Integer: id',
    help: 'remove-controller: the id of the controller to remove.',
  },
  {
    name: 'controller-directory-id',
    short: 'd',
    arg: 'required',
    argName: 'String: uuid',
    help: 'remove-controller: the directory id of the controller to remove.',
  },
];

const SUMMARY = `This tool describes kraft metadata quorum status.
Usage: ${NAME} (--bootstrap-server HOST:PORT | --bootstrap-controller HOST:PORT) [--command-config FILE]
       {describe (--status | --replication [--human-readable]) | add-controller [--dry-run] | remove-controller -i ID -d DIRID [--dry-run]}`;

interface ReplicaState {
  replicaId: number;
  replicaDirectoryId?: string;
  logEndOffset: number;
  lastFetchTimestamp?: number;
  lastCaughtUpTimestamp?: number;
}

interface Quorum {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: ReplicaState[];
  observers: ReplicaState[];
  nodes: Map<number, { name?: string; host?: string; port?: number }[]>;
}

/** DescribeQuorum of the quorum leader; asked again for a few seconds while leadership is moving. */
async function describeQuorum(client: QuorumClient): Promise<Quorum> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await describeQuorumOnce(client);
    } catch (err) {
      if (!(err instanceof NotLeader) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

class NotLeader extends CommandError {}

async function describeQuorumOnce(client: QuorumClient): Promise<Quorum> {
  const conn = await client.forController();
  const r = await client.send<{
    errorCode: number;
    errorMessage?: string | null;
    topics: {
      partitions: {
        errorCode: number;
        leaderId: number;
        leaderEpoch: number;
        highWatermark: number;
        currentVoters: ReplicaState[];
        observers: ReplicaState[];
      }[];
    }[];
    nodes?: { nodeId?: number; listeners?: { name?: string; host?: string; port?: number }[] }[];
  }>(conn, API.DescribeQuorum, {
    topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }],
  });
  if (r.errorCode !== 0)
    throw new (r.errorCode === NOT_CONTROLLER ? NotLeader : CommandError)(
      `DescribeQuorum failed: error ${r.errorCode}${r.errorMessage ? ` (${r.errorMessage})` : ''}`,
    );
  const p = r.topics[0]?.partitions[0];
  if (!p) throw new CommandError('DescribeQuorum answered without the metadata partition');
  if (p.errorCode !== 0)
    throw new (p.errorCode === NOT_LEADER_OR_FOLLOWER ? NotLeader : CommandError)(
      `DescribeQuorum failed: error ${p.errorCode} (the node asked is not the quorum leader)`,
    );
  return {
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    highWatermark: p.highWatermark,
    voters: p.currentVoters,
    observers: p.observers,
    nodes: new Map((r.nodes ?? []).map((n) => [n.nodeId ?? -1, n.listeners ?? []])),
  };
}

function replicaList(q: Quorum, replicas: ReplicaState[]): string {
  const items = replicas.map((r) => {
    const dir =
      !r.replicaDirectoryId || r.replicaDirectoryId === ZERO_UUID ? 'null' : `"${r.replicaDirectoryId}"`;
    const endpoints = (q.nodes.get(r.replicaId) ?? []).map(
      (e) => `"${e.name}://${e.host?.includes(':') ? `[${e.host}]` : e.host}:${e.port}"`,
    );
    return `{"id": ${r.replicaId}, "directoryId": ${dir}${endpoints.length > 0 ? `, "endpoints": [${endpoints.join(', ')}]` : ''}}`;
  });
  return `[${items.join(', ')}]`;
}

async function status(client: QuorumClient): Promise<void> {
  const cluster = await client.describeCluster(await client.any());
  const q = await describeQuorum(client);
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  if (!leader) throw new CommandError(`the quorum leader ${q.leaderId} is not among the voters`);
  const laggard = q.voters.reduce((a, b) => (b.logEndOffset < a.logEndOffset ? b : a), q.voters[0]);
  const lagTime =
    laggard === leader
      ? 0
      : (leader.lastCaughtUpTimestamp ?? -1) >= 0 && (laggard.lastCaughtUpTimestamp ?? -1) >= 0
        ? (leader.lastCaughtUpTimestamp as number) - (laggard.lastCaughtUpTimestamp as number)
        : -1;
  println(
    [
      `ClusterId:              ${cluster.clusterId}`,
      `LeaderId:               ${q.leaderId}`,
      `LeaderEpoch:            ${q.leaderEpoch}`,
      `HighWatermark:          ${q.highWatermark}`,
      `MaxFollowerLag:         ${leader.logEndOffset - laggard.logEndOffset}`,
      `MaxFollowerLagTimeMs:   ${lagTime}`,
      `CurrentVoters:          ${replicaList(q, q.voters)}`,
      `CurrentObservers:       ${replicaList(q, q.observers)}`,
    ].join('\n'),
  );
}

async function replication(client: QuorumClient, humanReadable: boolean): Promise<void> {
  const q = await describeQuorum(client);
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  if (!leader) throw new CommandError(`the quorum leader ${q.leaderId} is not among the voters`);
  const now = Date.now();
  const time = (t: number | undefined) =>
    t === undefined || t < 0 ? '-1' : humanReadable ? `${Math.max(0, now - t)} ms ago` : String(t);
  const rows = [
    ...[leader].map((r) => [r, 'Leader'] as const),
    ...q.voters.filter((v) => v !== leader).map((r) => [r, 'Follower'] as const),
    ...q.observers.map((r) => [r, 'Observer'] as const),
  ].map(([r, role]) => [
    String(r.replicaId),
    r.replicaDirectoryId ?? ZERO_UUID,
    String(r.logEndOffset),
    String(leader.logEndOffset - r.logEndOffset),
    time(r.lastFetchTimestamp),
    time(r.lastCaughtUpTimestamp),
    role,
  ]);
  printTable(
    ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'],
    rows,
  );
}

/** Kafka's ToolsUtils.prettyPrintTable: each cell padded to its column's width and followed by a tab. */
function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => `${c.padEnd(widths[i])}\t`).join('');
  println(line(headers));
  for (const r of rows) println(line(r));
}

interface ControllerFile {
  id: number;
  directoryId: string;
  endpoints: { name: string; host: string; port: number }[];
}

/** The controller being added, from its own configuration file and formatted metadata dir. */
function controllerOf(props: Record<string, string>): ControllerFile {
  const id = Number(props['node.id']);
  if (props['node.id'] === undefined)
    throw new CommandError(
      'node.id not found in configuration file. Is this a valid controller configuration file?',
    );
  if (!Number.isInteger(id) || id < 0)
    throw new CommandError(
      'node.id was negative in configuration file. Is this a valid controller configuration file?',
    );
  if (!(props['process.roles'] ?? '').includes('controller'))
    throw new CommandError(
      "process.roles did not contain 'controller' in configuration file. Is this a valid controller configuration file?",
    );
  const dir = props['metadata.log.dir'] ?? props['log.dirs']?.split(',')[0]?.trim() ?? props['log.dir'];
  if (!dir)
    throw new CommandError(
      'Neither metadata.log.dir nor log.dirs were found. Is this a valid controller configuration file?',
    );
  let meta: string;
  try {
    meta = readFileSync(`${dir}/meta.properties`, 'utf8');
  } catch {
    throw new CommandError(`Unable to read meta.properties from ${dir}`);
  }
  const directoryId = /^directory\.id=(.+)$/m.exec(meta)?.[1]?.trim();
  if (!directoryId) throw new CommandError(`No directory id found in ${dir}`);
  const names = props['controller.listener.names'];
  if (!names)
    throw new CommandError(
      'controller.listener.names was not found. Is this a valid controller configuration file?',
    );
  const listeners = new Map<string, { host: string; port: number }>();
  for (const key of ['listeners', 'advertised.listeners']) {
    for (const entry of (props[key] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([^:]+):\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(entry);
      if (m) listeners.set(m[1].toUpperCase(), { host: m[2] || 'localhost', port: Number(m[3]) });
    }
  }
  const endpoints = names.split(',').map((raw) => {
    const name = raw.trim().toUpperCase();
    const l = listeners.get(name);
    if (!l) throw new CommandError(`Cannot find information about controller listener name: ${name}`);
    return { name, host: l.host, port: l.port };
  });
  return { id, directoryId, endpoints };
}

async function addController(
  client: QuorumClient,
  props: Record<string, string>,
  dryRun: boolean,
): Promise<void> {
  const c = controllerOf(props);
  if (!dryRun) {
    const conn = await client.forController();
    const r = await client.send<{ errorCode: number; errorMessage: string | null }>(conn, API.AddRaftVoter, {
      clusterId: null,
      timeoutMs: 30_000,
      voterId: c.id,
      voterDirectoryId: c.directoryId,
      listeners: c.endpoints,
    });
    if (r.errorCode !== 0)
      throw new CommandError(
        `add-controller failed: error ${r.errorCode}${r.errorMessage ? `: ${r.errorMessage}` : ''}`,
      );
  }
  const eps = c.endpoints
    .map((e) => `${e.name}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`)
    .join(', ');
  println(
    `${dryRun ? 'DRY RUN of adding' : 'Added'} controller ${c.id} with directory id ${c.directoryId} and endpoints: ${eps}`,
  );
}

async function removeController(
  client: QuorumClient,
  id: number,
  directoryId: string,
  dryRun: boolean,
): Promise<void> {
  if (id < 0) throw new CommandError(`Invalid negative --controller-id: ${id}`);
  if (!/^[A-Za-z0-9_-]{22}$/.test(directoryId))
    throw new CommandError(`Failed to parse --controller-directory-id: Invalid UUID string: ${directoryId}`);
  if (!dryRun) {
    const conn = await client.forController();
    const r = await client.send<{ errorCode: number; errorMessage: string | null }>(
      conn,
      API.RemoveRaftVoter,
      {
        clusterId: null,
        voterId: id,
        voterDirectoryId: directoryId,
      },
    );
    if (r.errorCode !== 0)
      throw new CommandError(
        `remove-controller failed: error ${r.errorCode}${r.errorMessage ? `: ${r.errorMessage}` : ''}`,
      );
  }
  println(
    `${dryRun ? 'DRY RUN of removing ' : 'Removed '} KRaft controller ${id} with directory id ${directoryId}`,
  );
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY, true);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const client = quorumClientOf(args);
  const command = args.positionals[0];
  const props = args.has('command-config')
    ? (loadProps(args.get('command-config') as string, '--command-config') as Record<string, string>)
    : {};
  try {
    if (command === 'describe') {
      if (args.has('status') && args.has('replication'))
        throw new CommandError(
          'Only one of --status or --replication should be specified with describe sub-command',
        );
      if (args.has('replication')) await replication(client, args.has('human-readable'));
      else if (args.has('status')) {
        if (args.has('human-readable'))
          throw new CommandError('The option --human-readable is only supported along with --replication');
        await status(client);
      } else
        throw new CommandError(
          'One of --status or --replication must be specified with describe sub-command',
        );
    } else if (command === 'add-controller') {
      if (!args.has('command-config'))
        throw new CommandError(
          'You must supply the configuration file of the controller you are adding when using add-controller.',
        );
      await addController(client, props, args.has('dry-run'));
    } else if (command === 'remove-controller') {
      if (!args.has('controller-id') || !args.has('controller-directory-id'))
        throw new UsageError('remove-controller needs --controller-id and --controller-directory-id');
      await removeController(
        client,
        Number(args.get('controller-id')),
        args.get('controller-directory-id') as string,
        args.has('dry-run'),
      );
    } else {
      throw new UsageError(
        command
          ? `unknown command '${command}' (describe, add-controller, remove-controller)`
          : 'a command is needed: describe, add-controller or remove-controller',
      );
    }
  } finally {
    client.close();
  }
  return 0;
}

runTool(NAME, main, { errorPrefix: '' });

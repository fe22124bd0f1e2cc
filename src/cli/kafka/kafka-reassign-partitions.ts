#!/usr/bin/env node
// kafka-reassign-partitions.sh: moves partition replicas between brokers (and log dirs), as Kafka's
// tool does: --generate proposes a layout over a broker list, --execute starts a reassignment (with
// an optional replication throttle), --verify reports it and clears the throttles once it is done,
// --cancel stops it, --list shows what is moving. Kafka's JSON formats and messages.
import type { Admin, PartitionReassignment } from '../../client/index.js';
import { CommandError, type OptionSpec, type ParsedArgs, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { oneAction, parseKafkaArgs } from '../lib/kafka-tool.js';
import {
  checkExecutable,
  compareReplica,
  compareTp,
  followerThrottles,
  leaderThrottles,
  movingBrokers,
  type PartitionTarget,
  parseBrokerList,
  parseReassignment,
  parseTopicsToMove,
  proposedMoves,
  type ReplicaDir,
  readFileOrFail,
  reassignmentJson,
  replicaName,
  type TopicPartition,
  tpName,
} from '../lib/reassignment.js';
import { assignReplicas } from '../lib/replica-assignment.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-reassign-partitions.sh';
const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'];

const SPECS: OptionSpec[] = [
  {
    name: 'generate',
    help: 'Generate a candidate partition reassignment configuration (it is not executed).',
  },
  { name: 'execute', help: 'Kick off the reassignment in --reassignment-json-file.' },
  {
    name: 'verify',
    help: 'Verify whether the reassignment in --reassignment-json-file completed; once it has, the throttles it set are removed.',
  },
  { name: 'cancel', help: 'Cancel an active reassignment.' },
  { name: 'list', help: 'List all active partition reassignments.' },
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: Server(s) to use for bootstrapping',
    help: 'The server(s) to use for bootstrapping.',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: bootstrap controller to connect to',
    help: 'The controller to use (supports --cancel and --list).',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: Admin client property file',
    help: 'Property file containing configs to be passed to Admin Client.',
  },
  {
    name: 'reassignment-json-file',
    arg: 'required',
    argName: 'String: manual assignment json file path',
    help: 'The JSON file with the partition reassignment configuration:\n{"partitions":\n\t[{"topic": "foo",\n\t  "partition": 1,\n\t  "replicas": [1,2,3],\n\t  "log_dirs": ["dir1","dir2","dir3"] }],\n"version":1\n}\n"log_dirs" is optional; each entry is "any" or an absolute log dir path on that broker.',
  },
  {
    name: 'topics-to-move-json-file',
    arg: 'required',
    argName: 'String: topics to reassign json file path',
    help: 'Generate a configuration moving the partitions of these topics to the --broker-list brokers:\n{"topics":\n\t[{"topic": "foo"},{"topic": "foo1"}],\n"version":1\n}',
  },
  {
    name: 'broker-list',
    arg: 'required',
    argName: 'String: brokerlist',
    help: 'The brokers to reassign partitions to, as "0,1,2" (with --generate).',
  },
  { name: 'disable-rack-aware', help: 'Disable rack aware replica assignment.' },
  {
    name: 'throttle',
    arg: 'required',
    argName: 'Long: throttle',
    default: '-1',
    help: 'Throttle the movement of partitions between brokers to this many bytes/sec (with --execute; resubmit with --additional to change it).',
  },
  {
    name: 'replica-alter-log-dirs-throttle',
    arg: 'required',
    argName: 'Long: replicaAlterLogDirsThrottle',
    default: '-1',
    help: 'Throttle the movement of replicas between log dirs of a broker to this many bytes/sec.',
  },
  {
    name: 'timeout',
    arg: 'required',
    argName: 'Long: timeout',
    default: '10000',
    help: 'The maximum time in ms to wait for log directory replica moves to begin.',
  },
  {
    name: 'additional',
    help: 'Execute this reassignment in addition to any ongoing ones (also changes the throttle of an ongoing one).',
  },
  { name: 'preserve-throttles', help: 'Do not modify broker or topic throttles.' },
];

const SUMMARY = 'Moves topic partitions between replicas.';

const PERMITTED: Record<string, string[]> = {
  verify: ['reassignment-json-file', 'bootstrap-server', 'command-config', 'preserve-throttles'],
  generate: [
    'topics-to-move-json-file',
    'broker-list',
    'bootstrap-server',
    'command-config',
    'disable-rack-aware',
  ],
  execute: [
    'reassignment-json-file',
    'additional',
    'bootstrap-server',
    'command-config',
    'throttle',
    'replica-alter-log-dirs-throttle',
    'timeout',
  ],
  cancel: [
    'reassignment-json-file',
    'bootstrap-server',
    'bootstrap-controller',
    'command-config',
    'preserve-throttles',
    'timeout',
  ],
  list: ['bootstrap-server', 'bootstrap-controller', 'command-config'],
};
const REQUIRED: Record<string, string[]> = {
  verify: ['reassignment-json-file'],
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
};

const CANNOT_EXECUTE =
  'Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.';
const RUN_VERIFY =
  'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';
const BROKER_THROTTLES = [
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
  'replica.alter.log.dirs.io.max.bytes.per.second',
];
const TOPIC_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

function checkArgs(args: ParsedArgs): string {
  const action = oneAction(args, ACTIONS);
  if (args.has('bootstrap-server') === args.has('bootstrap-controller'))
    throw new UsageError(
      args.has('bootstrap-server')
        ? "Please don't specify both --bootstrap-server and --bootstrap-controller"
        : 'Please specify either --bootstrap-server or --bootstrap-controller',
    );
  for (const r of REQUIRED[action])
    if (!args.has(r)) throw new UsageError(`Missing required argument "[${r}]"`);
  for (const given of args.order) {
    if (given !== action && !PERMITTED[action].includes(given) && !['help', 'version'].includes(given))
      throw new UsageError(`Option "[${given}]" can't be used with action "[${action}]"`);
  }
  return action;
}

function longArg(args: ParsedArgs, name: string): number {
  const n = Number(args.get(name));
  if (!Number.isInteger(n)) throw new UsageError(`--${name} takes a whole number, not '${args.get(name)}'`);
  return n;
}

/** Current replicas of the given partitions (partitions of unknown topics are missing). */
async function currentReplicas(admin: Admin, topics: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const topic of new Set(topics)) {
    let described: Awaited<ReturnType<Admin['describeTopics']>>;
    try {
      described = await admin.describeTopics([topic]);
    } catch {
      throw new CommandError(`Topic ${topic} not found.`);
    }
    for (const p of described[0]?.partitions ?? []) out.set(`${topic}-${p.partition}`, [...p.replicas]);
  }
  return out;
}

async function generate(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = parseTopicsToMove(readFileOrFail(args.get('topics-to-move-json-file') as string));
  const brokerIds = parseBrokerList(args.get('broker-list') as string);
  const current = await currentReplicas(admin, topics);
  const cluster = await admin.describeCluster();
  const brokers = cluster.brokers
    .filter((b) => brokerIds.includes(b.nodeId))
    .map((b) => ({ id: b.nodeId, rack: b.rack }));
  const currentTargets: PartitionTarget[] = [];
  const proposed: PartitionTarget[] = [];
  for (const topic of topics) {
    const parts = [...current]
      .filter(([k]) => k.startsWith(`${topic}-`) && /^\d+$/.test(k.slice(topic.length + 1)))
      .map(([k, replicas]) => ({ topic, partition: Number(k.slice(topic.length + 1)), replicas }))
      .sort(compareTp);
    currentTargets.push(...parts);
    const layout = assignReplicas(
      brokers,
      parts.length,
      parts[0]?.replicas.length ?? 1,
      !args.has('disable-rack-aware'),
    );
    for (const [partition, replicas] of layout.entries()) proposed.push({ topic, partition, replicas });
  }
  println('Current partition replica assignment');
  println(reassignmentJson(currentTargets));
  println();
  println('Proposed partition reassignment configuration');
  println(reassignmentJson(proposed));
}

async function execute(admin: Admin, args: ParsedArgs): Promise<void> {
  const { targets, dirs } = parseReassignment(readFileOrFail(args.get('reassignment-json-file') as string));
  checkExecutable(targets);
  const throttle = longArg(args, 'throttle');
  const dirThrottle = longArg(args, 'replica-alter-log-dirs-throttle');
  const ongoing = await admin.listPartitionReassignments();
  if (!args.has('additional') && ongoing.length > 0) throw new CommandError(CANNOT_EXECUTE);
  const known = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const unknown = targets.flatMap((t) => t.replicas).find((b) => !known.has(b));
  if (unknown !== undefined) throw new CommandError(`Unknown broker id ${unknown}`);
  const current = await currentReplicas(
    admin,
    targets.map((t) => t.topic),
  );
  for (const t of targets)
    if (!current.has(tpName(t))) throw new CommandError(`Unable to find partition: ${tpName(t)}`);
  const currentTargets = targets.map((t) => ({ ...t, replicas: current.get(tpName(t)) as number[] }));
  println('Current partition replica assignment');
  println();
  println(reassignmentJson(currentTargets));
  println();
  println('Save this to use as the --reassignment-json-file option during rollback');
  if (throttle >= 0 || dirThrottle >= 0) {
    println(RUN_VERIFY);
    if (throttle >= 0) await setThrottles(admin, proposedMoves(ongoing, targets, current), throttle);
    if (dirThrottle >= 0) await setDirThrottle(admin, [...new Set(dirs.map((d) => d.broker))], dirThrottle);
  }
  const results = await admin.alterPartitionReassignments(targets);
  const failed = results.filter((r) => r.error !== null).sort(compareTp);
  if (failed.length > 0)
    throw new CommandError(
      `Error reassigning partition(s):\n${failed.map((r) => `${tpName(r)}: ${r.error?.message}`).join('\n')}`,
    );
  const names = [...targets].sort(compareTp).map(tpName);
  println(
    `Successfully started partition reassignment${names.length === 1 ? '' : 's'} for ${names.join(',')}`,
  );
  if (dirs.length > 0) await startDirMoves(admin, dirs, longArg(args, 'timeout'));
}

async function setThrottles(
  admin: Admin,
  moves: ReturnType<typeof proposedMoves>,
  rate: number,
): Promise<void> {
  const leaders = leaderThrottles(moves);
  const followers = followerThrottles(moves);
  await admin.incrementalAlterConfigs(
    [...new Set([...leaders.keys(), ...followers.keys()])].map((topic) => ({
      type: 'topic' as const,
      name: topic,
      ops: [
        {
          op: 'set' as const,
          name: 'leader.replication.throttled.replicas',
          value: leaders.get(topic) ?? '',
        },
        {
          op: 'set' as const,
          name: 'follower.replication.throttled.replicas',
          value: followers.get(topic) ?? '',
        },
      ],
    })),
  );
  await admin.incrementalAlterConfigs(
    movingBrokers(moves).map((b) => ({
      type: 'broker' as const,
      name: String(b),
      ops: [
        { op: 'set' as const, name: 'leader.replication.throttled.rate', value: String(rate) },
        { op: 'set' as const, name: 'follower.replication.throttled.rate', value: String(rate) },
      ],
    })),
  );
  println(`The inter-broker throttle limit was set to ${rate} B/s`);
}

async function setDirThrottle(admin: Admin, brokers: number[], rate: number): Promise<void> {
  await admin.incrementalAlterConfigs(
    brokers.map((b) => ({
      type: 'broker' as const,
      name: String(b),
      ops: [
        { op: 'set' as const, name: 'replica.alter.log.dirs.io.max.bytes.per.second', value: String(rate) },
      ],
    })),
  );
  println(`The replica-alter-dir throttle limit was set to ${rate} B/s`);
}

/** Asks the brokers to put replicas in the given log dirs, retrying while the replicas do not exist yet. */
async function startDirMoves(admin: Admin, dirs: readonly ReplicaDir[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...dirs];
  while (pending.length > 0) {
    const results = await admin.alterReplicaLogDirs(pending);
    const failed = results.find((r) => r.error && r.error.code !== 'REPLICA_NOT_AVAILABLE');
    if (failed)
      throw new CommandError(`Failed to alter dir for ${replicaName(failed)}: ${failed.error?.message}`);
    const started = results.filter((r) => r.error === null).sort(compareReplica);
    for (const r of started)
      println(
        `Successfully started moving log directory to ${r.logDir} for replica ${r.topic}-${r.partition} with broker ${r.broker} `,
      );
    pending = pending.filter((p) => !started.some((s) => replicaName(s) === replicaName(p)));
    if (pending.length === 0) break;
    if (Date.now() >= deadline)
      throw new CommandError(
        `Timed out before log directory move${pending.length === 1 ? '' : 's'} could be started for: ${pending.sort(compareReplica).map(replicaName).join(',')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function verify(admin: Admin, args: ParsedArgs): Promise<number> {
  const { targets, dirs } = parseReassignment(readFileOrFail(args.get('reassignment-json-file') as string));
  const ongoing = await admin.listPartitionReassignments();
  const current = await currentReplicas(
    admin,
    targets.map((t) => t.topic),
  ).catch(() => new Map<string, number[]>());
  println('Status of partition reassignment:');
  for (const t of [...targets].sort(compareTp)) {
    const active = ongoing.find((r) => r.topic === t.topic && r.partition === t.partition);
    const now = current.get(tpName(t)) ?? [];
    if (active) println(`Reassignment of partition ${tpName(t)} is still in progress.`);
    else if (now.join(',') === t.replicas.join(','))
      println(`Reassignment of partition ${tpName(t)} is completed.`);
    else
      println(
        `There is no active reassignment of partition ${tpName(t)}, but replica set is ${now.join(',')} rather than ${t.replicas.join(',')}.`,
      );
  }
  const movesOngoing = await reportDirMoves(admin, dirs);
  if (ongoing.length === 0 && !movesOngoing && !args.has('preserve-throttles'))
    await clearThrottles(admin, targets);
  return 0;
}

/** Prints the state of each log dir move asked for; whether any is still moving. */
async function reportDirMoves(admin: Admin, dirs: readonly ReplicaDir[]): Promise<boolean> {
  const lines: string[] = [];
  let moving = false;
  if (dirs.length > 0) {
    const described = await admin.describeLogDirs([...new Set(dirs.map((d) => d.broker))]);
    for (const d of [...dirs].sort(compareReplica)) {
      const holding = described.filter(
        (x) =>
          x.broker === d.broker &&
          x.partitions.some((p) => p.topic === d.topic && p.partition === d.partition && !p.isFuture),
      );
      const future = described.find(
        (x) =>
          x.broker === d.broker &&
          x.partitions.some((p) => p.topic === d.topic && p.partition === d.partition && p.isFuture),
      );
      const where = `${d.topic}-${d.partition}`;
      if (holding.length === 0)
        lines.push(`Partition ${where} cannot be found in any live log directory on broker ${d.broker}.`);
      else if (future) {
        moving = true;
        lines.push(
          future.logDir === d.logDir
            ? `Reassignment of replica ${replicaName(d)} is still in progress.`
            : `Partition ${where} on broker ${d.broker} is being moved to log dir ${future.logDir} instead of ${d.logDir}.`,
        );
      } else if (holding[0].logDir === d.logDir)
        lines.push(`Reassignment of replica ${replicaName(d)} completed successfully.`);
      else
        lines.push(
          `Partition ${where} on broker ${d.broker} is not being moved from log dir ${holding[0].logDir} to ${d.logDir}.`,
        );
    }
  }
  println(lines.join('\n'));
  return moving;
}

async function clearThrottles(admin: Admin, targets: readonly PartitionTarget[]): Promise<void> {
  const brokers = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  for (const t of targets) for (const r of t.replicas) brokers.add(r);
  const ids = [...brokers].sort((a, b) => a - b);
  println(`Clearing broker-level throttles on broker${ids.length === 1 ? '' : 's'} ${ids.join(',')}`);
  await admin.incrementalAlterConfigs(
    ids.map((b) => ({
      type: 'broker' as const,
      name: String(b),
      ops: BROKER_THROTTLES.map((name) => ({ op: 'delete' as const, name })),
    })),
  );
  const topics = [...new Set(targets.map((t) => t.topic))].sort();
  println(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}`);
  await admin.incrementalAlterConfigs(
    topics.map((name) => ({
      type: 'topic' as const,
      name,
      ops: TOPIC_THROTTLES.map((n) => ({ op: 'delete' as const, name: n })),
    })),
  );
}

async function cancel(admin: Admin, args: ParsedArgs): Promise<void> {
  const { targets, dirs } = parseReassignment(readFileOrFail(args.get('reassignment-json-file') as string));
  const active = (
    await admin.listPartitionReassignments(targets.map((t) => ({ topic: t.topic, partition: t.partition })))
  )
    .filter((r) => r.addingReplicas.length === 0 || r.removingReplicas.length > 0)
    .sort(compareTp);
  if (active.length > 0) {
    const results = await admin.alterPartitionReassignments(
      active.map((r) => ({ topic: r.topic, partition: r.partition, replicas: null })),
    );
    const failed = results.filter((r) => r.error !== null).sort(compareTp);
    if (failed.length > 0)
      throw new CommandError(
        `Error cancelling partition reassignment${failed.length === 1 ? '' : 's'} for:\n${failed.map((r) => `${tpName(r)}: ${r.error?.message}`).join('\n')}`,
      );
    println(
      `Successfully cancelled partition reassignment${active.length === 1 ? '' : 's'} for: ${active.map(tpName).join(',')}`,
    );
  } else println('None of the specified partition reassignments are active.');
  if (dirs.length === 0) process.stdout.write('None of the specified partition moves are active.');
  else await reportDirMoves(admin, dirs);
  if (!args.has('preserve-throttles')) await clearThrottles(admin, targets);
}

async function list(admin: Admin): Promise<void> {
  const all = (await admin.listPartitionReassignments()).sort(compareTp);
  if (all.length === 0) {
    println('No partition reassignments found.');
    return;
  }
  println('Current partition reassignments:');
  for (const r of all) println(describeOngoing(r));
}

function describeOngoing(r: PartitionReassignment): string {
  const adding = r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : '';
  const removing = r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : '';
  return `${tpName(r as TopicPartition)}: replicas: ${r.replicas.join(',')}.${adding}${removing}`;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const action = checkArgs(args);
  const viaController = args.has('bootstrap-controller');
  const bootstrap = checkBootstrap(
    args.get(viaController ? 'bootstrap-controller' : 'bootstrap-server'),
    viaController ? '--bootstrap-controller' : '--bootstrap-server',
  );
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  return withAdmin(adminSettings(bootstrap, props, 'reassign-partitions-tool'), async (admin) => {
    switch (action) {
      case 'generate':
        await generate(admin, args);
        return 0;
      case 'execute':
        await execute(admin, args);
        return 0;
      case 'verify':
        return verify(admin, args);
      case 'cancel':
        await cancel(admin, args);
        return 0;
      default:
        await list(admin);
        return 0;
    }
  });
}

runTool(NAME, main, { errorPrefix: '' });

#!/usr/bin/env node
// kafka-consumer-groups.sh: list, describe (offsets and lag, members, state), delete groups,
// delete their offsets, and reset them, with Kafka's flags and column layouts.
import { readFileSync } from 'node:fs';
import type { Admin, GroupDescription } from '../../client/index.js';
import { type OptionSpec, type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { collectGroupOffsets, describeGroups, groupTypeName, MISSING, parseStates } from '../lib/groups.js';
import {
  notWith,
  oneAction,
  parseKafkaArgs,
  refuseZookeeper,
  required,
  ZOOKEEPER_SPEC,
} from '../lib/kafka-tool.js';
import {
  type PlannedOffset,
  parseDateTime,
  parseIsoDuration,
  planReset,
  type ResetTarget,
  resetPartitions,
  tpKey,
} from '../lib/reset.js';
import { eprintln, errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-consumer-groups.sh';
const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'];
const SCENARIOS = [
  'to-offset',
  'shift-by',
  'to-datetime',
  'by-duration',
  'to-earliest',
  'to-latest',
  'to-current',
  'from-file',
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
  {
    name: 'group',
    arg: 'required',
    argName: 'String: consumer group',
    help: 'The consumer group to act on (repeatable with --describe, --delete and --reset-offsets).',
  },
  { name: 'all-groups', help: 'Act on every consumer group.' },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String: topic',
    help: 'With --delete-offsets: the topic whose offsets to delete. With --reset-offsets: a topic to reset, optionally with partitions as topic:0,1,2 (repeatable).',
  },
  { name: 'all-topics', help: 'With --reset-offsets: every topic the group has committed offsets for.' },
  { name: 'list', help: 'List the consumer groups.' },
  {
    name: 'describe',
    help: 'Describe groups: committed offsets and lag of each partition (the default), or --members, or --state.',
  },
  { name: 'delete', help: 'Delete groups (they must have no active members).' },
  { name: 'delete-offsets', help: 'Delete the committed offsets of one group for the given topics.' },
  {
    name: 'reset-offsets',
    help: 'Reset the committed offsets of inactive groups: choose the new offsets with one of --to-offset, --shift-by, --to-datetime, --by-duration, --to-earliest, --to-latest, --to-current or --from-file, and the partitions with --all-topics or --topic. Nothing changes without --execute (--dry-run, the default, only shows the plan).',
  },
  { name: 'dry-run', help: 'Show the result without changing anything (--reset-offsets).' },
  { name: 'execute', help: 'Carry the change out (--reset-offsets).' },
  { name: 'export', help: 'Print the planned offsets as CSV (--reset-offsets).' },
  { name: 'to-offset', arg: 'required', argName: 'Long: offset', help: 'Reset to this offset.' },
  {
    name: 'shift-by',
    arg: 'required',
    argName: 'Long: number-of-offsets',
    help: 'Move the committed offsets by n (negative: back).',
  },
  {
    name: 'to-datetime',
    arg: 'required',
    argName: 'String: datetime',
    help: "Reset to the first offset at or after a time, 'YYYY-MM-DDTHH:mm:SS.sss' (UTC unless an offset such as +02:00 follows).",
  },
  {
    name: 'by-duration',
    arg: 'required',
    argName: 'String: duration',
    help: "Reset to the first offset at or after now minus a duration, 'PnDTnHnMnS'.",
  },
  { name: 'to-earliest', help: 'Reset to the earliest offset.' },
  { name: 'to-latest', help: 'Reset to the latest offset.' },
  { name: 'to-current', help: 'Reset to the current committed offset (the latest where none).' },
  {
    name: 'from-file',
    arg: 'required',
    argName: 'String: path to CSV file',
    help: 'Reset to the offsets of a CSV file: topic,partition,offset (or group,topic,partition,offset).',
  },
  { name: 'members', help: 'With --describe: the members of the group.' },
  { name: 'verbose', help: 'With --describe --members: show the partitions of each member.' },
  {
    name: 'offsets',
    help: 'With --describe: the partitions of the group with their offsets and lag (the default view).',
  },
  {
    name: 'state',
    arg: 'optional',
    argName: 'String',
    help: "With --describe: the group's coordinator, assignment strategy, state and member count. With --list: show each group's state, or only the groups in the given states (e.g. stable,empty).",
  },
  {
    name: 'type',
    arg: 'optional',
    argName: 'String',
    help: 'With --list: show the type of each group, or only groups of the given types (classic, consumer).',
  },
  {
    name: 'timeout',
    arg: 'required',
    argName: 'Long: timeout (ms)',
    default: '5000',
    help: 'How long to wait for an answer from the cluster.',
  },
  ZOOKEEPER_SPEC,
];

const SUMMARY = 'Lists, describes and deletes consumer groups, and resets or deletes their offsets.';

const pad = (s: string | number, width: number) => String(s).padEnd(width);
const orMissing = (v: string | number | null | undefined) =>
  v === null || v === undefined ? MISSING : String(v);

function checkArgs(args: ParsedArgs): string {
  refuseZookeeper(args);
  const action = oneAction(args, ACTIONS);
  required(args, 'bootstrap-server');
  const scope = '--group, --all-groups';
  if (action === 'describe') {
    if (!args.any('group', 'all-groups'))
      throw new UsageError(`Option --describe takes one of these options: ${scope}`);
    if (['members', 'offsets', 'state'].filter((o) => args.has(o)).length > 1) {
      throw new UsageError(
        'Option --describe takes at most one of these options: --members, --offsets, --state',
      );
    }
    if (args.has('state') && args.get('state'))
      throw new UsageError('Option --describe does not take a value for --state');
  }
  for (const o of ['members', 'verbose', 'offsets'])
    notWith(
      args,
      o,
      ACTIONS.filter((a) => a !== 'describe'),
    );
  notWith(
    args,
    'state',
    ACTIONS.filter((a) => a !== 'describe' && a !== 'list'),
  );
  notWith(
    args,
    'type',
    ACTIONS.filter((a) => a !== 'list'),
  );
  if (action === 'delete') {
    if (!args.any('group', 'all-groups'))
      throw new UsageError(`Option --delete takes one of these options: ${scope}`);
    if (args.has('topic'))
      throw new UsageError(
        'The consumer does not support topic-specific offset deletion from a consumer group.',
      );
  }
  if (action === 'delete-offsets' && !(args.has('group') && args.has('topic'))) {
    throw new UsageError('Option --delete-offsets takes the following options: --group, --topic');
  }
  if (action === 'reset-offsets') {
    if (args.has('dry-run') && args.has('execute'))
      throw new UsageError('Option --reset-offsets only accepts one of --execute and --dry-run');
    if (!args.any('dry-run', 'execute')) {
      eprintln(
        'WARN: No action will be performed as the --execute option is missing. Add --dry-run explicitly when scripting ' +
          'this command: a future Kafka release will ask for confirmation by default instead of doing a dry run.',
      );
    }
    if (!args.any('group', 'all-groups'))
      throw new UsageError(`Option --reset-offsets takes one of these options: ${scope}`);
    const chosen = SCENARIOS.filter((s) => args.has(s));
    if (chosen.length > 1)
      throw new UsageError(`Option "--${chosen[0]}" can't be used with option "--${chosen[1]}"`);
    if (chosen.length === 0) {
      throw new UsageError(
        `Option --reset-offsets requires one of: ${SCENARIOS.map((s) => `--${s}`).join(', ')}`,
      );
    }
    if (!args.has('from-file') && !args.any('all-topics', 'topic')) {
      throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
    }
  }
  if (args.has('group') && args.has('all-groups'))
    throw new UsageError('Option "--group" can\'t be used with option "--all-groups"');
  notWith(args, 'group', ['list']);
  notWith(args, 'topic', ['list', 'describe']);
  return action;
}

async function groupIds(admin: Admin, args: ParsedArgs): Promise<string[]> {
  if (args.has('all-groups')) return (await admin.listGroups()).map((g) => g.groupId);
  return args.all('group');
}

/** Kafka's remarks on a group's state before a table; false when there is nothing to show. */
function stateRemark(d: GroupDescription, rows: number): boolean {
  switch (d.state) {
    case 'Dead':
      eprintln(`Error: Consumer group '${d.groupId}' does not exist.`);
      return false;
    case 'Empty':
      eprintln(`\nConsumer group '${d.groupId}' has no active members.`);
      break;
    case 'PreparingRebalance':
    case 'CompletingRebalance':
    case 'Assigning':
    case 'Reconciling':
      eprintln(`\nWarning: Consumer group '${d.groupId}' is rebalancing.`);
      break;
  }
  return rows > 0;
}

async function describeOffsets(admin: Admin, descriptions: GroupDescription[]): Promise<boolean> {
  let ok = true;
  for (const d of descriptions) {
    const { rows } = await collectGroupOffsets(admin, d);
    if (d.state === 'Dead') ok = false;
    if (!stateRemark(d, rows.length)) continue;
    const w = { group: 15, topic: 15, consumer: 15, host: 15 };
    for (const r of rows) {
      w.group = Math.max(w.group, r.group.length);
      w.topic = Math.max(w.topic, orMissing(r.topic).length);
      w.consumer = Math.max(w.consumer, orMissing(r.consumerId).length);
      w.host = Math.max(w.host, orMissing(r.host).length);
    }
    const line = (c: string[]) =>
      `${pad(c[0], w.group)} ${pad(c[1], w.topic)} ${pad(c[2], 10)} ${pad(c[3], 15)} ${pad(c[4], 15)} ${pad(c[5], 15)} ${pad(c[6], w.consumer)} ${pad(c[7], w.host)} ${c[8]}`;
    const out = [''];
    out.push(
      line([
        'GROUP',
        'TOPIC',
        'PARTITION',
        'CURRENT-OFFSET',
        'LOG-END-OFFSET',
        'LAG',
        'CONSUMER-ID',
        'HOST',
        'CLIENT-ID',
      ]),
    );
    for (const r of rows) {
      out.push(
        line(
          [
            r.group,
            r.topic,
            r.partition,
            r.offset,
            r.logEndOffset,
            r.lag,
            r.consumerId,
            r.host,
            r.clientId,
          ].map(orMissing),
        ),
      );
    }
    println(out.join('\n'));
  }
  return ok;
}

function assignmentText(tps: readonly { topic: string; partition: number }[]): string {
  if (tps.length === 0) return MISSING;
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic]
    .map(([t, ps]) => `${t}(${ps.sort((a, b) => a - b).join(',')})`)
    .sort()
    .join(', ');
}

function describeMembers(descriptions: GroupDescription[], verbose: boolean): boolean {
  let ok = true;
  for (const d of descriptions) {
    if (d.state === 'Dead') ok = false;
    stateRemark(d, d.members.length);
    if (d.state === 'Dead') continue;
    const w = { group: 15, consumer: 15, instance: 17, host: 15, client: 15 };
    let withInstance = false;
    for (const m of d.members) {
      w.group = Math.max(w.group, d.groupId.length);
      w.consumer = Math.max(w.consumer, m.memberId.length);
      w.instance = Math.max(w.instance, (m.groupInstanceId ?? '').length);
      w.host = Math.max(w.host, m.clientHost.length);
      w.client = Math.max(w.client, m.clientId.length);
      withInstance ||= (m.groupInstanceId ?? '') !== '';
    }
    const line = (
      group: string,
      consumer: string,
      instance: string,
      host: string,
      client: string,
      count: string,
    ) =>
      withInstance
        ? `${pad(group, w.group)} ${pad(consumer, w.consumer)} ${pad(instance, w.instance)} ${pad(host, w.host)} ${pad(client, w.client)} ${pad(count, 15)} `
        : `${pad(group, w.group)} ${pad(consumer, w.consumer)} ${pad(host, w.host)} ${pad(client, w.client)} ${pad(count, 15)} `;
    const out = [
      '',
      line('GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS') +
        (verbose ? 'ASSIGNMENT' : ''),
    ];
    for (const m of d.members) {
      const tps = m.assignment ?? [];
      out.push(
        line(d.groupId, m.memberId, m.groupInstanceId ?? '', m.clientHost, m.clientId, String(tps.length)) +
          (verbose ? assignmentText(tps) : ''),
      );
    }
    println(out.join('\n'));
  }
  return ok;
}

async function describeStates(admin: Admin, descriptions: GroupDescription[]): Promise<boolean> {
  const cluster = await admin.describeCluster();
  let ok = true;
  for (const d of descriptions) {
    if (!stateRemark(d, 1)) {
      ok = false;
      continue;
    }
    const b = cluster.brokers.find((x) => x.nodeId === d.coordinator);
    const coordinator = `${b ? `${b.host}:${b.port}` : ':-1'}  (${d.coordinator})`;
    const width = Math.max(25, coordinator.length);
    const line = (c: string[]) =>
      `${pad(c[0], width)} ${pad(c[1], 25)} ${pad(c[2], 20)} ${pad(c[3], 15)} ${c[4]}`;
    println(
      `\n${line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'])}\n${line([d.groupId, coordinator, d.protocol, d.state, String(d.members.length)])}`,
    );
  }
  return ok;
}

async function list(admin: Admin, args: ParsedArgs): Promise<void> {
  const withType = args.has('type');
  const withState = args.has('state');
  const states = args.get('state') ? parseStates(args.get('state') as string) : [];
  const types = args.get('type')
    ? (args.get('type') as string).split(',').map((t) => {
        const x = t.trim().toLowerCase();
        if (!['classic', 'consumer', 'share'].includes(x)) {
          throw new UsageError(
            `Invalid types list '${args.get('type')}'. Valid types are: consumer, classic, share`,
          );
        }
        return x;
      })
    : [];
  const groups = (await admin.listGroups({ states, types })).filter(
    (g) => g.protocolType === 'consumer' || g.protocolType === '',
  );
  if (!withType && !withState) {
    for (const g of groups) println(g.groupId);
    return;
  }
  const width = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
  const line = (c: string[]) => [pad(c[0], width), ...c.slice(1).map((x) => pad(x, 20))].join(' ');
  println(line(['GROUP', ...(withType ? ['TYPE'] : []), ...(withState ? ['STATE'] : [])]));
  for (const g of groups) {
    println(
      line([
        g.groupId,
        ...(withType ? [groupTypeName(g.type ?? 'classic')] : []),
        ...(withState ? [g.state ?? 'Unknown'] : []),
      ]),
    );
  }
}

async function deleteGroups(admin: Admin, args: ParsedArgs): Promise<boolean> {
  const ids = await groupIds(admin, args);
  const failed: [string, string][] = [];
  const ok: string[] = [];
  for (const g of ids) {
    try {
      await admin.deleteGroups([g]);
      ok.push(g);
    } catch (err) {
      failed.push([g, errorMessage(err)]);
    }
  }
  if (failed.length === 0) {
    println(`Deletion of requested consumer groups ('${ok.join(', ')}') was successful.`);
    return true;
  }
  eprintln('Error: Deletion of some consumer groups failed:');
  for (const [g, msg] of failed) eprintln(`* Group '${g}' could not be deleted due to: ${msg}`);
  if (ok.length > 0) println(`\nThese consumer groups were deleted successfully: '${ok.join("', '")}'`);
  return false;
}

const TOP_LEVEL: Record<string, (g: string) => string> = {
  INVALID_GROUP_ID: (g) => `'${g}' is not valid.`,
  GROUP_ID_NOT_FOUND: (g) => `'${g}' does not exist.`,
  GROUP_AUTHORIZATION_FAILED: (g) => `Access to '${g}' is not authorized.`,
  NON_EMPTY_GROUP: (g) =>
    `Deleting offsets of a consumer group '${g}' is forbidden if the group is not empty.`,
};

interface Failure {
  code?: string;
  partition?: number;
  topic?: string;
  message: string;
  errors?: readonly Failure[];
}

async function deleteOffsets(admin: Admin, args: ParsedArgs): Promise<boolean> {
  const group = args.get('group') as string;
  const topics = args.all('topic');
  const partitions = await resetPartitions(admin, topics);
  const results = new Map<string, string | null>(partitions.map((tp) => [tpKey(tp), null]));
  let ok = true;
  try {
    await admin.deleteGroupOffsets(group, partitions);
    println(`Request succeed for deleting offsets with topic ${topics.join(', ')} group ${group}`);
  } catch (err) {
    ok = false;
    const e = err as Failure;
    const top = e.code && e.partition === undefined ? TOP_LEVEL[e.code] : undefined;
    if (top) eprintln(`Error: ${top(group)}`);
    else eprintln('Error: Encounter some partition level error, see the follow-up details:');
    for (const x of e.errors && e.errors.length > 0 ? e.errors : [e]) {
      if (x.topic !== undefined && x.partition !== undefined)
        results.set(`${x.topic}\u0000${x.partition}`, x.message);
    }
    if (top) return false;
  }
  const out = [`\n${pad('TOPIC', 30)} ${pad('PARTITION', 15)} ${pad('STATUS', 15)}`];
  for (const tp of partitions) {
    const error = results.get(tpKey(tp));
    out.push(
      `${pad(tp.topic, 30)} ${pad(tp.partition, 15)} ${pad(error ? `Error: :${error}` : 'Successful', 15)}`,
    );
  }
  println(out.join('\n'));
  return ok;
}

function target(args: ParsedArgs, group: string, single: boolean): ResetTarget {
  if (args.has('to-offset'))
    return { kind: 'offset', offset: parseInteger(args.get('to-offset') as string, '--to-offset') };
  if (args.has('shift-by'))
    return { kind: 'shift', by: parseInteger(args.get('shift-by') as string, '--shift-by') };
  if (args.has('to-earliest')) return { kind: 'earliest' };
  if (args.has('to-latest')) return { kind: 'latest' };
  if (args.has('to-current')) return { kind: 'current' };
  if (args.has('to-datetime'))
    return { kind: 'time', timestampMs: parseDateTime(args.get('to-datetime') as string) };
  if (args.has('by-duration'))
    return { kind: 'time', timestampMs: Date.now() - parseIsoDuration(args.get('by-duration') as string) };
  return { kind: 'plan', offsets: readPlan(args.get('from-file') as string, group, single) };
}

function readPlan(file: string, group: string, single: boolean): Map<string, number> {
  const text = (loadText(file) ?? '').trim();
  const out = new Map<string, number>();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const cells = line.split(',').map((c) => c.trim());
    const [g, topic, partition, offset] = cells.length === 3 && single ? [group, ...cells] : cells;
    if (
      cells.length < 3 ||
      partition === undefined ||
      offset === undefined ||
      !/^\d+$/.test(partition) ||
      !/^-?\d+$/.test(offset)
    ) {
      throw new UsageError(`--from-file ${file}: cannot read line '${line}'`);
    }
    if (g === group) out.set(`${topic}\u0000${partition}`, Number(offset));
  }
  return out;
}

function loadText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--from-file ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

async function resetOffsets(admin: Admin, args: ParsedArgs): Promise<boolean> {
  const ids = await groupIds(admin, args);
  const single = args.all('group').length === 1;
  const execute = args.has('execute');
  const results = new Map<string, PlannedOffset[]>();
  let ok = true;
  for (const d of await describeGroups(admin, ids)) {
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      eprintln(
        `Error: Assignments can only be reset if the group '${d.groupId}' is inactive, but the current state is ${d.state}.`,
      );
      results.set(d.groupId, []);
      ok = false;
      continue;
    }
    const partitions = args.has('all-topics')
      ? [...(await admin.listGroupOffsets(d.groupId))]
          .filter((c) => c.offset >= 0)
          .map(({ topic, partition }) => ({ topic, partition }))
      : await resetPartitions(admin, args.all('topic'));
    const planned = await planReset(admin, d.groupId, partitions, target(args, d.groupId, single), eprintln);
    if (execute && planned.length > 0) {
      await admin.alterGroupOffsets(
        d.groupId,
        planned.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      );
    }
    results.set(d.groupId, planned);
  }
  if (args.has('export')) {
    for (const [g, planned] of results) {
      for (const p of planned)
        println(
          single ? `${p.topic},${p.partition},${p.offset}` : `${g},${p.topic},${p.partition},${p.offset}`,
        );
    }
    return ok;
  }
  const line = (c: (string | number)[]) =>
    `${pad(c[0], 30)} ${pad(c[1], 30)} ${pad(c[2], 10)} ${pad(c[3], 15)}`;
  const out: string[] = [];
  if (results.size > 0) out.push('', line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET']));
  for (const [g, planned] of results)
    for (const p of planned) out.push(line([g, p.topic, p.partition, p.offset]));
  println(out.join('\n'));
  return ok;
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
  const timeout = String(parseInteger(args.get('timeout') as string, '--timeout', { min: 1 }));
  const settings = {
    ...adminSettings(bootstrap, props, 'kafka-consumer-groups'),
    'default.api.timeout.ms': timeout,
  };
  if (args.has('state') && action === 'list' && args.get('state')) parseStates(args.get('state') as string);
  try {
    return await withAdmin(settings, async (admin) => {
      switch (action) {
        case 'list':
          await list(admin, args);
          return 0;
        case 'describe': {
          const descriptions = (await describeGroups(admin, await groupIds(admin, args))).sort((a, b) =>
            a.groupId < b.groupId ? -1 : 1,
          );
          const ok = args.has('members')
            ? describeMembers(descriptions, args.has('verbose'))
            : args.has('state')
              ? await describeStates(admin, descriptions)
              : await describeOffsets(admin, descriptions);
          return ok ? 0 : 1;
        }
        case 'delete':
          return (await deleteGroups(admin, args)) ? 0 : 1;
        case 'delete-offsets':
          return (await deleteOffsets(admin, args)) ? 0 : 1;
        default:
          return (await resetOffsets(admin, args)) ? 0 : 1;
      }
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    eprintln(`\nError: Executing consumer group command failed due to ${errorMessage(err)}`);
    return 1;
  }
}

runTool(NAME, main);

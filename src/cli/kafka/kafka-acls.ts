#!/usr/bin/env node
// kafka-acls.sh: adds, removes and lists ACLs with Kafka's flags (--allow-principal, --operation,
// --topic, --group, --cluster, --transactional-id, --resource-pattern-type, the --producer and
// --consumer sets, --idempotent, --principal for --list, --force) and Kafka's output lines:
//   Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:
//    	(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)
import { createInterface } from 'node:readline';
import type {
  AclBinding,
  AclFilter,
  AclOperationName,
  AclPatternType,
  AclResourceType,
  Admin,
} from '../../client/index.js';
import { type OptionSpec, type ParsedArgs, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { eprintln, errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-acls.sh';
const SUMMARY = 'Adds, removes and lists ACLs.';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'The broker(s) to connect to.',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: controller to connect to',
    help: 'The controller(s) to connect to.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: command-config',
    help: 'A properties file of admin client settings.',
  },
  { name: 'add', help: 'Adds ACLs.' },
  { name: 'remove', help: 'Removes ACLs.' },
  { name: 'list', help: 'Lists ACLs (of the resources given, or all).' },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String: topic',
    help: 'A topic (repeatable); * for all topics.',
  },
  {
    name: 'group',
    arg: 'required',
    argName: 'String: group',
    help: 'A consumer group (repeatable); * for all groups.',
  },
  { name: 'cluster', help: 'The cluster.' },
  {
    name: 'transactional-id',
    arg: 'required',
    argName: 'String: transactional-id',
    help: 'A transactional id (repeatable).',
  },
  {
    name: 'delegation-token',
    arg: 'required',
    argName: 'String: delegation-token',
    help: 'A delegation token id (repeatable).',
  },
  {
    name: 'user-principal',
    arg: 'required',
    argName: 'String: user-principal',
    help: 'A user principal (repeatable), for token ACLs.',
  },
  {
    name: 'resource-pattern-type',
    arg: 'required',
    argName: 'ANY|MATCH|LITERAL|PREFIXED',
    help: 'The pattern of the resource names: LITERAL (default) or PREFIXED to add; ANY or MATCH also to list or remove.',
  },
  {
    name: 'allow-principal',
    arg: 'required',
    argName: 'String: allow-principal',
    help: 'A principal (User:alice) allowed (repeatable).',
  },
  {
    name: 'deny-principal',
    arg: 'required',
    argName: 'String: deny-principal',
    help: 'A principal (User:alice) denied (repeatable).',
  },
  {
    name: 'allow-host',
    arg: 'required',
    argName: 'String: allow-host',
    help: 'A host allowed (default * with --allow-principal).',
  },
  {
    name: 'deny-host',
    arg: 'required',
    argName: 'String: deny-host',
    help: 'A host denied (default * with --deny-principal).',
  },
  {
    name: 'principal',
    arg: 'required',
    argName: 'String: principal',
    help: 'With --list: only the ACLs of this principal.',
  },
  {
    name: 'operation',
    arg: 'required',
    argName: 'String',
    help: 'An operation (repeatable): All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens.',
  },
  {
    name: 'producer',
    help: 'The ACLs of a producer: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on transactional ids).',
  },
  { name: 'consumer', help: 'The ACLs of a consumer: READ and DESCRIBE on the topics, READ on the group.' },
  { name: 'idempotent', help: 'With --producer: IDEMPOTENT_WRITE on the cluster too.' },
  { name: 'force', help: 'Do not ask before removing.' },
  { name: 'authorizer-properties', arg: 'required', hidden: true },
];

const OPERATIONS: Record<string, AclOperationName> = {
  all: 'ALL',
  read: 'READ',
  write: 'WRITE',
  create: 'CREATE',
  delete: 'DELETE',
  alter: 'ALTER',
  describe: 'DESCRIBE',
  clusteraction: 'CLUSTER_ACTION',
  describeconfigs: 'DESCRIBE_CONFIGS',
  alterconfigs: 'ALTER_CONFIGS',
  idempotentwrite: 'IDEMPOTENT_WRITE',
  createtokens: 'CREATE_TOKENS',
  describetokens: 'DESCRIBE_TOKENS',
};

/** Kafka's AclEntry.supportedOperations, to refuse an operation a resource type has not. */
const VALID_OPERATIONS: Record<string, readonly AclOperationName[]> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  CLUSTER: [
    'CREATE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
    'ALTER',
    'DESCRIBE',
  ],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE'],
  DELEGATION_TOKEN: ['DESCRIBE'],
  USER: ['CREATE_TOKENS', 'DESCRIBE_TOKENS'],
};

interface Resource {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
}

interface Entry {
  principal: string;
  host: string;
  operation: AclOperationName;
  permission: 'ALLOW' | 'DENY';
}

const patternText = (r: Resource) =>
  `ResourcePattern(resourceType=${r.resourceType}, name=${r.resourceName}, patternType=${r.patternType})`;
const entryText = (e: Entry) =>
  `(principal=${e.principal}, host=${e.host}, operation=${e.operation}, permissionType=${e.permission})`;

function patternType(args: ParsedArgs): AclPatternType {
  const v = (args.get('resource-pattern-type') ?? 'LITERAL').toUpperCase();
  if (!['ANY', 'MATCH', 'LITERAL', 'PREFIXED'].includes(v))
    throw new UsageError(`Unrecognized resource-pattern-type '${args.get('resource-pattern-type')}'`);
  return v as AclPatternType;
}

function resources(args: ParsedArgs, required: boolean): Resource[] {
  const pattern = patternType(args);
  const out: Resource[] = [];
  const add = (type: AclResourceType, names: string[]) => {
    for (const n of names) out.push({ resourceType: type, resourceName: n.trim(), patternType: pattern });
  };
  add('TOPIC', args.all('topic'));
  if (pattern === 'LITERAL' && (args.has('cluster') || args.has('idempotent')))
    out.push({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', patternType: 'LITERAL' });
  add('GROUP', args.all('group'));
  add('TRANSACTIONAL_ID', args.all('transactional-id'));
  add('DELEGATION_TOKEN', args.all('delegation-token'));
  add('USER', args.all('user-principal'));
  if (out.length === 0 && required)
    throw new UsageError(
      'You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>',
    );
  return out;
}

function principals(args: ParsedArgs, name: string): string[] {
  return args.all(name).map((p) => {
    const t = p.trim();
    if (!/^[^:]+:.+$/.test(t))
      throw new UsageError(
        `Could not parse principal from \`${t}\` (no colon is present separating the principal type from the principal name)`,
      );
    return t;
  });
}

function entries(args: ParsedArgs, operations: readonly AclOperationName[]): Entry[] {
  const out: Entry[] = [];
  for (const [permission, who, hostFlag] of [
    ['ALLOW', 'allow-principal', 'allow-host'],
    ['DENY', 'deny-principal', 'deny-host'],
  ] as const) {
    const ps = principals(args, who);
    if (ps.length === 0) continue;
    const hosts = args.has(hostFlag) ? args.all(hostFlag).map((h) => h.trim()) : ['*'];
    for (const principal of ps)
      for (const operation of operations)
        for (const host of hosts) out.push({ principal, host, operation, permission });
  }
  return out;
}

function cliOperations(args: ParsedArgs): AclOperationName[] {
  const given = args.all('operation');
  if (given.length === 0) return ['ALL'];
  return given.map((o) => {
    const op = OPERATIONS[o.trim().toLowerCase().replace(/[_\s]/g, '')];
    if (!op) throw new UsageError(`Unrecognized operation ${o}`);
    return op;
  });
}

/** The ACLs the command names, by resource (--producer and --consumer expand to their sets). */
function plan(args: ParsedArgs): Map<string, { resource: Resource; entries: Entry[] }> {
  const byKey = new Map<string, { resource: Resource; entries: Entry[] }>();
  const put = (resource: Resource, list: Entry[]) => {
    const key = patternText(resource);
    const existing = byKey.get(key);
    if (existing) for (const e of list) existing.entries.push(e);
    else byKey.set(key, { resource, entries: [...list] });
  };
  const rs = resources(args, true);
  if (!args.has('producer') && !args.has('consumer'))
    for (const r of rs) put(r, entries(args, cliOperations(args)));
  if (args.has('producer')) {
    for (const r of rs.filter((x) => x.resourceType === 'TOPIC'))
      put(r, entries(args, ['WRITE', 'DESCRIBE', 'CREATE']));
    for (const r of rs.filter((x) => x.resourceType === 'TRANSACTIONAL_ID'))
      put(r, entries(args, ['WRITE', 'DESCRIBE']));
    if (args.has('idempotent'))
      put(
        { resourceType: 'CLUSTER', resourceName: 'kafka-cluster', patternType: 'LITERAL' },
        entries(args, ['IDEMPOTENT_WRITE']),
      );
  }
  if (args.has('consumer')) {
    for (const r of rs.filter((x) => x.resourceType === 'TOPIC')) put(r, entries(args, ['READ', 'DESCRIBE']));
    for (const r of rs.filter((x) => x.resourceType === 'GROUP')) put(r, entries(args, ['READ']));
  }
  for (const { resource, entries: list } of byKey.values()) {
    const valid = VALID_OPERATIONS[resource.resourceType] ?? [];
    const bad = list.filter((e) => e.operation !== 'ALL' && !valid.includes(e.operation));
    if (bad.length > 0)
      throw new UsageError(
        `ResourceType ${resource.resourceType} only supports operations ${valid.join(',')}`,
      );
  }
  return byKey;
}

function checkActions(args: ParsedArgs): 'add' | 'remove' | 'list' {
  if (args.has('authorizer-properties'))
    throw new UsageError(
      '--authorizer-properties was removed in Kafka 4.0: use --bootstrap-server host:port.',
    );
  const actions = (['add', 'remove', 'list'] as const).filter((a) => args.has(a));
  if (actions.length !== 1)
    throw new UsageError('Command must include exactly one action: --list, --add, --remove.');
  const action = actions[0];
  if ((args.has('producer') || args.has('consumer')) && action === 'list')
    throw new UsageError('Option "--list" can\'t be used with --producer or --consumer');
  if (args.has('idempotent') && !args.has('producer'))
    throw new UsageError('The --idempotent option is only available if --producer is set');
  if (
    args.has('consumer') &&
    !args.has('producer') &&
    args.all('topic').length > 0 &&
    args.all('group').length === 0
  )
    throw new UsageError(
      'With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.',
    );
  if (args.has('principal') && action !== 'list')
    throw new UsageError('--principal is only used with --list');
  return action;
}

async function add(admin: Admin, args: ParsedArgs): Promise<void> {
  if (patternType(args) === 'ANY' || patternType(args) === 'MATCH')
    throw new UsageError(
      `A '--resource-pattern-type' value of '${patternType(args)}' is not valid when adding acls.`,
    );
  const planned = plan(args);
  if ([...planned.values()].some((p) => p.entries.length === 0))
    throw new UsageError(
      'You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.',
    );
  for (const { resource, entries: list } of planned.values()) {
    println(
      `Adding ACLs for resource \`${patternText(resource)}\`: \n ${list.map((e) => `\t${entryText(e)}`).join('\n')}\n`,
    );
    await admin.createAcls(list.map((e): AclBinding => ({ ...resource, ...e })));
  }
}

async function confirm(question: string, force: boolean): Promise<boolean> {
  if (force) return true;
  println(question);
  const rl = createInterface({ input: process.stdin });
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return line.trim().toLowerCase() === 'y';
}

async function remove(admin: Admin, args: ParsedArgs): Promise<void> {
  for (const { resource, entries: list } of plan(args).values()) {
    const filter = (e?: Entry): AclFilter => ({ ...resource, ...(e ?? {}) });
    if (list.length === 0) {
      if (
        await confirm(
          `Are you sure you want to delete all ACLs for resource filter \`${patternText(resource)}\`? (y/n)`,
          args.has('force'),
        )
      )
        await admin.deleteAcls([filter()]);
    } else {
      const question = `Are you sure you want to remove ACLs: \n ${list.map((e) => `\t${entryText(e)}`).join('\n')}\n from resource filter \`${patternText(resource)}\`? (y/n)`;
      if (await confirm(question, args.has('force'))) await admin.deleteAcls(list.map((e) => filter(e)));
    }
  }
}

async function list(admin: Admin, args: ParsedArgs): Promise<void> {
  const rs = resources(args, false);
  const found =
    rs.length === 0
      ? await admin.describeAcls({})
      : (await Promise.all(rs.map((r) => admin.describeAcls(r)))).flat();
  const byResource = new Map<string, { resource: Resource; entries: Entry[] }>();
  for (const b of found) {
    const resource: Resource = {
      resourceType: b.resourceType,
      resourceName: b.resourceName,
      patternType: b.patternType,
    };
    const key = patternText(resource);
    const e = byResource.get(key) ?? { resource, entries: [] };
    if (!e.entries.some((x) => entryText(x) === entryText(b as Entry))) e.entries.push(b as Entry);
    byResource.set(key, e);
  }
  const print = (only: string | null) => {
    for (const { resource, entries: list } of byResource.values()) {
      const shown = only === null ? list : list.filter((e) => e.principal === only);
      if (shown.length === 0) continue;
      println(
        `Current ACLs for resource \`${patternText(resource)}\`:\n${shown.map((e) => `\t${entryText(e)}`).join('\n')}\n`,
      );
    }
  };
  const who = principals(args, 'principal');
  if (who.length === 0) print(null);
  for (const p of who) {
    println(`ACLs for principal \`${p}\``);
    print(p);
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const action = checkActions(args);
  if (args.has('bootstrap-server') === args.has('bootstrap-controller'))
    throw new UsageError('Only one of --bootstrap-server or --bootstrap-controller must be specified');
  const bootstrap = checkBootstrap(args.get('bootstrap-server') ?? args.get('bootstrap-controller'));
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  try {
    await withAdmin(adminSettings(bootstrap, props, 'kafka-acls'), (admin) =>
      action === 'add' ? add(admin, args) : action === 'remove' ? remove(admin, args) : list(admin, args),
    );
  } catch (err) {
    if (err instanceof UsageError) throw err;
    eprintln(`Error while executing ACL command: ${errorMessage(err)}`);
    return 1;
  }
  return 0;
}

runTool(NAME, main);

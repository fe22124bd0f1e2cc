#!/usr/bin/env node
// kafka-configs.sh: describe and alter the configs of topics, brokers (one, or the cluster-wide
// default), broker loggers and groups, and the client quotas and SCRAM credentials of users and
// clients (lib/user-client-configs.ts), in Kafka's output format. IP quotas and client metrics are
// not supported by Samsa and say so.
import type { Admin, ConfigResourceType } from '../../client/index.js';
import { CommandError, type OptionSpec, type ParsedArgs, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { describeLine, parseAddConfig } from '../lib/configs.js';
import { parseKafkaArgs, ZOOKEEPER_SPEC } from '../lib/kafka-tool.js';
import { alterUserClient, describeUserClient, type QuotaPart } from '../lib/user-client-configs.js';
import { eprintln, errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-configs.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'The broker(s) to connect to, host:port[,host:port].',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: controller to connect to',
    help: 'The controller(s) to connect to; a Samsa node is broker and controller at once.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: command config property file',
    help: 'A properties file of admin client settings.',
  },
  { name: 'describe', help: 'Show the configs of the entity.' },
  { name: 'alter', help: 'Change the configs of the entity.' },
  { name: 'all', help: 'With --describe: every config, not only the dynamic ones.' },
  {
    name: 'entity-type',
    arg: 'required',
    argName: 'String',
    help: 'Type of the entity: topics, brokers, broker-loggers, groups, users or clients (users and clients may be given together; ips and client-metrics are not supported by Samsa).',
  },
  {
    name: 'entity-name',
    arg: 'required',
    argName: 'String',
    help: 'Name of the entity: topic name, broker id, group id, user principal name, client id.',
  },
  { name: 'entity-default', help: 'The default entity of the type (brokers, users, clients).' },
  {
    name: 'add-config',
    arg: 'required',
    argName: 'String',
    help: "Configs to set: 'k1=v1,k2=[v1,v2,v2],k3=v3' (square brackets group values that contain commas).",
  },
  {
    name: 'add-config-file',
    arg: 'required',
    argName: 'String',
    help: 'A properties file of configs to set.',
  },
  { name: 'delete-config', arg: 'required', argName: 'String', help: "Configs to remove: 'k1,k2'." },
  { name: 'force', help: 'Accepted for compatibility (Samsa asks no questions).' },
  {
    name: 'topic',
    arg: 'required',
    argName: 'String',
    help: 'The topic (same as --entity-type topics --entity-name).',
  },
  { name: 'broker', arg: 'required', argName: 'String', help: 'The broker id.' },
  { name: 'broker-defaults', help: 'The cluster-wide broker defaults.' },
  {
    name: 'broker-logger',
    arg: 'required',
    argName: 'String',
    help: 'The broker id, for its logger levels.',
  },
  { name: 'group', arg: 'required', argName: 'String', help: 'The group id.' },
  { name: 'client', arg: 'required', argName: 'String', help: 'A client id (its quotas).' },
  { name: 'client-defaults', help: 'The default client quotas.' },
  {
    name: 'user',
    arg: 'required',
    argName: 'String',
    help: "A user principal's name (its quotas and SCRAM credentials).",
  },
  { name: 'user-defaults', help: 'The default user quotas.' },
  {
    name: 'ip',
    arg: 'required',
    argName: 'String',
    help: 'An IP address (connection quotas: not supported yet).',
  },
  { name: 'ip-defaults', help: 'Default IP quotas (not supported yet).' },
  {
    name: 'client-metrics',
    arg: 'required',
    argName: 'String',
    help: 'A client metrics subscription (not supported yet).',
  },
  ZOOKEEPER_SPEC,
  { name: 'zk-tls-config-file', arg: 'required', hidden: true },
];

const SUMMARY =
  'Describes and changes the configs of topics, brokers, broker loggers and groups, and the quotas and SCRAM credentials of users and clients.';

const SUPPORTED: Record<string, ConfigResourceType> = {
  topics: 'topic',
  brokers: 'broker',
  'broker-loggers': 'broker-logger',
  groups: 'group',
};
const KNOWN = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups'];
const FLAGS: [string, string][] = [
  ['topic', 'topics'],
  ['client', 'clients'],
  ['user', 'users'],
  ['broker', 'brokers'],
  ['broker-logger', 'broker-loggers'],
  ['ip', 'ips'],
  ['client-metrics', 'client-metrics'],
  ['group', 'groups'],
];
const DEFAULT_FLAGS: [string, string][] = [
  ['client-defaults', 'clients'],
  ['user-defaults', 'users'],
  ['broker-defaults', 'brokers'],
  ['ip-defaults', 'ips'],
];

interface Entity {
  type: string;
  /** undefined: every entity of the type (describe); '': the default entity. */
  name: string | undefined;
  /** Users and clients (one of each at most): their parts, in the order given. */
  parts?: QuotaPart[];
}

/** `--entity-type users --entity-name alice [--entity-type clients --entity-default]`, or --user/--client. */
function userClientEntity(args: ParsedArgs, types: string[], viaFlags: [string, string][]): Entity {
  if (new Set(types).size !== types.length) throw new UsageError('Only one entity type may be given');
  let parts: QuotaPart[];
  if (viaFlags.length > 0) {
    parts = viaFlags.map(([flag, type]) => ({
      type: type as QuotaPart['type'],
      name: DEFAULT_FLAGS.some(([f]) => f === flag) ? '' : args.get(flag),
    }));
  } else {
    // --entity-name and --entity-default fill the types in order, as in Kafka.
    const given = args.all('entity-name');
    let next = 0;
    const names = args.order
      .filter((o) => o === 'entity-name' || o === 'entity-default')
      .map((o) => (o === 'entity-default' ? '' : given[next++]));
    if (names.length > types.length) throw new UsageError('More entity names specified than entity types');
    parts = types.map((type, i) => ({ type: type as QuotaPart['type'], name: names[i] }));
  }
  if (args.has('alter') && parts.some((p) => p.name === undefined))
    throw new UsageError(
      'An entity-name or default entity must be specified with --alter of users, clients, brokers or ips',
    );
  if (args.has('alter') && !args.any('add-config', 'add-config-file', 'delete-config'))
    throw new UsageError(
      'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter',
    );
  return { type: parts[0].type, name: parts[0].name, parts };
}

function entityOf(args: ParsedArgs): Entity {
  if (args.has('zookeeper') || args.has('zk-tls-config-file')) {
    throw new UsageError(
      '--zookeeper was removed in Kafka 4.0 and Samsa never used ZooKeeper: use --bootstrap-server host:port.',
    );
  }
  const actions = ['alter', 'describe'].filter((a) => args.has(a));
  if (actions.length !== 1)
    throw new UsageError('Command must include exactly one action: --describe, --alter');
  if (args.has('describe') && args.any('add-config', 'add-config-file', 'delete-config')) {
    throw new UsageError(
      'Option "--describe" can\'t be used with --add-config, --add-config-file or --delete-config',
    );
  }
  const viaFlags = [...FLAGS, ...DEFAULT_FLAGS].filter(([f]) => args.has(f));
  const viaType = args.all('entity-type');
  if (viaFlags.length > 0 && args.any('entity-type', 'entity-name', 'entity-default')) {
    throw new UsageError(
      '--entity-{type,name,default} should not be used in conjunction with specific entity flags',
    );
  }
  const types = [...viaType, ...viaFlags.map(([, t]) => t)];
  if (types.length === 0) throw new UsageError('At least one entity type must be specified');
  if (types.every((t) => t === 'users' || t === 'clients')) return userClientEntity(args, types, viaFlags);
  if (new Set(types).size > 1 || types.length > 1) throw new UsageError('Only one entity type may be given');
  const type = types[0];
  if (!KNOWN.includes(type)) {
    throw new UsageError(`Invalid entity type ${type}, the entity type must be one of ${KNOWN.join(', ')}`);
  }
  if (!SUPPORTED[type]) {
    throw new UsageError(
      `Samsa does not support ${type} configs yet (quotas, SCRAM credentials, client metrics).`,
    );
  }
  let name: string | undefined;
  if (viaFlags.length > 0) {
    const [flag] = viaFlags[0];
    name = DEFAULT_FLAGS.some(([f]) => f === flag) ? '' : args.get(flag);
  } else if (args.has('entity-name')) name = args.get('entity-name');
  else if (args.has('entity-default')) name = '';
  if (name && (type === 'brokers' || type === 'broker-loggers') && !/^-?\d+$/.test(name)) {
    throw new UsageError(`The entity name for ${type} must be a valid integer broker id, but it is: ${name}`);
  }
  if (args.has('describe') && name === '' && type !== 'brokers') {
    throw new UsageError(`--entity-default must not be specified with --describe of ${type}`);
  }
  if (args.has('describe') && type === 'broker-loggers' && !name) {
    throw new UsageError(`An entity name must be specified with --describe of ${type}`);
  }
  if (args.has('alter')) {
    if (name === undefined) {
      throw new UsageError(
        type === 'brokers'
          ? 'An entity-name or default entity must be specified with --alter of users, clients, brokers or ips'
          : `An entity name must be specified with --alter of ${type}`,
      );
    }
    if (args.has('add-config') && args.has('add-config-file')) {
      throw new UsageError('Only one of --add-config or --add-config-file must be specified');
    }
    if (!args.any('add-config', 'add-config-file', 'delete-config')) {
      throw new UsageError(
        'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter',
      );
    }
  }
  return { type, name };
}

/** The configs of one entity as kafka-configs shows them: dynamic ones (or all), by name. */
async function entries(admin: Admin, entity: Entity, name: string, all: boolean) {
  const type = SUPPORTED[entity.type];
  const [d] = await admin.describeConfigs([{ type, name }], { includeSynonyms: true });
  const dynamic =
    type === 'topic'
      ? 'dynamic-topic'
      : type === 'broker'
        ? name === ''
          ? 'dynamic-default-broker'
          : 'dynamic-broker'
        : type === 'group'
          ? 'group'
          : undefined;
  return d.configs
    .filter((e) => all || dynamic === undefined || e.source === dynamic)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describe(admin: Admin, entity: Entity, all: boolean): Promise<void> {
  let names: string[];
  if (entity.name !== undefined) names = [entity.name];
  else if (entity.type === 'topics') names = await admin.listTopics({ includeInternal: true });
  else if (entity.type === 'groups') names = (await admin.listGroups()).map((g) => g.groupId);
  else names = [...(await admin.describeCluster()).brokers.map((b) => String(b.nodeId)), ''];
  for (const name of names) {
    if (name === '') println(`Default configs for ${entity.type} in the cluster are:`);
    else println(`${all ? 'All' : 'Dynamic'} configs for ${entity.type.slice(0, -1)} ${name} are:`);
    for (const e of await entries(admin, entity, name, all)) println(describeLine(e));
  }
}

async function alter(admin: Admin, entity: Entity, args: ParsedArgs): Promise<void> {
  const name = entity.name as string;
  const add = {
    ...(args.has('add-config-file')
      ? loadProps(args.get('add-config-file') as string, '--add-config-file')
      : {}),
    ...(args.has('add-config') ? parseAddConfig(args.get('add-config') as string) : {}),
  };
  const remove = args
    .all('delete-config')
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entity.type !== 'broker-loggers') {
    const current = new Set((await entries(admin, entity, name, false)).map((e) => e.name));
    const invalid = remove.filter((k) => !current.has(k));
    if (invalid.length > 0) throw new CommandError(`Invalid config(s): ${invalid.join(',')}`);
  }
  await admin.incrementalAlterConfigs([
    {
      type: SUPPORTED[entity.type],
      name,
      ops: [
        ...Object.entries(add).map(([k, value]) => ({ op: 'set' as const, name: k, value })),
        ...remove.map((k) => ({ op: 'delete' as const, name: k })),
      ],
    },
  ]);
  if (name !== '') println(`Completed updating config for ${entity.type.slice(0, -1)} ${name}.`);
  else println(`Completed updating default config for ${entity.type} in the cluster.`);
}

async function userClient(admin: Admin, entity: Entity, args: ParsedArgs): Promise<void> {
  const parts = entity.parts as QuotaPart[];
  if (args.has('describe')) return describeUserClient(admin, parts);
  const add = {
    ...(args.has('add-config-file')
      ? loadProps(args.get('add-config-file') as string, '--add-config-file')
      : {}),
    ...(args.has('add-config') ? parseAddConfig(args.get('add-config') as string) : {}),
  };
  const remove = args
    .all('delete-config')
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  await alterUserClient(admin, parts, add, remove);
  const first = parts[0];
  if (first.name !== '') println(`Completed updating config for ${first.type.slice(0, -1)} ${first.name}.`);
  else println(`Completed updating default config for ${first.type} in the cluster.`);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const entity = entityOf(args);
  if (args.has('bootstrap-server') && args.has('bootstrap-controller')) {
    throw new UsageError('Only one of --bootstrap-server and --bootstrap-controller can be specified');
  }
  const bootstrap = args.get('bootstrap-server') ?? args.get('bootstrap-controller');
  if (bootstrap === undefined) {
    throw new UsageError(
      'One of the required --bootstrap-server or --bootstrap-controller arguments must be specified',
    );
  }
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  const settings = adminSettings(checkBootstrap(bootstrap), props, 'kafka-configs');
  try {
    await withAdmin(settings, (admin) => {
      if (entity.parts) return userClient(admin, entity, args);
      return args.has('describe') ? describe(admin, entity, args.has('all')) : alter(admin, entity, args);
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandError) throw err;
    eprintln(`Error while executing config command with args '${argv.join(' ')}'`);
    eprintln(errorMessage(err));
    return 1;
  }
  return 0;
}

runTool(NAME, main);

// samsa acl list|add|remove: ACLs in a few words.
//   samsa acl add User:alice write topic:orders          (ALLOW is the default; --deny for DENY)
//   samsa acl add User:bob read topic:orders. --prefix   (a prefixed pattern)
//   samsa acl list [User:alice] [topic:orders]
//   samsa acl remove User:alice write topic:orders
import type { AclBinding, AclFilter, AclOperationName, AclResourceType } from '../../client/index.js';
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

const TYPES: Record<string, AclResourceType> = {
  topic: 'TOPIC',
  group: 'GROUP',
  cluster: 'CLUSTER',
  'transactional-id': 'TRANSACTIONAL_ID',
  txn: 'TRANSACTIONAL_ID',
  user: 'USER',
};

function operationOf(word: string): AclOperationName {
  const op = word.toUpperCase().replace(/-/g, '_');
  const known = [
    'ALL',
    'READ',
    'WRITE',
    'CREATE',
    'DELETE',
    'ALTER',
    'DESCRIBE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
  ];
  if (!known.includes(op))
    throw new UsageError(
      `unknown operation '${word}' (one of ${known.map((k) => k.toLowerCase()).join(', ')})`,
    );
  return op as AclOperationName;
}

function resourceOf(word: string): { resourceType: AclResourceType; resourceName: string } {
  if (word === 'cluster') return { resourceType: 'CLUSTER', resourceName: 'kafka-cluster' };
  const i = word.indexOf(':');
  const type = i > 0 ? TYPES[word.slice(0, i)] : undefined;
  if (!type)
    throw new UsageError(
      `resource '${word}': expected topic:NAME, group:NAME, transactional-id:NAME or cluster`,
    );
  return { resourceType: type, resourceName: word.slice(i + 1) };
}

/** PRINCIPAL OPERATION RESOURCE for add/remove; any subset (principal first) for list. */
function parse(args: ParsedArgs, complete: boolean): AclFilter {
  const words = [...args.positionals];
  const filter: AclFilter = { patternType: args.has('prefix') ? 'PREFIXED' : complete ? 'LITERAL' : 'ANY' };
  for (const w of words) {
    if (/^[A-Za-z]+:/.test(w) && !/^(topic|group|transactional-id|txn|user):/.test(w)) filter.principal = w;
    else if (w === 'cluster' || w.includes(':')) Object.assign(filter, resourceOf(w));
    else filter.operation = operationOf(w);
  }
  if (complete && (!filter.principal || !filter.operation || !filter.resourceType))
    throw new UsageError('expected PRINCIPAL OPERATION RESOURCE, e.g. User:alice write topic:orders');
  if (args.has('deny')) filter.permission = 'DENY';
  else if (complete) filter.permission = 'ALLOW';
  if (args.has('host')) filter.host = args.get('host');
  else if (complete) filter.host = '*';
  return filter;
}

function show(acls: AclBinding[], ctx: Context): void {
  if (ctx.json) {
    printJson(acls);
    return;
  }
  println(
    table(
      ['PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE', 'PATTERN', 'HOST'],
      acls.map((a) => [
        a.principal,
        a.permission,
        a.operation,
        `${a.resourceType.toLowerCase()}:${a.resourceName}`,
        a.patternType,
        a.host,
      ]),
    ),
  );
}

const SPECS = [
  { name: 'prefix', help: 'The resource name is a prefix (PREFIXED pattern)' },
  { name: 'deny', help: 'A DENY ACL (default ALLOW)' },
  { name: 'host', arg: 'required' as const, argName: 'IP', help: 'Only from this host (default *)' },
];

export const list: Command = {
  name: 'acl list',
  summary: 'List ACLs, optionally of one principal, operation or resource.',
  usage: 'acl list [PRINCIPAL] [OPERATION] [RESOURCE] [options]',
  specs: SPECS,
  examples: ['samsa acl list', 'samsa acl list User:alice', 'samsa acl list topic:orders'],
  async run(args, ctx) {
    const acls = await withAdmin(ctx.settings(), (admin) => admin.describeAcls(parse(args, false)));
    show(acls, ctx);
    return 0;
  },
};

export const add: Command = {
  name: 'acl add',
  summary: 'Allow (or with --deny, deny) a principal an operation on a resource.',
  usage: 'acl add PRINCIPAL OPERATION RESOURCE [options]',
  specs: SPECS,
  examples: [
    'samsa acl add User:alice write topic:orders',
    'samsa acl add User:bob read topic:orders. --prefix',
    'samsa acl add User:bob read group:billing',
  ],
  async run(args, ctx) {
    const f = parse(args, true) as AclBinding;
    await withAdmin(ctx.settings(), (admin) => admin.createAcls([f]));
    show([f], ctx);
    return 0;
  },
};

export const remove: Command = {
  name: 'acl remove',
  summary: 'Remove the ACLs that match (principal, operation, resource; --prefix, --deny, --host).',
  usage: 'acl remove PRINCIPAL OPERATION RESOURCE [options]',
  specs: SPECS,
  examples: ['samsa acl remove User:alice write topic:orders'],
  async run(args, ctx) {
    const [removed] = await withAdmin(ctx.settings(), (admin) => admin.deleteAcls([parse(args, true)]));
    show(removed, ctx);
    return removed.length > 0 ? 0 : 1;
  },
};

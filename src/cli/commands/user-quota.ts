// samsa user list|set|delete (SCRAM credentials) and samsa quota list|set: the security chores of
// kafka-configs.sh in a few words.
//   samsa user set alice --password secret [--mechanism SCRAM-SHA-512] [--iterations 8192]
//   samsa quota set --user alice producer_byte_rate=1048576 [--client-id app]
import type { QuotaEntity, ScramMechanismName } from '../../client/index.js';
import { type ParsedArgs, UsageError } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { type Command, names, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

const MECHANISMS: ScramMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

function mechanisms(args: ParsedArgs): ScramMechanismName[] {
  if (!args.has('mechanism')) return MECHANISMS;
  return args.all('mechanism').map((m) => {
    const u = m.toUpperCase() as ScramMechanismName;
    if (!MECHANISMS.includes(u)) throw new UsageError(`--mechanism ${m}: SCRAM-SHA-256 or SCRAM-SHA-512`);
    return u;
  });
}

export const userList: Command = {
  name: 'user list',
  summary: 'Users with SCRAM credentials, their mechanisms and iterations.',
  usage: 'user list [USER...]',
  specs: [],
  examples: ['samsa user list', 'samsa user list alice'],
  async run(args, ctx) {
    const users = await withAdmin(ctx.settings(), (admin) =>
      admin.describeUserScramCredentials(args.positionals.length > 0 ? [...args.positionals] : undefined),
    );
    if (ctx.json) printJson(users);
    else
      println(
        table(
          ['USER', 'MECHANISM', 'ITERATIONS'],
          users.flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, String(c.iterations)])),
        ),
      );
    return 0;
  },
};

export const userSet: Command = {
  name: 'user set',
  summary: 'Create a user or change its password (SCRAM-SHA-256 and -512 unless --mechanism says).',
  usage: 'user set USER --password PASSWORD [options]',
  specs: [
    {
      name: 'password',
      arg: 'required',
      argName: 'PASSWORD',
      help: 'The password (salted and hashed before it leaves)',
    },
    {
      name: 'mechanism',
      arg: 'required',
      argName: 'M',
      help: 'SCRAM-SHA-256 or SCRAM-SHA-512 (repeatable; default both)',
    },
    {
      name: 'iterations',
      arg: 'required',
      argName: 'N',
      help: 'PBKDF2 iterations, 4096-16384 (default 4096)',
    },
  ],
  examples: [
    'samsa user set alice --password alice-secret',
    'samsa user set bob --password x --mechanism SCRAM-SHA-512 --iterations 8192',
  ],
  async run(args, ctx) {
    const [user] = names(args, 'user');
    const password = args.get('password');
    if (!password) throw new UsageError('--password is required');
    const iterations = args.has('iterations') ? Number(args.get('iterations')) : undefined;
    await withAdmin(ctx.settings(), (admin) =>
      admin.alterUserScramCredentials(
        mechanisms(args).map((mechanism) => ({ kind: 'upsert', user, mechanism, password, iterations })),
      ),
    );
    println(`User ${user}: ${mechanisms(args).join(', ')} set.`);
    return 0;
  },
};

export const userDelete: Command = {
  name: 'user delete',
  summary: 'Remove SCRAM credentials of users (both mechanisms unless --mechanism says).',
  usage: 'user delete USER... [--mechanism M]',
  specs: [{ name: 'mechanism', arg: 'required', argName: 'M', help: 'Only this mechanism (repeatable)' }],
  examples: ['samsa user delete alice'],
  async run(args, ctx) {
    const users = names(args, 'user');
    const wanted = mechanisms(args);
    await withAdmin(ctx.settings(), async (admin) => {
      const known = await admin.describeUserScramCredentials(users);
      const deletions = known.flatMap((u) =>
        u.credentials
          .filter((c) => wanted.includes(c.mechanism as ScramMechanismName))
          .map((c) => ({
            kind: 'delete' as const,
            user: u.user,
            mechanism: c.mechanism as ScramMechanismName,
          })),
      );
      await admin.alterUserScramCredentials(deletions);
    });
    println(`Deleted: ${users.join(', ')}.`);
    return 0;
  },
};

/** --user NAME / --user-default and --client-id NAME / --client-default. */
function entityOf(args: ParsedArgs, required: boolean): QuotaEntity {
  const e: QuotaEntity = {};
  if (args.has('user')) e.user = args.get('user') as string;
  if (args.has('user-default')) e.user = null;
  if (args.has('client-id')) e.clientId = args.get('client-id') as string;
  if (args.has('client-default')) e.clientId = null;
  if (required && e.user === undefined && e.clientId === undefined)
    throw new UsageError(
      'name the entity: --user NAME, --user-default, --client-id NAME or --client-default',
    );
  return e;
}

const ENTITY_SPECS = [
  { name: 'user', arg: 'required' as const, argName: 'NAME', help: 'A user (principal name)' },
  { name: 'user-default', help: 'The default user' },
  { name: 'client-id', arg: 'required' as const, argName: 'ID', help: 'A client id' },
  { name: 'client-default', help: 'The default client id' },
];

const describeName = (v: string | null | undefined) => (v === undefined ? '' : v === null ? '<default>' : v);

export const quotaList: Command = {
  name: 'quota list',
  summary: 'Client quotas, of every entity or of the one named.',
  usage: 'quota list [--user NAME|--user-default] [--client-id ID|--client-default]',
  specs: ENTITY_SPECS,
  examples: ['samsa quota list', 'samsa quota list --user alice'],
  async run(args, ctx) {
    const e = entityOf(args, false);
    const filter = {
      ...(e.user !== undefined ? { user: e.user } : {}),
      ...(e.clientId !== undefined ? { clientId: e.clientId } : {}),
    };
    const entries = await withAdmin(ctx.settings(), (admin) => admin.describeClientQuotas(filter));
    if (ctx.json) printJson(entries);
    else
      println(
        table(
          ['USER', 'CLIENT-ID', 'QUOTA', 'VALUE'],
          entries.flatMap((q) =>
            Object.entries(q.quotas).map(([k, v]) => [
              describeName(q.entity.user),
              describeName(q.entity.clientId),
              k,
              String(v),
            ]),
          ),
        ),
      );
    return 0;
  },
};

export const quotaSet: Command = {
  name: 'quota set',
  summary: 'Set quotas (KEY=VALUE) or remove them (KEY=) for a user, a client id or both.',
  usage: 'quota set KEY=VALUE... (--user NAME|--user-default) [--client-id ID|--client-default]',
  specs: ENTITY_SPECS,
  examples: [
    'samsa quota set producer_byte_rate=1048576 --user alice',
    'samsa quota set consumer_byte_rate= --client-id app',
  ],
  async run(args, ctx) {
    const entity = entityOf(args, true);
    const quotas: Record<string, number | null> = {};
    for (const kv of args.positionals) {
      const [k, v] = kv.split('=');
      if (!k || v === undefined) throw new UsageError(`'${kv}': expected KEY=VALUE (or KEY= to remove)`);
      const n = Number(v);
      if (v !== '' && !Number.isFinite(n)) throw new UsageError(`'${kv}': the value is not a number`);
      quotas[k] = v === '' ? null : n;
    }
    if (Object.keys(quotas).length === 0) throw new UsageError('nothing to set: give KEY=VALUE');
    await withAdmin(ctx.settings(), (admin) => admin.alterClientQuotas([{ entity, quotas }]));
    println('Quotas updated.');
    return 0;
  },
};

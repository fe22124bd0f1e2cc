// kafka-configs.sh for users and clients: client quotas (producer_byte_rate, consumer_byte_rate,
// request_percentage, controller_mutation_rate) of a user, a client id, or a user's client id (each
// may be the default entity), and SCRAM credentials of users ('SCRAM-SHA-256=[iterations=8192,
// password=...]'). Output lines are Kafka's: "Quota configs for user-principal 'alice' are
// producer_byte_rate=1024.0" and "SCRAM credential configs for user-principal 'alice' are
// SCRAM-SHA-256=iterations=8192".
import type { Admin, QuotaEntity, ScramAlteration, ScramMechanismName } from '../../client/index.js';
import { javaDoubleText } from '../../config/values.js';
import { CommandError, UsageError } from '../args.js';
import { println } from '../tool.js';

export const QUOTA_KEYS = [
  'producer_byte_rate',
  'consumer_byte_rate',
  'request_percentage',
  'controller_mutation_rate',
];
const SCRAM_MECHANISMS: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
const DEFAULT_SCRAM_ITERATIONS = 4096;

/** One entity part: users or clients, with a name, '' for the default entity, undefined for any. */
export interface QuotaPart {
  type: 'users' | 'clients';
  name: string | undefined;
}

function entityOf(parts: readonly QuotaPart[]): QuotaEntity {
  const e: QuotaEntity = {};
  for (const p of parts) {
    const name = p.name === '' ? null : (p.name as string);
    if (p.type === 'users') e.user = name;
    else e.clientId = name;
  }
  return e;
}

function describeEntity(e: QuotaEntity): string {
  const parts: string[] = [];
  if (e.user !== undefined)
    parts.push(
      e.user === null || e.user === '' ? 'the default user-principal' : `user-principal '${e.user}'`,
    );
  if (e.clientId !== undefined)
    parts.push(
      e.clientId === null || e.clientId === '' ? 'the default client-id' : `client-id '${e.clientId}'`,
    );
  return parts.join(', ');
}

export async function describeUserClient(admin: Admin, parts: readonly QuotaPart[]): Promise<void> {
  const filter: Parameters<Admin['describeClientQuotas']>[0] = {};
  for (const p of parts) {
    const key = p.type === 'users' ? 'user' : 'clientId';
    if (p.name === undefined) filter[p.type === 'users' ? 'anyUser' : 'anyClientId'] = true;
    else filter[key] = p.name === '' ? null : p.name;
  }
  const entries = await admin.describeClientQuotas(filter, { strict: true });
  for (const e of entries) {
    const values = Object.entries(e.quotas)
      .map(([k, v]) => `${k}=${javaDoubleText(v)}`)
      .join(', ');
    println(`Quota configs for ${describeEntity(e.entity)} are ${values}`);
  }
  // SCRAM credentials go with users only, never with clients or the default user (as Kafka).
  if (parts.some((p) => p.type === 'clients') || parts.some((p) => p.name === '')) return;
  const names = parts.flatMap((p) => (p.name ? [p.name] : []));
  let users: Awaited<ReturnType<Admin['describeUserScramCredentials']>>;
  try {
    users = await admin.describeUserScramCredentials(names.length > 0 ? names : undefined);
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code !== 'RESOURCE_NOT_FOUND') throw err;
    for (const n of names)
      println(
        `Error retrieving SCRAM credential configs for user-principal '${n}': ResourceNotFoundException: Attempt to describe a user credential that does not exist: ${n}`,
      );
    return;
  }
  for (const u of users) {
    const text = u.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ');
    println(`SCRAM credential configs for user-principal '${u.user}' are ${text}`);
  }
}

/** `[iterations=8192,]password=...` of a SCRAM-SHA-* value. */
function scramValue(mechanism: string, value: string): { iterations: number; password: string } {
  const m = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value);
  if (!m) throw new UsageError(`Invalid credential property ${mechanism}=${value}`);
  const iterations = m[1] && m[1] !== '-1' ? Number(m[1]) : DEFAULT_SCRAM_ITERATIONS;
  if (iterations < 4096)
    throw new UsageError(`Iterations ${iterations} is less than the minimum 4096 required for ${mechanism}`);
  return { iterations, password: m[2] };
}

export async function alterUserClient(
  admin: Admin,
  parts: readonly QuotaPart[],
  add: Record<string, string>,
  remove: readonly string[],
): Promise<void> {
  const clients = parts.some((p) => p.type === 'clients');
  const isQuota = (k: string) => QUOTA_KEYS.includes(k);
  const isScram = (k: string) => SCRAM_MECHANISMS.includes(k);
  const unknownAdd = Object.keys(add).filter((k) => !isQuota(k) && !(isScram(k) && !clients));
  const unknownRemove = remove.filter((k) => !isQuota(k) && !(isScram(k) && !clients));
  if (unknownAdd.length > 0 || unknownRemove.length > 0) {
    const which = unknownAdd.length > 0 ? 'added' : 'deleted';
    const names = (unknownAdd.length > 0 ? unknownAdd : unknownRemove).join(',');
    throw new UsageError(
      clients
        ? `Only quota configs can be ${which} for 'clients' using --bootstrap-server. Unexpected config names: ${names}`
        : `Only quota and SCRAM credential configs can be ${which} for 'users' using --bootstrap-server. Unexpected config names: ${names}`,
    );
  }
  const scram = [...Object.keys(add), ...remove].some(isScram);
  const quota = [...Object.keys(add), ...remove].some(isQuota);
  if (scram) {
    if (parts.some((p) => p.name === ''))
      throw new UsageError(
        'The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.',
      );
    if (quota)
      throw new UsageError(
        "Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.",
      );
    const user = parts[0].name as string;
    const alterations: ScramAlteration[] = [
      ...remove.map((k) => ({ kind: 'delete' as const, user, mechanism: k as ScramMechanismName })),
      ...Object.entries(add).map(([k, v]) => ({
        kind: 'upsert' as const,
        user,
        mechanism: k as ScramMechanismName,
        ...scramValue(k, v),
      })),
    ];
    await admin.alterUserScramCredentials(alterations);
    return;
  }
  const entity = entityOf(parts);
  const current =
    (
      await admin.describeClientQuotas(
        Object.fromEntries(
          parts.map((p) => [p.type === 'users' ? 'user' : 'clientId', p.name === '' ? null : p.name]),
        ),
        { strict: true },
      )
    )[0]?.quotas ?? {};
  const missing = remove.filter((k) => !(k in current));
  if (missing.length > 0) throw new CommandError(`Invalid config(s): ${missing.join(',')}`);
  const quotas: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(add)) {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`Cannot parse quota configuration value for ${k}: ${v}`);
    quotas[k] = n;
  }
  for (const k of remove) quotas[k] = null;
  await admin.alterClientQuotas([{ entity, quotas }]);
}

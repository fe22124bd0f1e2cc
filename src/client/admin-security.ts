// The admin client's security calls: SCRAM users (Describe/AlterUserScramCredentials: the password is
// salted and hashed here, only the salted password travels), ACLs (Create/Describe/DeleteAcls) and
// client quotas (Describe/AlterClientQuotas). Names are Kafka's (`TOPIC`, `LITERAL`, `READ`, `ALLOW`),
// as kafka-acls.sh and the Java admin client write them.
import { randomBytes } from 'node:crypto';
import type {
  AlterClientQuotasResponse,
  AlterUserScramCredentialsResponse,
  CreateAclsResponse,
  DeleteAclsResponse,
  DescribeAclsResponse,
  DescribeClientQuotasResponse,
  DescribeUserScramCredentialsResponse,
} from '../protocol/index.js';
import { SCRAM_HASH, saltedPassword } from '../security/sasl/scram-client.js';
import type { Cluster } from './cluster.js';
import { clientError, combineErrors, type KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export const RESOURCE_TYPES = [
  'UNKNOWN',
  'ANY',
  'TOPIC',
  'GROUP',
  'CLUSTER',
  'TRANSACTIONAL_ID',
  'DELEGATION_TOKEN',
  'USER',
] as const;
export const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
export const OPERATIONS = [
  'UNKNOWN',
  'ANY',
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
  'CREATE_TOKENS',
  'DESCRIBE_TOKENS',
] as const;
export const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

export type AclResourceType = (typeof RESOURCE_TYPES)[number];
export type AclPatternType = (typeof PATTERN_TYPES)[number];
export type AclOperationName = (typeof OPERATIONS)[number];
export type AclPermission = (typeof PERMISSIONS)[number];

export interface AclBinding {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  /** `User:alice`, or `User:*`. */
  principal: string;
  /** An IP address or `*`. */
  host: string;
  operation: AclOperationName;
  permission: AclPermission;
}

/** Which ACLs to describe or delete; absent fields match anything. */
export interface AclFilter {
  resourceType?: AclResourceType;
  resourceName?: string | null;
  patternType?: AclPatternType;
  principal?: string | null;
  host?: string | null;
  operation?: AclOperationName;
  permission?: AclPermission;
}

function code(table: readonly string[], name: string, what: string): number {
  const i = table.indexOf(name.toUpperCase());
  if (i < 0) throw clientError('INVALID_ARGUMENT', `unknown ACL ${what} ${name}`);
  return i;
}

function wireFilter(f: AclFilter) {
  return {
    resourceTypeFilter: code(RESOURCE_TYPES, f.resourceType ?? 'ANY', 'resource type'),
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: code(PATTERN_TYPES, f.patternType ?? 'ANY', 'pattern type'),
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: code(OPERATIONS, f.operation ?? 'ANY', 'operation'),
    permissionType: code(PERMISSIONS, f.permission ?? 'ANY', 'permission type'),
  };
}

function bindingOf(r: {
  resourceType: number;
  resourceName: string;
  patternType?: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}): AclBinding {
  return {
    resourceType: RESOURCE_TYPES[r.resourceType] ?? 'UNKNOWN',
    resourceName: r.resourceName,
    patternType: PATTERN_TYPES[r.patternType ?? 3] ?? 'UNKNOWN',
    principal: r.principal,
    host: r.host,
    operation: OPERATIONS[r.operation] ?? 'UNKNOWN',
    permission: PERMISSIONS[r.permissionType] ?? 'UNKNOWN',
  };
}

export async function createAcls(
  cluster: Cluster,
  acls: readonly AclBinding[],
  timeoutMs: number,
): Promise<void> {
  const creations = acls.map((a) => ({
    resourceType: code(RESOURCE_TYPES, a.resourceType, 'resource type'),
    resourceName: a.resourceName,
    resourcePatternType: code(PATTERN_TYPES, a.patternType, 'pattern type'),
    principal: a.principal,
    host: a.host,
    operation: code(OPERATIONS, a.operation, 'operation'),
    permissionType: code(PERMISSIONS, a.permission, 'permission type'),
  }));
  const res = await cluster.withRetries(
    'CreateAcls',
    async () =>
      (await cluster.anyConnection()).send<CreateAclsResponse>(API.CreateAcls, () => ({ creations })),
    timeoutMs,
  );
  const errors = res.results
    .map((r, i) =>
      r.errorCode === 0
        ? null
        : kafkaError(r.errorCode, { api: 'CreateAcls' }, r.errorMessage ?? describe(acls[i])),
    )
    .filter((e): e is KafkaError => e !== null);
  if (errors.length > 0) throw combineErrors(errors, 'CreateAcls failed');
}

function describe(a: AclBinding): string {
  return `${a.permission} ${a.principal} ${a.operation} on ${a.resourceType}:${a.patternType}:${a.resourceName} from ${a.host}`;
}

export async function describeAcls(
  cluster: Cluster,
  filter: AclFilter,
  timeoutMs: number,
): Promise<AclBinding[]> {
  const res = await cluster.withRetries(
    'DescribeAcls',
    async () =>
      (await cluster.anyConnection()).send<DescribeAclsResponse>(API.DescribeAcls, () => wireFilter(filter)),
    timeoutMs,
  );
  if (res.errorCode !== 0)
    throw kafkaError(res.errorCode, { api: 'DescribeAcls' }, res.errorMessage ?? undefined);
  return res.resources.flatMap((r) =>
    r.acls.map((a) =>
      bindingOf({
        ...a,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        patternType: r.patternType,
      }),
    ),
  );
}

/** Deletes what each filter selects; returns the ACLs deleted, per filter. */
export async function deleteAcls(
  cluster: Cluster,
  filters: readonly AclFilter[],
  timeoutMs: number,
): Promise<AclBinding[][]> {
  const res = await cluster.withRetries(
    'DeleteAcls',
    async () =>
      (await cluster.anyConnection()).send<DeleteAclsResponse>(API.DeleteAcls, () => ({
        filters: filters.map(wireFilter),
      })),
    timeoutMs,
  );
  const errors = res.filterResults
    .filter((r) => r.errorCode !== 0)
    .map((r) => kafkaError(r.errorCode, { api: 'DeleteAcls' }, r.errorMessage ?? undefined));
  if (errors.length > 0) throw combineErrors(errors, 'DeleteAcls failed');
  return res.filterResults.map((r) => r.matchingAcls.map(bindingOf));
}

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const SCRAM_TYPES: Record<ScramMechanismName, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

export type ScramAlteration =
  | {
      kind: 'upsert';
      user: string;
      mechanism: ScramMechanismName;
      password: string;
      iterations?: number;
      salt?: Buffer;
    }
  | { kind: 'delete'; user: string; mechanism: ScramMechanismName };

export interface ScramUserDescription {
  user: string;
  credentials: { mechanism: ScramMechanismName | 'UNKNOWN'; iterations: number }[];
}

export async function alterUserScramCredentials(
  cluster: Cluster,
  alterations: readonly ScramAlteration[],
  timeoutMs: number,
): Promise<void> {
  const deletions: { name: string; mechanism: number }[] = [];
  const upsertions: {
    name: string;
    mechanism: number;
    iterations: number;
    salt: Buffer;
    saltedPassword: Buffer;
  }[] = [];
  for (const a of alterations) {
    const mechanism = SCRAM_TYPES[a.mechanism];
    if (mechanism === undefined)
      throw clientError('INVALID_ARGUMENT', `unknown SCRAM mechanism ${a.mechanism}`);
    if (a.kind === 'delete') deletions.push({ name: a.user, mechanism });
    else {
      const iterations = a.iterations ?? 4096;
      const salt = a.salt ?? randomBytes(SCRAM_HASH[a.mechanism].bytes);
      const salted = saltedPassword(a.mechanism, a.password, salt, iterations);
      upsertions.push({ name: a.user, mechanism, iterations, salt, saltedPassword: salted });
    }
  }
  const res = await cluster.withRetries(
    'AlterUserScramCredentials',
    async () =>
      (await cluster.anyConnection()).send<AlterUserScramCredentialsResponse>(
        API.AlterUserScramCredentials,
        () => ({
          deletions,
          upsertions,
        }),
      ),
    timeoutMs,
  );
  const errors = res.results
    .filter((r) => r.errorCode !== 0)
    .map((r) =>
      kafkaError(
        r.errorCode,
        { api: 'AlterUserScramCredentials' },
        `${r.errorMessage ?? 'failed'} (user ${r.user})`,
      ),
    );
  if (errors.length > 0) throw combineErrors(errors, 'AlterUserScramCredentials failed');
}

/** SCRAM credentials of the named users (all users when `users` is absent). */
export async function describeUserScramCredentials(
  cluster: Cluster,
  users: readonly string[] | undefined,
  timeoutMs: number,
): Promise<ScramUserDescription[]> {
  const res = await cluster.withRetries(
    'DescribeUserScramCredentials',
    async () =>
      (await cluster.anyConnection()).send<DescribeUserScramCredentialsResponse>(
        API.DescribeUserScramCredentials,
        () => ({
          users: users ? users.map((name) => ({ name })) : null,
        }),
      ),
    timeoutMs,
  );
  if (res.errorCode !== 0)
    throw kafkaError(res.errorCode, { api: 'DescribeUserScramCredentials' }, res.errorMessage ?? undefined);
  const errors = res.results
    .filter((r) => r.errorCode !== 0)
    .map((r) => kafkaError(r.errorCode, { api: 'DescribeUserScramCredentials' }, r.errorMessage ?? r.user));
  if (errors.length > 0) throw combineErrors(errors, 'DescribeUserScramCredentials failed');
  return res.results.map((r) => ({
    user: r.user,
    credentials: r.credentialInfos.map((c) => ({
      mechanism: c.mechanism === 1 ? 'SCRAM-SHA-256' : c.mechanism === 2 ? 'SCRAM-SHA-512' : 'UNKNOWN',
      iterations: c.iterations,
    })),
  }));
}

/** A quota entity: `user` and/or `clientId`, each a name or null for the `<default>` entity. */
export interface QuotaEntity {
  user?: string | null;
  clientId?: string | null;
}

export interface QuotaEntry {
  entity: QuotaEntity;
  quotas: Record<string, number>;
}

function entityData(e: QuotaEntity) {
  const out: { entityType: string; entityName: string | null }[] = [];
  if (e.user !== undefined) out.push({ entityType: 'user', entityName: e.user });
  if (e.clientId !== undefined) out.push({ entityType: 'client-id', entityName: e.clientId });
  return out;
}

/** Sets quotas (a number) and removes them (null). */
export async function alterClientQuotas(
  cluster: Cluster,
  changes: readonly { entity: QuotaEntity; quotas: Record<string, number | null> }[],
  timeoutMs: number,
): Promise<void> {
  const entries = changes.map((c) => ({
    entity: entityData(c.entity),
    ops: Object.entries(c.quotas).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
  }));
  const res = await cluster.withRetries(
    'AlterClientQuotas',
    async () =>
      (await cluster.anyConnection()).send<AlterClientQuotasResponse>(API.AlterClientQuotas, () => ({
        entries,
        validateOnly: false,
      })),
    timeoutMs,
  );
  const errors = res.entries
    .filter((r) => r.errorCode !== 0)
    .map((r) => kafkaError(r.errorCode, { api: 'AlterClientQuotas' }, r.errorMessage ?? undefined));
  if (errors.length > 0) throw combineErrors(errors, 'AlterClientQuotas failed');
}

/**
 * Stored quotas. `filter` names entity types: a name matches exactly, null the `<default>` entity,
 * undefined any specified name; `strict` wants exactly those types.
 */
export async function describeClientQuotas(
  cluster: Cluster,
  filter: { user?: string | null; clientId?: string | null; anyUser?: boolean; anyClientId?: boolean },
  strict: boolean,
  timeoutMs: number,
): Promise<QuotaEntry[]> {
  const components: { entityType: string; matchType: number; match: string | null }[] = [];
  const add = (type: string, name: string | null | undefined, any: boolean | undefined) => {
    if (any) components.push({ entityType: type, matchType: 2, match: null });
    else if (name === null) components.push({ entityType: type, matchType: 1, match: null });
    else if (name !== undefined) components.push({ entityType: type, matchType: 0, match: name });
  };
  add('user', filter.user, filter.anyUser);
  add('client-id', filter.clientId, filter.anyClientId);
  const res = await cluster.withRetries(
    'DescribeClientQuotas',
    async () =>
      (await cluster.anyConnection()).send<DescribeClientQuotasResponse>(API.DescribeClientQuotas, () => ({
        components,
        strict,
      })),
    timeoutMs,
  );
  if (res.errorCode !== 0)
    throw kafkaError(res.errorCode, { api: 'DescribeClientQuotas' }, res.errorMessage ?? undefined);
  return (res.entries ?? []).map((e) => {
    const entity: QuotaEntity = {};
    for (const x of e.entity) {
      if (x.entityType === 'user') entity.user = x.entityName;
      else if (x.entityType === 'client-id') entity.clientId = x.entityName;
    }
    return { entity, quotas: Object.fromEntries(e.values.map((v) => [v.key, v.value])) };
  });
}

// The admin client's ACL calls: describe the bindings matching a filter and create bindings
// (DescribeAcls, CreateAcls). Any broker answers; in KRaft it forwards creations to the controller.
// A broker without an authorizer answers SECURITY_DISABLED, and one without the API leaves it out of
// ApiVersions (UNSUPPORTED_VERSION here): both reach the caller as KafkaErrors with those codes.
import type { CreateAclsResponse, DescribeAclsResponse } from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import { combineErrors, kafkaError } from './errors.js';
import { API } from './versions.js';

// Kafka's enum values (org.apache.kafka.common.resource / acl), by their lower-case names.
const RESOURCE_TYPES = [
  'unknown',
  'any',
  'topic',
  'group',
  'cluster',
  'transactional-id',
  'delegation-token',
  'user',
] as const;
const PATTERN_TYPES = ['unknown', 'any', 'match', 'literal', 'prefixed'] as const;
const OPERATIONS = [
  'unknown',
  'any',
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'cluster-action',
  'describe-configs',
  'alter-configs',
  'idempotent-write',
  'create-tokens',
  'describe-tokens',
  'two-phase-commit',
] as const;
const PERMISSIONS = ['unknown', 'any', 'deny', 'allow'] as const;

export type AclResourceType = (typeof RESOURCE_TYPES)[number];
export type AclPatternType = (typeof PATTERN_TYPES)[number];
export type AclOperation = (typeof OPERATIONS)[number];
export type AclPermissionType = (typeof PERMISSIONS)[number];

export interface AclBinding {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  /** "User:alice", or "User:*". */
  principal: string;
  /** "*" for any host. */
  host: string;
  operation: AclOperation;
  permissionType: AclPermissionType;
}

/** Unset fields match anything. */
export interface AclFilter {
  resourceType?: AclResourceType;
  resourceName?: string | null;
  patternType?: AclPatternType;
  principal?: string | null;
  host?: string | null;
  operation?: AclOperation;
  permissionType?: AclPermissionType;
}

const code = <T extends string>(list: readonly T[], name: T): number => list.indexOf(name);
const name = <T extends string>(list: readonly T[], value: number | undefined, fallback: T): T =>
  list[value ?? -1] ?? fallback;

export async function describeAcls(
  cluster: Cluster,
  filter: AclFilter,
  timeoutMs: number,
): Promise<AclBinding[]> {
  const res = await cluster.withRetries(
    'DescribeAcls',
    async () => {
      const conn = await cluster.anyConnection();
      return conn.send<DescribeAclsResponse>(API.DescribeAcls, () => ({
        resourceTypeFilter: code(RESOURCE_TYPES, filter.resourceType ?? 'any'),
        resourceNameFilter: filter.resourceName ?? null,
        patternTypeFilter: code(PATTERN_TYPES, filter.patternType ?? 'any'),
        principalFilter: filter.principal ?? null,
        hostFilter: filter.host ?? null,
        operation: code(OPERATIONS, filter.operation ?? 'any'),
        permissionType: code(PERMISSIONS, filter.permissionType ?? 'any'),
      }));
    },
    timeoutMs,
  );
  if (res.errorCode !== 0) throw kafkaError(res.errorCode, { api: 'DescribeAcls' }, res.errorMessage);
  const out: AclBinding[] = [];
  for (const r of res.resources) {
    for (const a of r.acls) {
      out.push({
        resourceType: name(RESOURCE_TYPES, r.resourceType, 'unknown'),
        resourceName: r.resourceName,
        patternType: name(PATTERN_TYPES, r.patternType ?? 3, 'unknown'),
        principal: a.principal,
        host: a.host,
        operation: name(OPERATIONS, a.operation, 'unknown'),
        permissionType: name(PERMISSIONS, a.permissionType, 'unknown'),
      });
    }
  }
  return out;
}

export async function createAcls(
  cluster: Cluster,
  bindings: readonly AclBinding[],
  timeoutMs: number,
): Promise<void> {
  if (bindings.length === 0) return;
  const res = await cluster.withRetries(
    'CreateAcls',
    async () => {
      const conn = await cluster.anyConnection();
      return conn.send<CreateAclsResponse>(API.CreateAcls, () => ({
        creations: bindings.map((b) => ({
          resourceType: code(RESOURCE_TYPES, b.resourceType),
          resourceName: b.resourceName,
          resourcePatternType: code(PATTERN_TYPES, b.patternType),
          principal: b.principal,
          host: b.host,
          operation: code(OPERATIONS, b.operation),
          permissionType: code(PERMISSIONS, b.permissionType),
        })),
      }));
    },
    timeoutMs,
  );
  const errors = res.results
    .map((r, i) =>
      r.errorCode === 0
        ? null
        : kafkaError(r.errorCode, { topic: bindings[i]?.resourceName, api: 'CreateAcls' }, r.errorMessage),
    )
    .filter((e) => e !== null);
  if (errors.length > 0) throw combineErrors(errors, 'CreateAcls failed');
}

// Kafka's ACL vocabulary with its wire codes: resource types, pattern types, operations and
// permission types (CreateAcls, DescribeAcls, DeleteAcls, AccessControlEntryRecord). The
// authorized-operations bit fields are computed in ../authorized-operations.ts.

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

/** The name of the one CLUSTER resource. */
export const CLUSTER_RESOURCE = 'kafka-cluster';
/** A LITERAL resource name matching every resource of its type. */
export const WILDCARD_RESOURCE = '*';
export const WILDCARD_HOST = '*';

export function nameOf<T extends Record<string, number>>(table: T, code: number): string {
  for (const [k, v] of Object.entries(table)) if (v === code) return k;
  return 'UNKNOWN';
}

/** Case-insensitive lookup of a name (`topic`, `Topic`, `TOPIC`, `transactional-id`...), null if unknown. */
export function codeOf<T extends Record<string, number>>(table: T, name: string): T[keyof T] | null {
  const key = name.toUpperCase().replace(/-/g, '_');
  return key in table ? (table[key as keyof T] as T[keyof T]) : null;
}

/** One stored ACL: a resource pattern and an access control entry. */
export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  /** `User:alice`, or `User:*` for every user. */
  principal: string;
  host: string;
  operation: AclOperation;
  permission: Permission;
}

/** Which bindings a DescribeAcls or DeleteAcls filter selects; null fields match anything. */
export interface AclFilter {
  resourceType: ResourceType;
  resourceName: string | null;
  patternType: PatternType;
  principal: string | null;
  host: string | null;
  operation: AclOperation;
  permission: Permission;
}

// The operations a client may perform on a resource, as Kafka reports them in Metadata (v8+),
// DescribeCluster, DescribeTopicPartitions and DescribeGroups (v3+) when asked: a 32-bit field with
// bit `code` set for each allowed AclOperation. Kafka asks its authorizer about every operation the
// resource type supports; without an authorizer, all of them are allowed. `can` is where an
// authorizer plugs in (it is asked once per supported operation).
import { AclOperation } from './acl/types.js';

/** The operations a resource can support (not UNKNOWN, ANY or ALL). */
export type AclOperationCode = Exclude<AclOperation, 0 | 1 | 2>;

export type AclResourceType =
  | 'topic'
  | 'group'
  | 'cluster'
  | 'transactional-id'
  | 'delegation-token'
  | 'user';

const op = AclOperation;

/** The operations each resource type supports (Kafka's AclEntry.supportedOperations). */
export const SUPPORTED_OPERATIONS: Readonly<Record<AclResourceType, readonly AclOperationCode[]>> = {
  topic: [
    op.READ,
    op.WRITE,
    op.CREATE,
    op.DESCRIBE,
    op.DELETE,
    op.ALTER,
    op.DESCRIBE_CONFIGS,
    op.ALTER_CONFIGS,
  ],
  group: [op.READ, op.DESCRIBE, op.DELETE, op.DESCRIBE_CONFIGS, op.ALTER_CONFIGS],
  cluster: [
    op.CREATE,
    op.CLUSTER_ACTION,
    op.DESCRIBE_CONFIGS,
    op.ALTER_CONFIGS,
    op.IDEMPOTENT_WRITE,
    op.ALTER,
    op.DESCRIBE,
  ],
  'transactional-id': [op.DESCRIBE, op.WRITE],
  'delegation-token': [op.DESCRIBE],
  user: [op.CREATE_TOKENS, op.DESCRIBE_TOKENS],
};

/** "Not requested": the schemas' default for every authorized-operations field (Java's Integer.MIN_VALUE). */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** Whether the requester may perform `operation` on the resource; no authorizer allows everything. */
export type CanPerform = (operation: AclOperationCode) => boolean;

const everything: CanPerform = () => true;

/** The bit field of the operations allowed on a resource of this type. */
export function authorizedOperations(type: AclResourceType, can: CanPerform = everything): number {
  let bits = 0;
  for (const operation of SUPPORTED_OPERATIONS[type]) if (can(operation)) bits |= 1 << operation;
  return bits;
}

/** The cluster's field, as Metadata and DescribeCluster give it: 0 unless the requester may DESCRIBE it. */
export function clusterAuthorizedOperations(can: CanPerform = everything): number {
  return can(AclOperation.DESCRIBE) ? authorizedOperations('cluster', can) : 0;
}

// The one way handlers authorize (DESIGN.md §1.3: decode → authorize → validate → ...): who asks is the
// connection's principal and address, never a field of the request (CVE-2018-1288) or its client id
// (KIP-1246). Without an authorizer every call answers yes.
import { ErrorCode } from '../../protocol/errors.js';
import { API_DECLS } from '../../protocol/messages/index.js';
import { AclOperation, CLUSTER_RESOURCE, ResourceType } from '../../security/acl/types.js';
import type { Requester } from '../security/access-control.js';
import type { RequestContext } from './handler.js';

export { AclOperation, CLUSTER_RESOURCE, ResourceType };

const API_NAMES = new Map(API_DECLS.map((d) => [d.apiKey as number, d.name]));

export function requester(ctx: RequestContext): Requester {
  return {
    principal: ctx.conn.principal,
    host: ctx.conn.info.remoteAddress,
    requestName: API_NAMES.get(ctx.apiKey) ?? `ApiKey${ctx.apiKey}`,
  };
}

/** Whether the request's principal may do `operation` on the resource. */
export function allowed(
  ctx: RequestContext,
  operation: AclOperation,
  resourceType: ResourceType,
  resourceName: string,
  logIfDenied = true,
): boolean {
  return ctx.services.access.authorize(requester(ctx), operation, resourceType, resourceName, logIfDenied);
}

export function allowedOnCluster(ctx: RequestContext, operation: AclOperation, logIfDenied = true): boolean {
  return allowed(ctx, operation, ResourceType.CLUSTER, CLUSTER_RESOURCE, logIfDenied);
}

/**
 * The names among `names` the principal may do `operation` on, each asked once (Kafka's
 * filterByAuthorized, which logs one line per distinct resource with its reference count).
 */
export function allowedNames(
  ctx: RequestContext,
  operation: AclOperation,
  resourceType: ResourceType,
  names: Iterable<string>,
  logIfDenied = true,
): Set<string> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const out = new Set<string>();
  const who = requester(ctx);
  for (const [name, refCount] of counts)
    if (ctx.services.access.authorize(who, operation, resourceType, name, logIfDenied, refCount))
      out.add(name);
  return out;
}

/** KIP-679: IDEMPOTENT_WRITE on the cluster, or WRITE on any topic. */
export function allowedIdempotentWrite(ctx: RequestContext): boolean {
  if (allowedOnCluster(ctx, AclOperation.IDEMPOTENT_WRITE, false)) return true;
  return ctx.services.access.authorizeByResourceType(requester(ctx), AclOperation.WRITE, ResourceType.TOPIC);
}

/**
 * Whether the principal may describe or alter a config resource (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs): topics on the topic, brokers and broker loggers on the cluster, groups on
 * the group. Null when allowed, else Kafka's error code.
 */
export function configResourceDenied(
  ctx: RequestContext,
  operation: AclOperation,
  resourceType: number,
  resourceName: string,
): number | null {
  if (resourceType === 2)
    return allowed(ctx, operation, ResourceType.TOPIC, resourceName)
      ? null
      : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (resourceType === 32)
    return allowed(ctx, operation, ResourceType.GROUP, resourceName)
      ? null
      : ErrorCode.GROUP_AUTHORIZATION_FAILED;
  return allowedOnCluster(ctx, operation) ? null : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

/** The `can(operation)` of security/authorized-operations.ts for one resource (never logged). */
export function canFor(
  ctx: RequestContext,
  resourceType: ResourceType,
  resourceName: string,
): (op: number) => boolean {
  const who = requester(ctx);
  return (op) => ctx.services.access.authorize(who, op as AclOperation, resourceType, resourceName, false);
}

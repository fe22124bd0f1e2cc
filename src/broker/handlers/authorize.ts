// The one way handlers authorize (DESIGN.md §1.3: decode → authorize → validate → ...): who asks is the
// connection's principal and address, never a field of the request (CVE-2018-1288) or its client id
// (KIP-1246). Without an authorizer every call answers yes.
import { errorResponse } from '../../protocol/error-response.js';
import { ErrorCode } from '../../protocol/errors.js';
import { API_DECLS } from '../../protocol/messages/index.js';
import { AclOperation, CLUSTER_RESOURCE, ResourceType } from '../../security/acl/types.js';
import type { Requester } from '../security/access-control.js';
import type { RequestContext } from './handler.js';
import type { CommonServices } from './services.js';

export { AclOperation, CLUSTER_RESOURCE, ResourceType };

/** Any listener's request: client listeners and the controller listener authorize alike. */
type Ctx = RequestContext<CommonServices>;

const API_NAMES = new Map(API_DECLS.map((d) => [d.apiKey as number, d.name]));

export function requester(ctx: Ctx): Requester {
  return {
    principal: ctx.onBehalfOf?.principal ?? ctx.conn.principal,
    host: ctx.onBehalfOf?.host ?? ctx.conn.info.remoteAddress,
    requestName: API_NAMES.get(ctx.apiKey) ?? `ApiKey${ctx.apiKey}`,
  };
}

/** Whether the request's principal may do `operation` on the resource. */
export function allowed(
  ctx: Ctx,
  operation: AclOperation,
  resourceType: ResourceType,
  resourceName: string,
  logIfDenied = true,
): boolean {
  return ctx.services.access.authorize(requester(ctx), operation, resourceType, resourceName, logIfDenied);
}

export function allowedOnCluster(ctx: Ctx, operation: AclOperation, logIfDenied = true): boolean {
  return allowed(ctx, operation, ResourceType.CLUSTER, CLUSTER_RESOURCE, logIfDenied);
}

/**
 * The names among `names` the principal may do `operation` on, each asked once (Kafka's
 * filterByAuthorized, which logs one line per distinct resource with its reference count).
 */
export function allowedNames(
  ctx: Ctx,
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
export function allowedIdempotentWrite(ctx: Ctx): boolean {
  if (allowedOnCluster(ctx, AclOperation.IDEMPOTENT_WRITE, false)) return true;
  return ctx.services.access.authorizeByResourceType(requester(ctx), AclOperation.WRITE, ResourceType.TOPIC);
}

/**
 * Whether the principal may describe or alter a config resource (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs): topics on the topic, brokers and broker loggers on the cluster, groups on
 * the group. Null when allowed, else Kafka's error code.
 */
export function configResourceDenied(
  ctx: Ctx,
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
export function canFor(ctx: Ctx, resourceType: ResourceType, resourceName: string): (op: number) => boolean {
  const who = requester(ctx);
  return (op) => ctx.services.access.authorize(who, op as AclOperation, resourceType, resourceName, false);
}

/**
 * For the APIs Kafka authorizes on the cluster alone (the quorum's and brokers' own requests need
 * CLUSTER_ACTION; reassignments, elections, features, log dirs ALTER; quorum and reassignment listings
 * DESCRIBE): null when allowed, else the request's answer with CLUSTER_AUTHORIZATION_FAILED in every
 * error field, as Kafka's error response for the request.
 */
export function clusterDenied<R>(ctx: Ctx, operation: AclOperation, request: unknown): R | null {
  if (allowedOnCluster(ctx, operation)) return null;
  return errorResponse(ctx.apiKey, ctx.version, request, {
    errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    errorMessage: null,
  }) as R;
}

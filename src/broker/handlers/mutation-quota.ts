// The controller mutation quota (KIP-599) as the handlers that create and delete partitions apply it,
// on the active controller (a broker forwards these requests there in an Envelope, which names the
// client): each topic that passes every other check is charged its partitions (created, added, or
// those of a deleted topic) right away, so the next topic of the same request sees the bucket it left.
// From CreateTopics v6, CreatePartitions v3 and DeleteTopics v5 (the "strict" versions) a topic met by
// an already empty bucket gets THROTTLING_QUOTA_EXCEEDED, while one accepted with tokens left is not
// refused however many partitions it takes; older versions are served and throttled afterwards (the
// "permissive" mode). The throttle time in the answer is set where the answer is charged
// (broker/security/quota-hook.ts).
import type { PartitionCharge } from '../../metadata/controller.js';
import { ErrorCode } from '../../protocol/errors.js';
import { MUTATION_STRICT_FROM_VERSION } from '../../security/quotas.js';
import type { RequestContext } from './handler.js';
import type { CommonServices } from './services.js';

export const THROTTLED_MESSAGE = 'The throttling quota has been exceeded.';

/** The charge for this request's client; undefined when no quota is configured at all. */
export function mutationCharge(ctx: RequestContext<CommonServices>): PartitionCharge | undefined {
  const quotas = ctx.services.security.quotas;
  if (!quotas.enabled) return undefined;
  const user = (ctx.onBehalfOf?.principal ?? ctx.conn.principal).name;
  const clientId = ctx.header.clientId ?? '';
  const strict = ctx.version >= (MUTATION_STRICT_FROM_VERSION.get(ctx.apiKey) ?? 0);
  return (partitions) => {
    const nowMs = Date.now();
    if (strict && quotas.exceeded('controller_mutation_rate', user, clientId, nowMs) > 0)
      return { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: THROTTLED_MESSAGE };
    quotas.record('controller_mutation_rate', user, clientId, partitions, nowMs);
    return null;
  };
}

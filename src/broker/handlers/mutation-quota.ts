// The controller mutation quota (KIP-599) as the handlers that create and delete partitions apply it:
// from CreateTopics v6, CreatePartitions v3 and DeleteTopics v5 a client whose token bucket is already
// empty gets THROTTLING_QUOTA_EXCEEDED for every topic (the "strict" mode), and the throttle time in
// the answer, while one accepted with tokens left is not throttled however many partitions it takes;
// older versions are served and throttled afterwards (the "permissive" mode). The partitions a request
// mutates are counted when it is answered (broker/security/quota-hook.ts) — on the active controller,
// for the client an Envelope names, when a broker forwarded the request. Kafka checks the bucket before
// each topic of a request; here the whole request is accepted or refused on the bucket it found.
import type { RequestContext } from './handler.js';
import type { CommonServices } from './services.js';

export const THROTTLED_MESSAGE = 'The throttling quota has been exceeded.';

/** Whether the request must be refused: a strict version from a client over its mutation quota. */
export function mutationRefused(ctx: RequestContext<CommonServices>, strictFromVersion: number): boolean {
  if (ctx.version < strictFromVersion) return false;
  const quotas = ctx.services.security.quotas;
  if (!quotas.enabled) return false;
  return (
    quotas.exceeded(
      'controller_mutation_rate',
      (ctx.onBehalfOf?.principal ?? ctx.conn.principal).name,
      ctx.header.clientId ?? '',
      Date.now(),
    ) > 0
  );
}

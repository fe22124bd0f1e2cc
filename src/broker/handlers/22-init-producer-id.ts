// InitProducerId, versions 0-5. Without a transactional id (idempotent producers) every request gets
// a fresh producer id with epoch 0, as Kafka does — also when a v3+ producer passes its old id to
// recover from a timeout. Transactional ids need the transaction coordinator, which this broker does
// not run yet: they are answered with COORDINATOR_NOT_AVAILABLE.
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowed, allowedIdempotentWrite, ResourceType } from './authorize.js';
import { handler } from './handler.js';

export const initProducerId = handler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const denied = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: -1,
      producerEpoch: -1,
    });
    if (req.transactionalId !== null && req.transactionalId !== '') {
      if (!allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))
        return denied(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        producerId: -1,
        producerEpoch: -1,
      };
    }
    // An idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on any topic (KIP-679).
    if (!allowedIdempotentWrite(ctx)) return denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const producerId = await ctx.services.producerIds.nextId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});

// InitProducerId, versions 0-5. Without a transactional id (idempotent producers) every request gets
// a fresh producer id with epoch 0, as Kafka does — also when a v3+ producer passes its old id to
// recover from a timeout. Transactional ids need the transaction coordinator, which this broker does
// not run yet: they are answered with COORDINATOR_NOT_AVAILABLE.
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';

export const initProducerId = handler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null && req.transactionalId !== '') {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        producerId: -1,
        producerEpoch: -1,
      };
    }
    const producerId = await ctx.services.producerIds.nextId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});

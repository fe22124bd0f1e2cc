// InitProducerId, versions 0-5. Without a transactional id (idempotent producers) every request gets
// a fresh producer id with epoch 0, as Kafka does — also when a v3+ producer passes its old id to
// recover from a timeout. Transactional ids need the transaction coordinator, which this broker does
// not run yet: they are answered with COORDINATOR_NOT_AVAILABLE.
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.js';
import { ProducerIdsUnavailable } from '../producer-ids.js';
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
    try {
      const producerId = await ctx.services.producerIds.nextId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (err) {
      // No block of ids from the controller: retriable for the client (Kafka answers the same).
      if (!(err instanceof ProducerIdsUnavailable)) throw err;
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        producerId: -1,
        producerEpoch: -1,
      };
    }
  },
});

// InitProducerId, versions 0-5. Without a transactional id (idempotent producers) every request gets
// a fresh producer id with epoch 0, as Kafka does — also when a v3+ producer passes its old id to
// recover from a timeout. With one, the transaction coordinator gives the id's producer id and a bumped
// epoch, fencing the previous producer (an open transaction of it is aborted first and the client told
// CONCURRENT_TRANSACTIONS); v3+ producers may pass their current id and epoch to bump it (KIP-360).
// Clients before v4 do not know PRODUCER_FENCED: they get INVALID_PRODUCER_EPOCH, as Kafka answers them.
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.js';
import { ProducerIdsUnavailable } from '../producer-ids.js';
import { handler } from './handler.js';

export const initProducerId = handler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null) {
      const r = await ctx.services.txns.initProducerId({
        transactionalId: req.transactionalId,
        transactionTimeoutMs: req.transactionTimeoutMs,
        producerId: req.producerId ?? -1,
        producerEpoch: req.producerEpoch ?? -1,
      });
      const errorCode =
        ctx.version < 4 && r.errorCode === ErrorCode.PRODUCER_FENCED
          ? ErrorCode.INVALID_PRODUCER_EPOCH
          : r.errorCode;
      return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
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

// InitProducerId, versions 0-5. Without a transactional id (idempotent producers) every request gets
// a fresh producer id with epoch 0, as Kafka does — also when a v3+ producer passes its old id to
// recover from a timeout. With one, the transaction coordinator gives the id's producer id and a bumped
// epoch, fencing the previous producer (an open transaction of it is aborted first and the client told
// CONCURRENT_TRANSACTIONS); v3+ producers may pass their current id and epoch to bump it (KIP-360).
// Clients before v4 do not know PRODUCER_FENCED: they get INVALID_PRODUCER_EPOCH, as Kafka answers them.
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/index.js';
import { ProducerIdsUnavailable } from '../producer-ids.js';
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
    if (req.transactionalId !== null) {
      // WRITE on the transactional id, before the coordinator hears of it.
      if (!allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))
        return denied(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
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
    // An idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on any topic (KIP-679).
    if (!allowedIdempotentWrite(ctx)) return denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
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

// EndTxn, versions 0-5: commits or aborts the producer's transaction. The answer leaves once
// PrepareCommit/PrepareAbort is written; the coordinator then writes the markers and CompleteCommit/
// CompleteAbort. v5 is transactions V2 (KIP-890): the epoch is bumped at every end and the response
// carries the producer id and epoch for the next transaction. Before v2, PRODUCER_FENCED is given as
// INVALID_PRODUCER_EPOCH.
import { ErrorCode } from '../../protocol/errors.js';
import type { EndTxnRequest, EndTxnResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler } from './handler.js';

export const endTxn = handler<EndTxnRequest, EndTxnResponse>({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (!allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1,
        producerEpoch: -1,
      };
    const r = await ctx.services.txns.endTransaction({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      commit: req.committed,
      clientTransactionVersion: ctx.version >= 5 ? 2 : 0,
    });
    const errorCode =
      ctx.version < 2 && r.errorCode === ErrorCode.PRODUCER_FENCED
        ? ErrorCode.INVALID_PRODUCER_EPOCH
        : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});

// AddOffsetsToTxn, versions 0-4: the group's `__consumer_offsets` partition joins the transaction, so
// that the TxnOffsetCommit that follows commits with it. Before v2, PRODUCER_FENCED is given as
// INVALID_PRODUCER_EPOCH.
import { ErrorCode } from '../../protocol/errors.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC } from '../coordinator/group/settings.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler } from './handler.js';

export const addOffsetsToTxn = handler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: 25,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    if (!allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    let errorCode = await ctx.services.txns.addPartitions({
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      partitions: [{ topic: OFFSETS_TOPIC, partitions: [ctx.services.groups.partitionFor(req.groupId)] }],
    });
    if (ctx.version < 2 && errorCode === ErrorCode.PRODUCER_FENCED)
      errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
});

// DescribeTransactions, version 0 (KIP-664): the state of each transactional id this node coordinates
// (its producer id and epoch, state, timeout, start time and partitions); an id it does not coordinate
// answers NOT_COORDINATOR, an unknown one TRANSACTIONAL_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';

export const describeTransactions = handler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    // DESCRIBE on each transactional id; of a transaction's topics, only those the principal may describe.
    const permitted = allowedNames(
      ctx,
      AclOperation.DESCRIBE,
      ResourceType.TRANSACTIONAL_ID,
      req.transactionalIds,
    );
    const described = await ctx.services.txns.describe(
      req.transactionalIds.filter((id) => permitted.has(id)),
    );
    const byId = new Map(described.map((d) => [d.transactionalId, d]));
    const transactionStates = req.transactionalIds.map((id) => {
      const d = byId.get(id);
      if (!permitted.has(id) || !d)
        return {
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          transactionalId: id,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1,
          producerId: -1,
          producerEpoch: -1,
          topics: [],
        };
      const visible = allowedNames(
        ctx,
        AclOperation.DESCRIBE,
        ResourceType.TOPIC,
        d.topics.map((t) => t.topic),
        false,
      );
      return { ...d, topics: d.topics.filter((t) => visible.has(t.topic)) };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
});

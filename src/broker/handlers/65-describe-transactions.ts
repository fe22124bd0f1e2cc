// DescribeTransactions, version 0 (KIP-664): the state of each transactional id this node coordinates
// (its producer id and epoch, state, timeout, start time and partitions); an id it does not coordinate
// answers NOT_COORDINATOR, an unknown one TRANSACTIONAL_ID_NOT_FOUND.
import type {
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
} from '../../protocol/messages/index.js';
import { handler } from './handler.js';

export const describeTransactions = handler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const described = await ctx.services.txns.describe(req.transactionalIds);
    return { throttleTimeMs: 0, transactionStates: described };
  },
});

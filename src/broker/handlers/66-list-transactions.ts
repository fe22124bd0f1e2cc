// ListTransactions, versions 0-1 (KIP-664, KIP-994): the transactional ids this node coordinates,
// filtered by state, producer id and (v1) by how long their transaction has been running. Filters
// naming no known state are returned in unknown_state_filters.
import type { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';

export const listTransactions = handler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const r = await ctx.services.txns.list({
      states: req.stateFilters,
      producerIds: req.producerIdFilters,
      durationMs: req.durationFilter ?? -1,
    });
    // Only the transactional ids the principal may DESCRIBE are listed.
    const visible = allowedNames(
      ctx,
      AclOperation.DESCRIBE,
      ResourceType.TRANSACTIONAL_ID,
      r.transactionStates.map((t) => t.transactionalId),
      false,
    );
    return {
      throttleTimeMs: 0,
      ...r,
      transactionStates: r.transactionStates.filter((t) => visible.has(t.transactionalId)),
    };
  },
});

// WriteTxnMarkers, versions 0-1: a transaction coordinator (of another node) asks this partition leader
// to write COMMIT/ABORT markers. Each partition answers on its own: NONE once written, the log's refusal
// (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED), NOT_LEADER_OR_FOLLOWER or
// UNKNOWN_TOPIC_OR_PARTITION. Not checked: CLUSTER_ACTION authorization (no authorizer yet).

import { ErrorCode } from '../../protocol/errors.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/index.js';
import { tpKey } from '../coordinator/txn/markers.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

export const writeTxnMarkers = handler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
  apiKey: 27,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    // Only brokers write markers: CLUSTER_ACTION, whoever the request says it is.
    if (!allowedOnCluster(ctx, AclOperation.CLUSTER_ACTION))
      return {
        markers: req.markers.map((m) => ({
          producerId: m.producerId,
          topics: m.topics.map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((p) => ({
              partitionIndex: p,
              errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            })),
          })),
        })),
      };
    const markers = await Promise.all(
      req.markers.map(async (m) => {
        const topics = m.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
        const result = await ctx.services.writeMarkers({
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          commit: m.transactionResult,
          coordinatorEpoch: m.coordinatorEpoch,
          topics,
        });
        return {
          producerId: m.producerId,
          topics: m.topics.map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((p) => ({
              partitionIndex: p,
              errorCode: result.get(tpKey(t.name, p)) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
            })),
          })),
        };
      }),
    );
    return { markers };
  },
});

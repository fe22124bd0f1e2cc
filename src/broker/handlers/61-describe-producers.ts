// DescribeProducers, version 0: the active idempotent producers of each partition asked for, with
// their epoch, last sequence and last write time.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { leaderOrError } from './partition-lookup.js';

export const describeProducers = handler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const readable = allowedNames(
      ctx,
      AclOperation.READ,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => {
          const p = readable.has(t.name)
            ? leaderOrError(ctx, t.name, index)
            : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          if (typeof p === 'number')
            return { partitionIndex: index, errorCode: p, errorMessage: null, activeProducers: [] };
          const activeProducers = p.log.activeProducers().map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.producerEpoch,
            lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
            lastTimestamp: e.lastTimestamp,
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: e.currentTxnFirstOffset,
          }));
          return { partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
        }),
      })),
    };
  },
});

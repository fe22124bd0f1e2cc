// DeleteRecords, versions 0-2: moves a partition's log start offset forward (-1 means the high
// watermark); OFFSET_OUT_OF_RANGE beyond the high watermark. Whole segments below the new start are
// removed by the retention pass.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { leaderOrError } from './partition-lookup.js';

export const deleteRecords = handler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const deletable = allowedNames(
      ctx,
      AclOperation.DELETE,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((pr) => {
          const p = deletable.has(t.name)
            ? leaderOrError(ctx, t.name, pr.partitionIndex)
            : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          if (typeof p === 'number')
            return { partitionIndex: pr.partitionIndex, lowWatermark: -1, errorCode: p };
          const offset = pr.offset === -1 ? p.highWatermark : pr.offset;
          const r = p.log.deleteRecordsBefore(offset);
          if (r.kind === 'ok')
            return {
              partitionIndex: pr.partitionIndex,
              lowWatermark: r.logStartOffset,
              errorCode: ErrorCode.NONE,
            };
          const errorCode =
            r.kind === 'out-of-range' ? ErrorCode.OFFSET_OUT_OF_RANGE : ErrorCode.KAFKA_STORAGE_ERROR;
          return { partitionIndex: pr.partitionIndex, lowWatermark: -1, errorCode };
        }),
      })),
    };
  },
});

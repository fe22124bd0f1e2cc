// ListOffsets, versions 0-10: latest (-1: the high watermark, or the last stable offset for
// read_committed), earliest (-2), max timestamp (-3, v7+), earliest local (-4, v8+; nothing is
// tiered, so the earliest), latest tiered (-5, v9+; none), or the first offset whose timestamp is at
// least the one given. v0 answers with the old list of offsets. The leader epoch (v4+) is checked.
// v10's timeout bounds lookups in remote (tiered) storage, which Samsa does not have: every lookup is
// local and answered at once.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, ResourceType } from './authorize.js';
import { handler, type RequestContext } from './handler.js';
import { leaderOrError, partitionOrError } from './partition-lookup.js';

type PartitionResponse = ListOffsetsResponseListOffsetsPartitionResponse;

export const listOffsets = handler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: 2,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req) {
    const readCommitted = (req.isolationLevel ?? 0) === 1;
    const topics = [];
    const describable = allowedNames(
      ctx,
      AclOperation.DESCRIBE,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions)
        if (!describable.has(t.name)) partitions.push(deniedPartition(p.partitionIndex));
        else
          partitions.push(
            await lookup(
              ctx,
              t.name,
              p.partitionIndex,
              p.timestamp,
              p.currentLeaderEpoch,
              readCommitted,
              req.replicaId,
            ),
          );
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

async function lookup(
  ctx: RequestContext,
  topic: string,
  index: number,
  timestamp: number,
  currentLeaderEpoch: number | undefined,
  readCommitted: boolean,
  replicaId: number,
): Promise<PartitionResponse> {
  const none = (errorCode: number): PartitionResponse => ({
    partitionIndex: index,
    errorCode,
    oldStyleOffsets: [],
    timestamp: -1,
    offset: -1,
    leaderEpoch: -1,
  });
  // Only the leader answers, except to a debugging tool (replica id -2).
  const p = replicaId === -2 ? partitionOrError(ctx, topic, index) : leaderOrError(ctx, topic, index);
  if (typeof p === 'number') return none(p);
  const epochError = p.checkLeaderEpoch(currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return none(epochError);
  if (
    (timestamp === -3 && ctx.version < 7) ||
    (timestamp === -4 && ctx.version < 8) ||
    (timestamp === -5 && ctx.version < 9)
  ) {
    return none(ErrorCode.UNSUPPORTED_VERSION);
  }
  // A follower asking for the latest offset (replica id >= 0) gets the log end, not the high watermark.
  const found =
    replicaId >= 0 && timestamp === -1 ? p.log.latest() : await p.offsetFor(timestamp, readCommitted);
  if (!found) return { ...none(ErrorCode.NONE), leaderEpoch: -1 };
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    oldStyleOffsets: [found.offset],
    timestamp: found.timestamp,
    offset: found.offset,
    leaderEpoch: found.leaderEpoch,
  };
}

function deniedPartition(index: number) {
  return {
    partitionIndex: index,
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    oldStyleOffsets: [],
    timestamp: -1,
    offset: -1,
    leaderEpoch: -1,
  };
}

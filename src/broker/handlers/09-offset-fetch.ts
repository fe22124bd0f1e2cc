// OffsetFetch, versions 0-9: one group up to v7 (all its offsets when topics is null, v2+), several
// groups from v8. Partitions without a committed offset answer -1. With `require_stable` (v7+) a
// partition whose group has a transactional offset pending (committed in a transaction not yet ended)
// answers UNSTABLE_OFFSET_COMMIT, which clients retry. Before v2 there is no group-level error field,
// so a group error is given on each partition asked for (Kafka leaves the partition list empty then).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  OffsetFetchRequest,
  OffsetFetchResponse,
  OffsetFetchResponseGroup,
} from '../../protocol/messages/index.js';
import type { FetchedGroup } from '../coordinator/group/offset-ops.js';
import { handler, later } from './handler.js';

type Topics = { name: string; partitions: number[] }[] | null;

export const offsetFetch = handler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const groups = ctx.services.groups;
    if (ctx.version >= 8) {
      const asked = (req.groups ?? []).map((g) => ({
        groupId: g.groupId ?? '',
        topics: g.topics
          ? g.topics.map((t) => ({ name: t.name ?? '', partitions: t.partitionIndexes ?? [] }))
          : null,
      }));
      const stable = req.requireStable ?? false;
      const results = Promise.all(asked.map((g) => groups.fetchOffsets(g.groupId, g.topics, stable)));
      return later(
        results.then((rs) => ({
          throttleTimeMs: 0,
          groups: rs.map((r, i) => groupResponse(asked[i].groupId, r)),
        })),
      );
    }
    const topics: Topics = req.topics
      ? req.topics.map((t) => ({ name: t.name ?? '', partitions: t.partitionIndexes ?? [] }))
      : null;
    const result = groups.fetchOffsets(req.groupId ?? '', topics, req.requireStable ?? false);
    return later(result.then((r) => singleGroupResponse(r, topics, ctx.version)));
  },
});

function groupResponse(groupId: string, r: FetchedGroup): OffsetFetchResponseGroup {
  return {
    groupId,
    errorCode: r.errorCode,
    topics: r.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    })),
  };
}

function singleGroupResponse(r: FetchedGroup, asked: Topics, version: number): OffsetFetchResponse {
  let topics = r.topics;
  if (r.errorCode !== ErrorCode.NONE && version < 2 && asked) {
    topics = asked.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => ({
        partition,
        offset: -1,
        leaderEpoch: -1,
        metadata: '',
        errorCode: r.errorCode,
      })),
    }));
  }
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    })),
  };
}

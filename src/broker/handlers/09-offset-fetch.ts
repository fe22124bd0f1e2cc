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
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { handler, later, type RequestContext } from './handler.js';

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
      const results = Promise.all(
        asked.map((g) =>
          authorizedFetch(ctx, g.groupId, g.topics, () => groups.fetchOffsets(g.groupId, g.topics, stable)),
        ),
      );
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
    const result = authorizedFetch(ctx, req.groupId ?? '', topics, () =>
      groups.fetchOffsets(req.groupId ?? '', topics, req.requireStable ?? false),
    );
    return later(result.then((r) => singleGroupResponse(r, topics, ctx.version)));
  },
});

/**
 * DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED), then on each topic: a topic asked for by
 * name answers TOPIC_AUTHORIZATION_FAILED, and "all topics" leaves undescribable topics out.
 */
async function authorizedFetch(
  ctx: RequestContext,
  groupId: string,
  asked: Topics,
  fetch: () => Promise<FetchedGroup>,
): Promise<FetchedGroup> {
  if (!allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId))
    return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  const r = await fetch();
  if (!ctx.services.access.enabled) return r;
  const describable = allowedNames(
    ctx,
    AclOperation.DESCRIBE,
    ResourceType.TOPIC,
    r.topics.map((t) => t.name),
    asked !== null,
  );
  if (asked === null) return { ...r, topics: r.topics.filter((t) => describable.has(t.name)) };
  return {
    ...r,
    topics: r.topics.map((t) =>
      describable.has(t.name)
        ? t
        : {
            name: t.name,
            partitions: t.partitions.map((p) => ({
              ...p,
              offset: -1,
              leaderEpoch: -1,
              metadata: '',
              errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            })),
          },
    ),
  };
}

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

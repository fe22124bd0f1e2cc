// Heartbeat, versions 0-4 (v3 adds the group instance id). REBALANCE_IN_PROGRESS tells a member to
// rejoin; a coordinator still loading answers NONE, as Kafka does.
import { ErrorCode } from '../../protocol/errors.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const heartbeat = handler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const errorCode = ctx.services.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
    });
    return later(errorCode.then((code) => ({ throttleTimeMs: 0, errorCode: code })));
  },
});

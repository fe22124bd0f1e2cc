// Heartbeat, versions 0-4 (v3 adds the group instance id). REBALANCE_IN_PROGRESS tells a member to
// rejoin; a coordinator still loading answers NONE, as Kafka does.
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/index.js';
import { handler, later } from './handler.js';

export const heartbeat = handler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const errorCode = ctx.services.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
    });
    return later(errorCode.then((code) => ({ throttleTimeMs: 0, errorCode: code })));
  },
});

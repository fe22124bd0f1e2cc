// LeaveGroup, versions 0-5: one member up to v2 (its error is the answer's), a batch of members from
// v3 (each by member id, or by instance id alone for an admin removing a static member), with a reason
// from v5 (logged nowhere yet).
import { ErrorCode } from '../../protocol/errors.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const leaveGroup = handler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const members =
      ctx.version >= 3
        ? (req.members ?? []).map((m) => ({
            memberId: m.memberId ?? '',
            groupInstanceId: m.groupInstanceId ?? null,
          }))
        : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
    const result = ctx.services.groups.leaveGroup(req.groupId, members);
    return later(
      result.then((r): LeaveGroupResponse => {
        if (ctx.version >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
        return { throttleTimeMs: 0, errorCode: r.errorCode || (r.members[0]?.errorCode ?? 0), members: [] };
      }),
    );
  },
});

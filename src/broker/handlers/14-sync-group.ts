// SyncGroup, versions 0-5. Followers wait for the leader's SyncGroup, which carries every member's
// assignment; the group is Stable once that assignment is written. v3 adds the instance id; from v5
// the protocol type and name are required (INCONSISTENT_GROUP_PROTOCOL when missing, as Kafka) and
// returned.
import { ErrorCode } from '../../protocol/errors.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages/index.js';
import { EMPTY_BYTES, type SyncResult } from '../coordinator/group/classic-group.js';
import { AclOperation, allowed, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const syncGroup = handler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const protocolType = req.protocolType ?? null;
    const protocolName = req.protocolName ?? null;
    if (ctx.version >= 5 && (protocolType === null || protocolName === null)) {
      return response({
        errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        protocolType: null,
        protocolName: null,
        assignment: EMPTY_BYTES,
      });
    }
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return response({
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        protocolType: null,
        protocolName: null,
        assignment: EMPTY_BYTES,
      });
    const result = ctx.services.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      protocolType,
      protocolName,
      assignments: req.assignments,
    });
    return later(result.then(response));
  },
});

function response(r: SyncResult): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: r.protocolType,
    protocolName: r.protocolName,
    assignment: r.assignment,
  };
}

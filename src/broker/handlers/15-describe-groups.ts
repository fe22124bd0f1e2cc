// DescribeGroups, versions 0-6. An unknown group is described as Dead without error up to v5, and from
// v6 (KIP-1043) answered GROUP_ID_NOT_FOUND with a message, as Kafka does;
// member metadata is shown only for a Stable group. v3 may ask for the authorized operations: with no
// authorizer every group operation is allowed (security/authorized-operations.ts). A group the
// principal may not DESCRIBE answers GROUP_AUTHORIZATION_FAILED, and is never looked up.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.js';
import { authorizedOperations, OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.js';
import { type DescribedGroup, describedGroupError } from '../coordinator/group/admin-ops.js';
import { AclOperation, allowedNames, canFor, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const describeGroups = handler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    const withOperations = ctx.version >= 3 && req.includeAuthorizedOperations === true;
    const permitted = allowedNames(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, req.groups);
    const result = ctx.services.groups.describeGroups(req.groups.filter((g) => permitted.has(g)));
    return later(
      result.then((described) => {
        const byId = new Map(described.map((g) => [g.groupId, g]));
        return {
          throttleTimeMs: 0,
          groups: req.groups.map((id) => {
            const found = byId.get(id);
            const raw =
              permitted.has(id) && found
                ? found
                : describedGroupError(id, ErrorCode.GROUP_AUTHORIZATION_FAILED);
            const g = ctx.version >= 6 ? notFound(raw) : raw;
            const allowed = withOperations && g.errorCode === ErrorCode.NONE;
            return {
              ...g,
              authorizedOperations: allowed
                ? authorizedOperations('group', canFor(ctx, ResourceType.GROUP, id))
                : OPERATIONS_NOT_REQUESTED,
            };
          }),
        };
      }),
    );
  },
});

/** v6: a group that does not exist is an error rather than a Dead group. */
function notFound(g: DescribedGroup): DescribedGroup & { errorMessage: string | null } {
  if (g.errorCode !== ErrorCode.NONE || g.groupState !== 'Dead') return { ...g, errorMessage: null };
  return {
    ...describedGroupError(g.groupId, ErrorCode.GROUP_ID_NOT_FOUND),
    errorMessage: `Group ${g.groupId} not found.`,
  };
}

// DescribeGroups, versions 0-6. An unknown group is described as Dead without error up to v5, and from
// v6 (KIP-1043) answered GROUP_ID_NOT_FOUND with a message, as Kafka does;
// member metadata is shown only for a Stable group. v3 may ask for the authorized operations: with no
// authorizer every group operation is allowed (security/authorized-operations.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/index.js';
import { authorizedOperations, OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.js';
import { type DescribedGroup, describedGroupError } from '../coordinator/group/admin-ops.js';
import { handler, later } from './handler.js';

export const describeGroups = handler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    const withOperations = ctx.version >= 3 && req.includeAuthorizedOperations === true;
    const result = ctx.services.groups.describeGroups(req.groups);
    return later(
      result.then((groups) => ({
        throttleTimeMs: 0,
        groups: groups.map((described) => {
          const g = ctx.version >= 6 ? notFound(described) : described;
          const allowed = withOperations && g.errorCode === ErrorCode.NONE;
          return {
            ...g,
            authorizedOperations: allowed ? authorizedOperations('group') : OPERATIONS_NOT_REQUESTED,
          };
        }),
      })),
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
